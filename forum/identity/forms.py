import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, URLField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from forum.auth.forms import no_bidi, strip
from forum.identity import oidc

DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def domain_list(text: str | None) -> list[str]:
    return [word for word in re.split(r"[\s,;]+", (text or "").strip().lower()) if word]


def domains_rule(form, field):
    bad = [word for word in domain_list(field.data) if not DOMAIN.fullmatch(word.removeprefix("@"))]
    if bad:
        raise ValidationError(f"Not a domain: {', '.join(bad[:5])[:200]}. Write domains like example.com.")


def no_control_characters(form, field):
    if field.data and any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data):
        raise ValidationError("This cannot contain control characters.")


def issuer_rule(form, field):
    problem = oidc.issuer_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class ProviderForm(FlaskForm):
    """One form per provider on the page, told apart by a prefix; CSRFProtect checks every POST's
    `csrf_token` before any view runs, so the form does not carry a prefixed token of its own."""

    class Meta:
        csrf = False

    display_name = StringField(
        "Name on the button",
        filters=[strip],
        validators=[DataRequired("Name the provider, like Google."), Length(max=60), no_bidi],
        description="Shown as “Sign in with …” on the sign-in page.",
    )
    issuer = URLField(
        "Issuer",
        filters=[strip],
        validators=[DataRequired("Enter the issuer's address."), Length(max=255), issuer_rule],
        description="Its discovery document is read from <issuer>/.well-known/openid-configuration.",
    )
    client_id = StringField(
        "Client ID", filters=[strip], validators=[DataRequired("Enter the client ID."), Length(max=255)]
    )
    client_secret = PasswordField(
        "Client secret",
        validators=[Optional(), Length(max=500), no_control_characters],
        description="Never shown again once saved. Leave empty to keep the saved one.",
    )
    allowed_domains = StringField(
        "Allowed email domains",
        filters=[strip],
        validators=[Length(max=2000), domains_rule],
        description="Separated by commas, like example.com, example.org. Empty: any address the provider verified.",
    )
    enabled = BooleanField("Show this provider on the sign-in page", default=True)
