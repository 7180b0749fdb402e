from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from forum.auth.forms import display_name_field, email_field, new_password_field


class ProfileForm(FlaskForm):
    display_name = display_name_field()
    email = email_field()
    current_password = PasswordField("Current password", description="Needed only to change your email address.")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = new_password_field("New password")
