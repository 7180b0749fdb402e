"""Business actions as verb functions.

Each checks the Guardian, changes rows, flushes, and never commits: the
request (or command) that called it commits once at the end.
"""

from werkzeug.exceptions import Conflict


class Refused(Conflict):
    """The action is allowed in general but not now (a closed post, say); the
    description is the message shown to the user."""
