from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.security import check_password_hash

from forum.account.forms import PasswordForm, ProfileForm
from forum.auth.views import start_session
from forum.extensions import db
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
        changing_email = accounts.normalize_email(form.email.data) != current_user.email
        if form.display_name.data != current_user.display_name:
            # The name is shown to everyone: a suspended member cannot write in public, this included.
            guardian().ensure(guardian().can_write)
        if changing_email and not check_password_hash(current_user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append("Enter your current password to change your email address.")
        else:
            try:
                accounts.update_profile(current_user, display_name=form.display_name.data, email=form.email.data)
            except accounts.EmailTaken:
                form.email.errors.append("Another account already uses this email address.")
            else:
                db.session.commit()
                flash("Your profile is saved.", "success")
                return redirect(url_for("account.settings"), 303)
    return _render(form, PasswordForm(formdata=None), 422)


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
