from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError

from forum import limits, mail
from forum.auth import safe_next
from forum.auth.forms import ConfirmForm, LoginForm, NewPasswordForm, ResetRequestForm, SignupForm
from forum.extensions import db
from forum.links import absolute_url
from forum.permissions import guardian
from forum.services import accounts

bp = Blueprint("auth", __name__)


def start_session(user, remember: bool = False) -> None:
    """Sign in with a fresh session (no fixation) and a fresh CSRF token."""
    session.clear()
    login_user(user, remember=remember)
    generate_csrf()


def _after_sign_in(form) -> str:
    return safe_next(form.next.data) or safe_next(request.args.get("next")) or _home_for_signed_in()


def _home_for_signed_in() -> str:
    """Staff start their day at the queue; everyone else at the list of posts."""
    return url_for("staff.queue_page") if guardian().can_use_staff_tools() else url_for("posts.index")


@bp.route("/signup", methods=["GET", "POST"])
@limits.sign_up
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = SignupForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        form.start_clock()
    if form.validate_on_submit() and not _human_problem(form):
        if current_app.config["SIGNUP_EMAIL_LINK"] or _is_placeholder(form.email.data):
            # A placeholder's votes go to whoever proves the address: always through the mailed link.
            return _send_signup_link(form)
        try:
            user = accounts.create_user(form.email.data, form.password.data, form.display_name.data)
        except accounts.EmailTaken:
            form.email.errors.append("An account with this email already exists. Sign in instead.")
        else:
            db.session.commit()
            return _welcome(user, form.next.data)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/signup.html", form=form), status


def _is_placeholder(email: str) -> bool:
    user = accounts.find_by_email(email)
    return user is not None and user.is_placeholder


def _human_problem(form) -> bool:
    problem = form.human_problem()
    if problem:
        form.form_errors.append(problem)
    return bool(problem)


def _welcome(user, next_url: str | None):
    start_session(user)
    flash(f"Welcome, {user.display_name}! Your account is ready.", "success")
    return redirect(safe_next(next_url) or url_for("posts.index"), 303)


def _send_signup_link(form):
    """The same answer whether or not the address has an account: only its owner learns which."""
    pending = accounts.pending_signup(form.email.data, form.password.data, form.display_name.data)
    email = pending.email
    existing = accounts.find_by_email(email)
    if existing is None or existing.is_placeholder:
        token = accounts.signup_token(pending)
        link = absolute_url("auth.confirm_signup", token=token, next=safe_next(form.next.data) or None)
        body = render_template("email/signup.txt", link=link, name=form.display_name.data)
        mail.send(email, f"Finish creating your {current_app.config['SITE_NAME']} account", body)
    else:
        body = render_template(
            "email/signup_taken.txt",
            user=existing,
            login=absolute_url("auth.login"),
            reset=absolute_url("auth.request_reset"),
        )
        mail.send(email, f"Your {current_app.config['SITE_NAME']} account", body)
    session["sent_to"] = email
    return redirect(url_for("auth.signup_sent"), 303)


@bp.get("/signup/sent")
def signup_sent():
    return render_template("auth/sent.html", email=session.get("sent_to"), purpose="signup")


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm_signup(token: str):
    """The mailed link opens a page with a button; only the button's POST creates the account. A mail
    scanner fetching the link (GET or HEAD, no cookie) must not create an account with the password
    whoever typed the address chose."""
    pending = accounts.read_signup_token(token)
    if pending is None:
        return render_template("auth/link_expired.html", purpose="signup"), 400
    next_url = safe_next(request.args.get("next"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_from_signup(pending)
            db.session.commit()
        except (accounts.EmailTaken, IntegrityError):
            db.session.rollback()
        else:
            return _welcome(user, next_url)
    existing = accounts.find_by_email(pending.email)
    if existing is not None and not existing.is_placeholder:
        flash("Your account is already set up. Sign in with your email and password.", "info")
        return redirect(url_for("auth.login", next=next_url), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/confirm_signup.html", form=form, pending=pending, next=next_url), status


@bp.route("/login", methods=["GET", "POST"])
@limits.sign_in
@limits.sign_in_per_email
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


# -- forgotten password ------------------------------------------------------------
@bp.route("/reset", methods=["GET", "POST"])
@limits.password_reset
@limits.password_reset_per_email
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = accounts.normalize_email(form.email.data)
        user = accounts.find_by_email(email)
        # The same answer either way: only the mailbox's owner learns whether an account exists.
        if user is not None and user.deleted_at is None:
            link = absolute_url("auth.reset_password", token=accounts.password_reset_token(user))
            body = render_template("email/reset.txt", user=user, link=link)
            mail.send(user.email, f"Reset your {current_app.config['SITE_NAME']} password", body)
        session["sent_to"] = email
        return redirect(url_for("auth.reset_sent"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.get("/reset/sent")
def reset_sent():
    return render_template("auth/sent.html", email=session.get("sent_to"), purpose="reset")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        return render_template("auth/link_expired.html", purpose="reset"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        accounts.change_password(user, form.password.data)  # also ends every other session
        accounts.mark_email_verified(user)  # the reset link came through the account's mailbox
        db.session.commit()
        start_session(user)
        flash("Your password is changed and you are signed in. Other devices were signed out.", "success")
        return redirect(url_for("posts.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset_password.html", form=form, token=token), status
