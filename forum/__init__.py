"""The public feedback forum."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Wiring only: config, extensions, blueprints, commands, error pages."""
    from forum.config import Config, instance_path

    app = Flask(
        __name__,
        instance_path=instance_path(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.config.from_object(Config(app.instance_path))
    app.config.update(overrides or {})
    if app.testing and "FORM_MIN_FILL_SECONDS" not in (overrides or {}):
        app.config["FORM_MIN_FILL_SECONDS"] = 0  # test clients send forms the instant they get them

    from forum.extensions import compress, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    # Before web.init_app: Flask runs later-registered after_request hooks first, so responses are
    # compressed after the page cache has set their ETag (Flask-Compress tags it with the encoding).
    compress.init_app(app)
    from forum import api, auth, observability, search, web

    auth.init_login(login_manager, app)

    from forum.account.views import bp as account_bp
    from forum.admin.views import bp as admin_bp
    from forum.auth.views import bp as auth_bp
    from forum.cards.views import bp as cards_bp
    from forum.crawlers.views import bp as crawlers_bp
    from forum.moderation.views import bp as moderation_bp
    from forum.posts.views import bp as posts_bp
    from forum.roadmap.views import bp as roadmap_bp
    from forum.staff.views import bp as staff_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(posts_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(roadmap_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(crawlers_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cards_bp)
    from forum.notifications.views import bp as notifications_bp

    app.register_blueprint(notifications_bp)
    from forum.companies.views import bp as companies_bp
    from forum.identity import oidc
    from forum.identity.views import bp as identity_bp

    oidc.init_app(app)
    app.register_blueprint(identity_bp)
    app.register_blueprint(companies_bp)

    web.init_app(app)
    api.init_app(app)
    observability.init_app(app)
    search.init_app(app)

    from forum.cli import register_commands

    register_commands(app)
    return app
