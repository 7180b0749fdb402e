from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from forum.auth.forms import strip
from forum.models import FlagReason, Role
from forum.posts.forms import choice_check
from forum.services.moderation import NOTE_MAX


class FlagForm(FlaskForm):
    reason = RadioField(
        "Why are you reporting this?",
        choices=[SelectChoice(r.value, r.label) for r in FlagReason if r is not FlagReason.HELD],
        validators=[DataRequired("Choose a reason for the report.")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.pre_validate = choice_check(self.reason, "Choose one of the listed reasons.")


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Internal note (staff only)",
        filters=[strip],
        validators=[
            DataRequired("Write the note before saving it."),
            Length(max=NOTE_MAX, message=f"Keep notes to {NOTE_MAX:,} characters or fewer."),
        ],
    )


def _days_in_range(field) -> None:
    # Not WTForms' NumberRange: it calls math.isnan() on the number, and a 300-digit one raised
    # OverflowError (a 500; found by the fuzz tests).
    if field.data is not None and not 1 <= field.data <= 3650:
        raise StopValidation("Suspend for 1 to 3,650 days, or leave empty.")


class SuspendForm(FlaskForm):
    days = IntegerField(
        "Days",
        validators=[Optional(), lambda form, field: _days_in_range(field)],
        description="Leave empty to suspend for good.",
    )
    reason = TextAreaField(
        "Reason (the member sees it)",
        filters=[strip],
        validators=[DataRequired("Give the member a reason."), Length(max=500, message="At most 500 characters.")],
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.pre_validate = choice_check(self.role, "Choose one of the listed roles.")
