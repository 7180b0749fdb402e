import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from joserfc.errors import JoseError
from sqlalchemy import select

from forum import markup
from forum.auth import safe_next
from forum.auth.views import start_session
from forum.extensions import db, writes_on_get
from forum.identity import oidc
from forum.identity.forms import ProviderForm, domain_list
from forum.links import absolute_url
from forum.models import SignInProvider
from forum.permissions import guardian
from forum.posts.views import MAX_ID
from forum.services import audit, sign_in

bp = Blueprint("identity", __name__)
SLUG_WORD = re.compile(r"[a-z0-9-]{1,60}")


@bp.app_context_processor
def sign_in_choices():
    """For the sign-in page: the company's app (when set up) and the enabled providers; for account
    settings: where the member signs in from."""

    def sign_in_providers() -> list[SignInProvider]:
        query = select(SignInProvider).where(SignInProvider.enabled).order_by(SignInProvider.display_name)
        return list(db.session.scalars(query))

    def my_ways_in() -> list:
        return (
            sign_in.ways_in(current_user, current_app.config["COMPANY_NAME"]) if current_user.is_authenticated else []
        )

    return {"sign_in_providers": sign_in_providers, "my_ways_in": my_ways_in}


def _refused(refusal: sign_in.SignInRefused, again: str | None):
    db.session.rollback()  # nothing of a refused sign-in is kept (nor its token marked used)
    return render_template("identity/refused.html", message=refusal.message, again=again), refusal.status


def _next_from_request() -> str:
    return safe_next(request.args.get("next")) or url_for("posts.index")


# -- the company's app ---------------------------------------------------------------------------
@bp.get("/sso")
@writes_on_get
def sso():
    """The company's server sends the person here with a token it signed (HS256, SSO_SECRET)."""
    next_url = _next_from_request()
    try:
        hand_off = sign_in.read_hand_off(request.args.get("token"), current_app.config.get("SSO_SECRET"))
        sign_in.use_token(hand_off)
        user = sign_in.sign_in_with_hand_off(hand_off)
    except sign_in.SignInRefused as refusal:
        again = url_for("identity.sso_login", next=next_url) if current_app.config.get("SSO_LOGIN_URL") else None
        return _refused(refusal, again)
    db.session.commit()
    start_session(user)
    return redirect(next_url, 303)


@bp.get("/sso/login")
def sso_login():
    """Send a signed-out visitor to the company's sign-in page, which sends them back to /sso."""
    next_url = _next_from_request()
    login_url = current_app.config.get("SSO_LOGIN_URL")
    if current_user.is_authenticated:
        return redirect(next_url)
    if not login_url:
        return redirect(url_for("auth.login", next=next_url))
    return_to = absolute_url("identity.sso", next=next_url)  # from SITE_URL, never the Host header
    parts = urlsplit(login_url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("return_to", return_to)])
    return redirect(urlunsplit(parts._replace(query=query)))


# -- OpenID Connect ------------------------------------------------------------------------------
def _provider(slug: str) -> SignInProvider:
    if not SLUG_WORD.fullmatch(slug):
        abort(404)
    provider = db.session.scalars(select(SignInProvider).where(SignInProvider.slug == slug)).first()
    if provider is None or not provider.enabled:
        abort(404)
    return provider


@bp.get("/login/oidc/<slug>")
def oidc_start(slug: str):
    provider = _provider(slug)
    session["oidc_next"] = _next_from_request()
    client = oidc.client_for(provider)
    try:
        oidc.check_discovery(provider.issuer, client.load_server_metadata())
        return client.authorize_redirect(absolute_url("identity.oidc_callback", slug=slug))
    except (requests.RequestException, ValueError, oidc.DiscoveryFailed) as error:
        current_app.logger.warning("OpenID Connect discovery failed for %s: %s", provider.issuer, error)
        client.server_metadata.pop("_loaded_at", None)  # read it again next time
        message = f"{provider.display_name} cannot be reached right now. Try again later."
        refusal = sign_in.SignInRefused(message, status=502)
        return _refused(refusal, url_for("auth.login"))


@bp.get("/login/oidc/<slug>/callback")
@writes_on_get
def oidc_callback(slug: str):
    provider = _provider(slug)
    client = oidc.client_for(provider)
    next_url = session.get("oidc_next") or url_for("posts.index")
    try:
        if request.args.get("error"):
            reason = markup.one_line(request.args.get("error_description") or request.args["error"])[:200]
            raise sign_in.SignInRefused(f"{provider.display_name} did not sign you in: {reason}.")
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise sign_in.SignInRefused(f"{provider.display_name} sent no ID token.")
        if "email" not in claims and client.load_server_metadata().get("userinfo_endpoint"):
            # Some providers keep the address for the userinfo endpoint rather than the ID token.
            extra = dict(client.userinfo(token=token))
            if extra.get("sub") == claims.get("sub"):
                claims = {**extra, **claims}
        user = sign_in.sign_in_with_provider(provider, claims)
    except sign_in.SignInRefused as refusal:
        return _refused(refusal, url_for("auth.login"))
    except (OAuthError, AuthlibBaseError, JoseError) as error:
        current_app.logger.warning("OpenID Connect sign-in with %s refused: %r", provider.issuer, error)
        refusal = sign_in.SignInRefused(
            f"Signing in with {provider.display_name} failed a security check ({_reason(error)}). "
            "Nothing was saved. Start again from the sign-in page."
        )
        return _refused(refusal, url_for("auth.login"))
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("OpenID Connect provider %s failed: %r", provider.issuer, error)
        refusal = sign_in.SignInRefused(f"{provider.display_name} cannot be reached right now.", status=502)
        return _refused(refusal, url_for("auth.login"))
    db.session.commit()
    start_session(user)
    flash(f"Signed in as {user.display_name}.", "success")
    return redirect(next_url, 303)


