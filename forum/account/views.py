from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.security import check_password_hash

from forum import mail
from forum.account.forms import PasswordForm, ProfileForm
from forum.auth.forms import ConfirmForm
from forum.auth.views import start_session
from forum.extensions import db
from forum.links import absolute_url
from forum.permissions import guardian
from forum.services import accounts

bp = Blueprint("account", __name__, url_prefix="/account")


def _render(profile_form, password_form, status=200):
    return render_template("account/settings.html", profile_form=profile_form, password_form=password_form), status


@bp.get("")
@login_required
def settings():
    profile = ProfileForm(obj=current_user)
    return _render(profile, PasswordForm(formdata=None))


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        new_email = accounts.normalize_email(form.email.data)
        changing_email = new_email != current_user.email
        if form.display_name.data != current_user.display_name:
            # The name is shown to everyone: a suspended member cannot write in public, this included.
            guardian().ensure(guardian().can_write)
        if changing_email and not check_password_hash(current_user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append("Enter your current password to change your email address.")
        else:
            try:
                token = accounts.email_change_token(current_user, new_email) if changing_email else None
            except accounts.EmailTaken:
                form.email.errors.append("Another account already uses this email address.")
            else:
                accounts.update_profile(current_user, display_name=form.display_name.data)
                db.session.commit()
                if token:
                    _mail_email_change(current_user, new_email, token)
                    flash(
                        f"We sent a link to {new_email}. Your email address changes when you open it; "
                        f"until then it stays {current_user.email}.",
                        "info",
                    )
                else:
                    flash("Your profile is saved.", "success")
                return redirect(url_for("account.settings"), 303)
    return _render(form, PasswordForm(formdata=None), 422)


def _mail_email_change(user, new_email: str, token: str) -> None:
    """The new address confirms the change; the old one is told, so a stolen session cannot move the
    account away in silence."""
    site = current_app.config["SITE_NAME"]
    link = absolute_url("account.confirm_email", token=token)
    mail.send(new_email, f"Confirm your new {site} email address",
              render_template("email/email_change.txt", user=user, link=link, new_email=new_email))  # fmt: skip
    mail.send(user.email, f"Your {site} email address is being changed",
              render_template("email/email_change_notice.txt", user=user, new_email=new_email,
                              reset=absolute_url("auth.request_reset")))  # fmt: skip


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Like the sign-up link: the page's button changes the address, not a mail scanner's GET."""
    found = accounts.read_email_change_token(token)
    if found is None:
        return render_template("auth/link_expired.html", purpose="email"), 400
    user, new_email = found
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.change_email(user, new_email)
        except accounts.EmailTaken:
            form.form_errors.append("Another account started using this address in the meantime.")
        else:
            db.session.commit()
            flash(f"Your email address is now {new_email}.", "success")
            return redirect(url_for("account.settings" if current_user.is_authenticated else "auth.login"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("account/confirm_email.html", form=form, new_email=new_email), status


@bp.post("/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            user = current_user._get_current_object()
            accounts.change_password(user, form.new_password.data)
            db.session.commit()
            # Every other session has ended; this one continues with the new version.
            start_session(user)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("account.settings"), 303)
    return _render(ProfileForm(formdata=None, obj=current_user), form, 422)
