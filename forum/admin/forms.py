from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from forum.auth.forms import no_bidi, strip
from forum.models import Visibility
from forum.posts.forms import choice_check

LIST_FIELD_MAX = 10_000


class CategoryForm(FlaskForm):
    id = HiddenField()  # empty: a new category
    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired("Give the category a name."),
                    Length(max=80, message="Keep the name to 80 characters or fewer."), no_bidi],
    )  # fmt: skip
    description = StringField(
        "Description (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=300, message="Keep the description to 300 characters or fewer.")],
    )
    visibility = SelectField(
        "Who may see its posts",
        choices=[SelectChoice(v.value, v.label) for v in Visibility],
        default=Visibility.PUBLIC.value,
    )
    allowed_domains = TextAreaField(
        "Email domains (restricted only)",
        filters=[strip],
        validators=[Length(max=LIST_FIELD_MAX, message="That list is too long.")],
        description="Members whose email address ends in one of these, such as example.com.",
    )
    allowed_companies = TextAreaField(
        "Companies, by their external id (restricted only)",
        filters=[strip],
        validators=[Length(max=LIST_FIELD_MAX, message="That list is too long.")],
        description="The id your own systems give the company, as the sign-in token and the import send it.",
    )
    allowed_plans = TextAreaField(
        "Plans (restricted only)",
        filters=[strip],
        validators=[Length(max=LIST_FIELD_MAX, message="That list is too long.")],
        description="Members of a company on one of these plans.",
    )
    allowed_claims = TextAreaField(
        "Sign-in token claims (restricted only)",
        filters=[strip],
        validators=[Length(max=LIST_FIELD_MAX, message="That list is too long.")],
        description="key=value, such as tier=gold: members whose last sign-in token carried that claim.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.visibility.pre_validate = choice_check(self.visibility, "Choose who may see the category's posts.")