def _reason(error: Exception) -> str:
    name = getattr(error, "error", None) or type(error).__name__
    description = getattr(error, "description", None)
    return f"{name}: {description}" if description else str(name)


# -- the admin page ------------------------------------------------------------------------------
@bp.route("/admin/sign-in", methods=["GET", "POST"])
@login_required
def admin():
    guardian().ensure(guardian().can_configure_sign_in())
    form = ProviderForm(prefix="new")
    if form.validate_on_submit() and _checked(form, None):
        provider = SignInProvider(
            slug=_new_slug(form.display_name.data),
            display_name=form.display_name.data,
            issuer=form.issuer.data,
            client_id=form.client_id.data,
            client_secret=form.client_secret.data,
            allowed_domains=",".join(d.removeprefix("@") for d in domain_list(form.allowed_domains.data)),
            enabled=form.enabled.data,
        )
        db.session.add(provider)
        db.session.flush()
        audit.record(current_user, "sign_in_provider", "sign_in_provider", provider.id, None, _audited(provider))
        db.session.commit()
        flash(f"{provider.display_name} is set up. Its button is on the sign-in page.", "success")
        return redirect(url_for("identity.admin"), 303)
    status = 422 if form.is_submitted() else 200
    return _admin_page(new_form=form), status


@bp.post("/admin/sign-in/<int:provider_id>")
@login_required
def admin_edit(provider_id: int):
    guardian().ensure(guardian().can_configure_sign_in())
    provider = db.session.get(SignInProvider, provider_id) if provider_id <= MAX_ID else None
    if provider is None:
        abort(404)
    form = ProviderForm(prefix=f"p{provider.id}")
    if form.validate_on_submit() and _checked(form, provider):
        before = _audited(provider)
        provider.display_name = form.display_name.data
        provider.issuer = form.issuer.data
        provider.client_id = form.client_id.data
        if form.client_secret.data:
            provider.client_secret = form.client_secret.data
        provider.allowed_domains = ",".join(d.removeprefix("@") for d in domain_list(form.allowed_domains.data))
        provider.enabled = form.enabled.data
        audit.record(current_user, "sign_in_provider", "sign_in_provider", provider.id, before, _audited(provider))
        db.session.commit()
        flash(f"{provider.display_name} is saved.", "success")
        return redirect(url_for("identity.admin"), 303)
    return _admin_page(edited=(provider.id, form)), 422


def _checked(form: ProviderForm, provider: SignInProvider | None) -> bool:
    """A new provider needs its secret; every provider must answer discovery for its issuer."""
    if provider is None and not form.client_secret.data:
        form.client_secret.errors.append("Enter the client secret the provider gave you.")
        return False
    if provider is not None and form.issuer.data == provider.issuer:
        return True  # read when the issuer was saved; sign-in reads it again anyway
    try:
        oidc.check_discovery(form.issuer.data)
    except oidc.DiscoveryFailed as error:
        form.issuer.errors.append(str(error))
        return False
    return True


AUDITED = ("display_name", "issuer", "client_id", "allowed_domains", "enabled")


def _audited(provider: SignInProvider) -> dict:
    return {name: getattr(provider, name) for name in AUDITED}


def _new_slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "provider"
    slug, n = base, 1
    while db.session.scalars(select(SignInProvider.id).where(SignInProvider.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _admin_page(new_form: ProviderForm | None = None, edited: tuple | None = None):
    providers = list(db.session.scalars(select(SignInProvider).order_by(SignInProvider.display_name)))
    forms = {}
    for provider in providers:
        if edited and edited[0] == provider.id:
            forms[provider.id] = edited[1]
            continue
        form = ProviderForm(prefix=f"p{provider.id}", formdata=None, obj=provider)
        form.allowed_domains.data = ", ".join(provider.domains)
        forms[provider.id] = form
    new_form = new_form or ProviderForm(prefix="new", formdata=None)
    new_form.client_secret.description = "The secret the provider gave you; never shown again once saved."
    return render_template(
        "identity/admin.html",
        providers=providers,
        forms=forms,
        new_form=new_form,
        callback=lambda slug: absolute_url("identity.oidc_callback", slug=slug),
        sso_ready=bool(current_app.config.get("SSO_SECRET")),
        sso_login_url=current_app.config.get("SSO_LOGIN_URL"),
        sso_url=absolute_url("identity.sso"),
    )
