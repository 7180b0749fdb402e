"""Cheap checks that stop form-filling bots on the sign-up and new-post forms.

A honeypot field that people never see (bots fill every field), and a minimum
time between showing a form and sending it (bots send at once). Both fail with
a message and the form as it was typed, so a person who trips one only sends
the form again. Rate limits (forum/limits.py) do the rest.
"""

import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, StringField

HONEYPOT_MESSAGE = "This form looked automated. If you are a person, leave the last field empty and send it again."
TOO_FAST_MESSAGE = "That was quicker than anyone types. Check the form and send it again."


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="form-started")


class HumanCheck:
    """A mixin for FlaskForm: call `start_clock()` when showing the form and
    `human_problem()` after it validates."""

    website = StringField("Leave this field empty", render_kw={"tabindex": "-1", "autocomplete": "off"})
    form_started = HiddenField()

    def start_clock(self) -> None:
        self.form_started.data = _serializer().dumps(round(time.time(), 1))

    def human_problem(self) -> str | None:
        if self.website.data:
            self.website.data = ""
            return HONEYPOT_MESSAGE
        minimum = current_app.config["FORM_MIN_FILL_SECONDS"]
        if minimum <= 0:
            return None
        try:
            started = float(_serializer().loads(self.form_started.data or ""))
        except (BadSignature, TypeError, ValueError):
            self.start_clock()
            return TOO_FAST_MESSAGE
        if time.time() - started < minimum:
            return TOO_FAST_MESSAGE
        return None
