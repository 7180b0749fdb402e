from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from forum import markup
from forum.antispam import HumanCheck
from forum.services import accounts
from forum.services.accounts import NAME_MAX, PASSWORD_MAX, PASSWORD_MIN


def strip(value):
    return markup.clean_text(value).strip() if isinstance(value, str) else value


def no_bidi(form, field):
    if field.data and markup.has_bidi_controls(field.data):
        raise ValidationError("Names cannot contain invisible direction-changing characters.")


def display_name_rules(form, field):
    """Invisible characters go; a name that could pass for the team's is refused (services.accounts)."""
    # Checked as it will be stored; the field keeps what was typed, to be shown again if anything is refused.
    cleaned = accounts.clean_display_name(field.data)
    problem = accounts.display_name_problem(cleaned, current_user if current_user.is_authenticated else None)
    if problem:
        raise ValidationError(problem)


def email_field(label="Email"):
    return EmailField(
        label,
        filters=[strip],
        validators=[
            DataRequired("Enter your email address."),
            Length(max=254, message="An email address has at most 254 characters."),
            Email("Enter a valid email address, like name@example.com."),
        ],
    )


def display_name_field():
    return StringField(
        "Display name",
        filters=[strip],
        validators=[
            DataRequired("Choose a display name."),
            Length(max=NAME_MAX, message=f"A display name has at most {NAME_MAX} characters."),
            no_bidi,
            display_name_rules,
        ],
        description="Shown next to your posts and comments.",
    )


def new_password_field(label="Password"):
    return PasswordField(
        label,
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=f"A password needs {PASSWORD_MIN} to {PASSWORD_MAX} characters.",
            ),
        ],
        description=f"At least {PASSWORD_MIN} characters.",
    )


class SignupForm(HumanCheck, FlaskForm):
    display_name = display_name_field()
    email = email_field()
    password = new_password_field()
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """A button and its CSRF token."""


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = email_field()


class NewPasswordForm(FlaskForm):
    password = new_password_field("New password")
