"""Admins' page for API keys: create one for themselves or a service account, see it once, revoke."""

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from forum.auth.forms import strip
from forum.extensions import db
from forum.markup import one_line
from forum.models import ApiKey, Role, Scope
from forum.permissions import guardian
from forum.services import Refused, accounts, api_keys

bp = Blueprint("api_keys", __name__, url_prefix="/admin/api-keys")


class ScopesField(SelectMultipleField):
    """Checkboxes; at least one, each a known scope (api_keys.parse_scopes says which is not)."""

    def pre_validate(self, form):
        try:
            api_keys.parse_scopes(self.data or [])
        except ValueError as problem:
            raise StopValidation(str(problem)) from None


class KeyForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[one_line],
        validators=[DataRequired("Name the key after the system that will use it."),
                    Length(max=api_keys.NAME_MAX, message=f"Keep the name to {api_keys.NAME_MAX} characters.")],
        description="Which system holds it, e.g. “Help desk sync”.",
    )  # fmt: skip
    scopes = ScopesField(
        "Scopes",
        choices=[SelectChoice(scope.value, f"{scope.value}: {scope.label}") for scope in Scope],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        # No DataRequired: it would mark every box `required`, and browsers would then ask for all four.
    )
    owner = RadioField(
        "Acts as",
        choices=[SelectChoice("me", "Me"), SelectChoice("account", "Another account (a service account)")],
        default="me",
    )
    email = StringField(
        "Account's email",
        filters=[strip],
        validators=[Optional(), Length(max=254), Email("That is not an email address.")],
        description="For another account: its email. A new service account is made if none has it.",
    )


@bp.before_request
@login_required
def _admins_only():
    guardian().ensure(guardian().can_manage_api_keys())


@bp.get("")
def index():
    return _page(KeyForm(formdata=None))


def _page(form: KeyForm, new_key: str | None = None, status: int = 200):
    return render_template("api/keys.html", form=form, keys=api_keys.all_keys(), new_key=new_key), status


@bp.post("")
def create():
    form = KeyForm()
    if not form.validate():
        return _page(form, status=422)
    owner = current_user
    if form.owner.data == "account":
        if not form.email.data:
            form.email.errors = ["Give the email of the account the key acts as."]
            return _page(form, status=422)
        owner = accounts.find_by_email(form.email.data)
        if owner is None:
            owner = _service_account(form)
            if owner is None:
                return _page(form, status=422)
    try:
        key, secret = api_keys.create_key(current_user, owner, form.name.data, form.scopes.data)
    except Refused as refusal:
        db.session.rollback()
        form.scopes.errors = [refusal.description]
        return _page(form, status=422)
    except ValueError as problem:
        db.session.rollback()
        form.scopes.errors = [str(problem)]
        return _page(form, status=422)
    db.session.commit()
    flash(f"Key “{key.name}” created. Copy it now: it is not shown again.", "success")
    # Shown in this response only: never in a redirect's URL, the session, or a log.
    return _page(KeyForm(formdata=None), new_key=secret, status=201)


def _service_account(form: KeyForm):
    """A new account that only a key acts through; its role follows the widest scope asked for."""
    scopes = set(form.scopes.data or [])
    role = Role.ADMIN if "admin" in scopes else Role.STAFF if "staff" in scopes else Role.MEMBER
    try:
        email = accounts.normalize_email(form.email.data)
        return accounts.create_user(email, secrets.token_urlsafe(32), form.name.data[:50] or "Service", role)
    except (ValueError, accounts.EmailTaken) as problem:
        form.email.errors = [str(problem) or "That email cannot be used."]
        return None


@bp.post("/<int:key_id>/revoke")
def revoke(key_id: int):
    key = db.session.get(ApiKey, key_id) if key_id <= 2**31 - 1 else None
    if key is None:
        abort(404)
    revoked = api_keys.revoke(current_user, key)
    db.session.commit()
    flash(f"Key “{key.name}” is revoked: it stops working now." if revoked else "That key was revoked already.",
          "success")  # fmt: skip
    return redirect(url_for("api_keys.index"), 303)
