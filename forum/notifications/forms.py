from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from forum.models import EmailMode, Event

MODE_CHOICES = [
    SelectChoice(EmailMode.INSTANT.value, "Email me at once"),
    SelectChoice(EmailMode.DIGEST.value, "In a daily digest"),
    SelectChoice(EmailMode.OFF.value, "No email (the bell only)"),
]


class PreferencesForm(FlaskForm):
    """One choice per kind of event; fields are added per Event below."""


for _event in Event:
    setattr(PreferencesForm, _event.value, SelectField(_event.label, choices=MODE_CHOICES))
