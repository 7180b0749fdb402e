"""Abuse limits: how often one account and one address may write.

Each write is limited twice: per account (a signed-in spammer changing
addresses) and per address (one machine cycling through fresh accounts). The
numbers leave room for an eager person -- a dozen comments in a busy thread,
voting down a whole page of posts -- and stop a script within a minute.
Storage is in-process by default and Redis when REDIS_URL is set
(RATELIMIT_STORAGE_URI in config.py), so several workers share the counts.
Counts kept in each process would give an attacker one allowance per worker:
gunicorn.conf.py refuses to start more than one worker that way
(`unshared_limits_problem`).
"""

from flask import request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from forum.extensions import limiter
from forum.services.accounts import normalize_email


def _account() -> str:
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{get_remote_address()}"


def _address() -> str:
    return f"address:{get_remote_address()}"


def _email_field() -> str:
    """Sign-in and reset attempts against one account, from wherever they come."""
    email = request.form.get("email", "") if request.method == "POST" else ""
    return f"email:{normalize_email(email)[:254]}"


def per_account_and_address(name: str, account_limit: str, address_limit: str):
    """Both limits on the POSTs of every view decorated with the same name
    (vote and unvote share theirs); the first one breached answers 429."""
    by_address = limiter.shared_limit(address_limit, f"{name}:address", key_func=_address, methods=["POST"])
    by_account = limiter.shared_limit(account_limit, f"{name}:account", key_func=_account, methods=["POST"])
    return lambda view: by_account(by_address(view))


# Sign-in: guessing passwords is slowed per address and per targeted account.
sign_in = limiter.shared_limit("20 per 15 minutes", "login:address", key_func=_address, methods=["POST"])
sign_in_per_email = limiter.shared_limit("10 per 15 minutes", "login:email", key_func=_email_field, methods=["POST"])
sign_up = limiter.shared_limit("10 per hour", "signup:address", key_func=_address, methods=["POST"])
password_reset = limiter.shared_limit("5 per hour", "reset:address", key_func=_address, methods=["POST"])
password_reset_per_email = limiter.shared_limit("3 per hour", "reset:email", key_func=_email_field, methods=["POST"])
posting = per_account_and_address("posting", "5 per 10 minutes;20 per day", "10 per 10 minutes;60 per day")
commenting = per_account_and_address("commenting", "10 per minute;200 per day", "20 per minute;400 per day")
voting = per_account_and_address("voting", "60 per minute;1000 per day", "120 per minute")
flagging = per_account_and_address("flagging", "10 per hour", "30 per hour")


def unshared_limits_problem(app, workers: int) -> str | None:
    """Why `workers` processes of this app would each count the limits apart, or None."""
    config = app.config
    if workers > 1 and config["RATELIMIT_ENABLED"] and config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return (
            f"{workers} workers without REDIS_URL would each keep their own abuse-limit counts, so every "
            f"limit would allow {workers} times as many tries. Set REDIS_URL (the workers then share the "
            "counts), or run one worker (gunicorn --workers 1 --threads N)."
        )
    return None
