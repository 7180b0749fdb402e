from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from forum import markup
from forum.models import EndpointType, WebhookEvent
from forum.posts.forms import choice_check
from forum.services.webhooks import ROTATION_GRACE_MAX_HOURS

URL_MAX = 2000


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _known_events(form, field):
    known = {e.value for e in WebhookEvent}
    if not field.data:
        raise StopValidation("Choose at least one event to send.")
    if any(event not in known for event in field.data):
        raise StopValidation("Choose events from the list.")


class EndpointForm(FlaskForm):
    url = StringField(
        "Address (URL)",
        filters=[lambda value: markup.one_line(value) if isinstance(value, str) else value],
        validators=[
            DataRequired("Give the address that receives the events."),
            Length(max=URL_MAX, message=f"Keep the address to {URL_MAX:,} characters or fewer."),
        ],
        description="Where each event is POSTed: your receiver, or a Slack incoming-webhook URL.",
    )
    type = RadioField(
        "Type",
        choices=[SelectChoice(t.value, t.label) for t in EndpointType],
        default=EndpointType.STANDARD.value,
    )
    events = CheckboxList("Events", choices=[SelectChoice(e.value, f"{e.value}: {e.label}") for e in WebhookEvent])
    enabled = BooleanField("Enabled", default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.pre_validate = choice_check(self.type, "Choose one of the listed types.")
        self.events.pre_validate = lambda form: None  # _known_events says it in words
        self.events.validators = [_known_events]


def _grace_in_range(form, field):
    # Not NumberRange: it calls math.isnan() on the number, which overflows on a 300-digit one.
    if field.data is not None and not 0 <= field.data <= ROTATION_GRACE_MAX_HOURS:
        raise StopValidation(f"Keep the old secret for 0 to {ROTATION_GRACE_MAX_HOURS} hours.")


class RotateForm(FlaskForm):
    grace_hours = IntegerField(
        "Hours the old secret keeps signing",
        default=24,
        validators=[Optional(), _grace_in_range],
        description="Both signatures are sent meanwhile, so your receiver can switch without missing one.",
    )
