from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from forum.auth import safe_next
from forum.auth.forms import LoginForm, SignupForm
from forum.extensions import db, limiter
from forum.services import accounts

bp = Blueprint("auth", __name__)


def start_session(user, remember: bool = False) -> None:
    """Sign in with a fresh session (no fixation) and a fresh CSRF token."""
    session.clear()
    login_user(user, remember=remember)
    generate_csrf()


def _after_sign_in(form) -> str:
    return safe_next(form.next.data) or safe_next(request.args.get("next")) or url_for("posts.index")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = SignupForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.password.data, form.display_name.data)
        except accounts.EmailTaken:
            form.email.errors.append("An account with this email already exists. Sign in instead.")
        else:
            db.session.commit()
            start_session(user)
            flash(f"Welcome, {user.display_name}! Your account is ready.", "success")
            return redirect(_after_sign_in(form), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("posts.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            flash(f"Signed in as {user.display_name}.", "success")
            return redirect(_after_sign_in(form), 303)
        form.password.errors.append("That email and password do not match an account.")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    accounts.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("posts.index"), 303)
