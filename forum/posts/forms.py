from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation

from forum import markup
from forum.antispam import HumanCheck
from forum.auth.forms import strip
from forum.models import Kind, Priority, statuses
from forum.services.comments import COMMENT_MAX
from forum.services.posts import BODY_MAX, TITLE_MAX
from forum.services.responses import RESPONSE_MAX, STATUS_NOTE_MAX

KIND_CHOICES = [
    SelectChoice(Kind.IDEA.value, "Idea: something you would like"),
    SelectChoice(Kind.COMPLAINT.value, "Complaint: something that is not working for you"),
]


class PostForm(FlaskForm):
    kind = RadioField(
        "What are you posting?",
        choices=KIND_CHOICES,
        default=Kind.IDEA.value,
        validators=[DataRequired("Choose whether this is an idea or a complaint.")],
    )
    title = StringField(
        "Title",
        filters=[markup.one_line],
        validators=[
            DataRequired("Give your post a title."),
            Length(max=TITLE_MAX, message=f"Keep the title to {TITLE_MAX} characters or fewer."),
        ],
        description="One line that says what you want or what is wrong.",
    )
    body = TextAreaField(
        "Details",
        filters=[strip],
        validators=[
            DataRequired("Describe your idea or problem."),
            Length(max=BODY_MAX, message=f"Keep the details to {BODY_MAX:,} characters or fewer."),
        ],
        description="Markdown works: **bold**, lists, links.",
    )
    category = SelectField("Category", validators=[DataRequired("Choose a category.")])

    def __init__(self, categories, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", "Choose a category…")] + [
            SelectChoice(c.slug, c.name) for c in categories
        ]
        self.kind.pre_validate = choice_check(self.kind, "Choose whether this is an idea or a complaint.")
        self.category.pre_validate = choice_check(self.category, "Choose one of the listed categories.")


class NewPostForm(HumanCheck, PostForm):
    """The new-post form also keeps bots out (edits come from known authors)."""


def choice_check(field, message):
    """WTForms' default 'Not a valid choice' tells the user nothing useful."""

    def check(form):
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise StopValidation(message)

    return check


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Your comment",
        filters=[strip],
        validators=[
            DataRequired("Write something before posting a comment."),
            Length(max=COMMENT_MAX, message=f"Keep comments to {COMMENT_MAX:,} characters or fewer."),
        ],
    )
    parent_id = HiddenField()


class CommentEditForm(FlaskForm):
    body = TextAreaField(
        "Your comment",
        filters=[strip],
        validators=[
            DataRequired("A comment cannot be empty: write something, or delete the comment instead."),
            Length(max=COMMENT_MAX, message=f"Keep comments to {COMMENT_MAX:,} characters or fewer."),
        ],
        description="Markdown works. The earlier version is kept, and the comment shows it was edited.",
    )


def status_choices() -> list[SelectChoice]:
    """The statuses staff may give a post, in the admins' order (read when a form is made)."""
    return [SelectChoice(s.slug, s.label) for s in statuses().current]


class ResponseForm(FlaskForm):
    body = TextAreaField(
        "Official response",
        filters=[strip],
        validators=[
            DataRequired("Write the response before publishing it."),
            Length(max=RESPONSE_MAX, message=f"Keep responses to {RESPONSE_MAX:,} characters or fewer."),
        ],
    )
    status = SelectField("Set status", choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", "Keep the current status"), *status_choices()]
        self.status.pre_validate = _optional_choice(self.status)


class ResponseEditForm(FlaskForm):
    """Correct the official response in place; its own id, apart from the new-response form's `body`
    on the same page."""

    body = TextAreaField(
        "Corrected official response",
        id="edit-response-body",
        filters=[strip],
        validators=[
            DataRequired("Write the corrected response."),
            Length(max=RESPONSE_MAX, message=f"Keep the response to {RESPONSE_MAX} characters or fewer."),
        ],
        description="The earlier text is kept, and the post's status history shows the edit.",
    )


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[])
    note = TextAreaField(
        "Public note (optional)",
        filters=[strip],
        validators=[
            Optional(),
            Length(max=STATUS_NOTE_MAX, message=f"Keep the note to {STATUS_NOTE_MAX} characters or fewer."),
        ],
        description="Shown in the post's status history and sent to its followers.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = status_choices()
        self.status.pre_validate = choice_check(self.status, "Choose one of the listed statuses.")


def _optional_choice(field):
    def check(form):
        if field.data:
            choice_check(field, "Choose one of the listed statuses.")(form)

    return check


PRIORITY_CHOICES = [SelectChoice(p.value, p.label) for p in Priority]


class OnBehalfForm(FlaskForm):
    """Staff record a request heard elsewhere as a customer's vote."""

    email = StringField(
        "Who asked (email, or a name or company to look up)",
        filters=[strip],
        validators=[
            DataRequired("Give the person's email address, or part of their name or company."),
            Length(max=254, message="An email address has 254 characters at most."),
        ],
        description="An address without an account gets one they can claim by confirming the address.",
    )
    name = StringField(
        "Their name (for a new address, optional)",
        filters=[strip],
        validators=[Optional(), Length(max=50, message="Keep the name to 50 characters or fewer.")],
    )
    priority = SelectField("How much it matters to them", choices=PRIORITY_CHOICES, default=Priority.NICE.value)
    note = TextAreaField(
        "Note for the team (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="Keep the note to 1,000 characters or fewer.")],
        description="Staff only, for example: said on the phone: blocks their rollout.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priority.pre_validate = choice_check(self.priority, "Choose one of the listed priorities.")

    def validate_email(self, field):
        # A name or company is looked up; anything with an @ must be a real address.
        if "@" in (field.data or ""):
            Email("Enter a valid email address, like name@example.com.")(self, field)

    @property
    def is_address(self) -> bool:
        return "@" in (self.email.data or "")
