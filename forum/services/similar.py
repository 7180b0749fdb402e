"""Similar posts while a customer types a title: "vote for this instead".

Method (chosen by measurement: bench/similar_recall.py, tests/services/test_similar.py):
the words of the typed title go through the same pipeline as the complaint
themes (services/themes.py: stop words, Porter stemming, customer synonyms),
plus a table of everyday feature-request synonyms ("night" / "dark", "excel"
/ "spreadsheet"), and are expanded to every variant of their synonym group.
The search backend finds candidates that share any of those words (an OR
query over titles and bodies, so it scales to any number of posts); they are
ranked by the TF-IDF cosine of themes.vectors between the typed title and each
candidate's title and body, the title counting twice.

A sentence-embedding model (all-MiniLM-L6-v2) was measured too: see the
numbers in bench/similar_recall.py's docstring and why it is not used here.
"""

import re
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select
from whoosh.lang.porter import stem

from forum.extensions import db
from forum.models import Post, Status
from forum.services import themes
from forum.visibility import visible_posts

if TYPE_CHECKING:
    from forum.permissions import Guardian

LIMIT = 5
CANDIDATES = 60
MIN_SIMILARITY = 0.08
TITLE_MAX = 200

# Everyday words customers use for the same feature, after Porter stemming, each
# group mapped to its first word. Kept apart from themes.SYNONYMS, which is tuned
# to group complaints at its threshold; both apply here.
EXTRA_SYNONYMS = {
    "dark": ("dark", "night", "black", "dim"),
    "theme": ("theme", "mode", "scheme", "colour", "color", "skin"),
    "spreadsheet": ("spreadsheet", "excel", "csv", "xlsx", "sheet"),
    "export": ("export", "download", "extract", "backup"),
    "import": ("import", "upload", "migrat", "bulk"),
    "crash": ("crash", "quit", "close", "freez", "hang", "die", "stop"),
    "task": ("task", "todo", "card", "item", "to-do"),
    "repeat": ("repeat", "recur", "weekli", "monthli", "daili", "schedul"),
    "2fa": ("2fa", "two-factor", "factor", "authent", "mfa", "otp"),
    "shortcut": ("shortcut", "hotkei", "keyboard", "kei"),
    "slow": ("slow", "forev", "ag", "lag", "sluggish", "speed", "perform", "take"),
    "big": ("big", "larg", "huge", "size", "mb"),
    "file": ("file", "attach", "pdf", "imag", "photo", "pictur", "document"),
    "languag": ("languag", "translat", "spanish", "german", "french", "local"),
    "cancel": ("cancel", "end", "terminat", "unsubscrib", "downgrad"),
    "subscript": ("subscript", "plan", "account", "profil"),
    "integr": ("integr", "sync", "connect", "team", "slack"),
    "deadlin": ("deadlin", "due", "date"),
    "timezon": ("timezon", "zone", "utc", "local"),
    "print": ("print", "printer", "paper"),
    "archiv": ("archiv", "hide", "awai", "complet", "finish", "old"),
    "checklist": ("checklist", "tick", "checkbox", "subtask", "step"),
    "assign": ("assign", "assigne", "owner", "peopl", "sever", "multipl"),
    "font": ("font", "text", "read", "bigger", "small", "zoom"),
    "prioriti": ("prioriti", "urgent", "import", "flag", "high", "low"),
    "invoic": ("invoic", "receipt", "document", "bill"),
    "copi": ("copi", "clone", "duplic", "templat"),
    "notif": ("notif", "notifi", "alert", "push", "remind"),
    "late": ("late", "delai", "hour", "slow"),
    "sso": ("sso", "saml", "okta", "ident", "provid", "singl"),
    "undo": ("undo", "restor", "recov", "back", "mistak", "accid", "trash"),
    "gantt": ("gantt", "timelin", "bar", "roadmap"),
    "start": ("start", "launch", "open", "boot"),
    "markdown": ("markdown", "format", "bold", "render"),
    "tag": ("tag", "label", "categor", "categori"),
    "price": ("price", "expens", "cost", "pricing", "cheap", "afford", "high"),
    "small": ("small", "tini", "littl", "few"),
    "down": ("down", "outag", "error", "unavail", "load"),
    "share": ("share", "extern", "client", "customer", "guest", "read-onli", "view"),
    "sort": ("sort", "order", "arrang"),
    "screenread": ("screenread", "assist", "blind", "label", "nvda", "voiceov"),
    "dashboard": ("dashboard", "overview", "summari", "home"),
    "wrong": ("wrong", "incorrect", "mismatch", "match", "off"),
    "timer": ("timer", "pomodoro", "focu", "stopwatch"),
    "refund": ("refund", "monei", "reimburs", "back"),
    "disappear": ("disappear", "vanish", "gone", "lost", "lose", "miss", "reload", "refresh"),
    "mute": ("mute", "silenc", "quiet", "snooz"),
    "offlin": ("offlin", "wifi", "internet", "signal", "plane", "connect"),
    "rotat": ("rotat", "sideway", "orient", "upsid", "portrait", "landscap"),
    "digest": ("digest", "summari", "recap", "weekli"),
    "delet": ("delet", "remov", "close", "eras"),
    "data": ("data", "person", "gdpr", "privaci"),
    "phone": ("phone", "mobil", "android", "iphon", "io", "app", "pixel"),
    "email": ("email", "mail", "inbox", "junk", "spam", "gmail"),
    "password": ("password", "forgot", "reset"),
}
_EXTRA = {variant: word for word, variants in EXTRA_SYNONYMS.items() for variant in variants}
# Every word a canonical word stands for, to find candidates that use any of them.
_GROUPS: dict[str, set[str]] = {}
for _canonical, _variants in [*themes.SYNONYMS.items(), *EXTRA_SYNONYMS.items()]:
    _GROUPS.setdefault(_canonical, set()).update(_variants)


def terms(text: str) -> list[str]:
    """themes.terms, then the everyday synonyms."""
    return [_EXTRA.get(term, term) for term in themes.terms(text)]


def expansions(text: str) -> list[str]:
    """The stems of the words typed, each with every variant of its synonym groups."""
    words: set[str] = set()
    for term in terms(text):
        words.add(term)
        words.update(_GROUPS.get(term, ()))
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word not in themes.STOP_WORDS and len(word) > 1:
            words.add(stem(word))
    return sorted(w for w in words if re.fullmatch(r"[a-z0-9]+", w))


def rank(title: str, documents: list[tuple[str, str]]) -> list[tuple[int, float]]:
    """Indexes of (title, body) documents by similarity to a typed title, best first."""
    if not documents:
        return []
    vectors = themes.vectors([(title, ""), *documents], terms_of=terms)
    query, others = vectors[0], vectors[1:]
    scores = [(i, themes.cosine(query, vector)) for i, vector in enumerate(others)]
    return sorted((s for s in scores if s[1] > 0), key=lambda s: (-s[1], s[0]))


def similar_posts(viewer: "Guardian", title: str, *, limit: int = LIMIT) -> list[Post]:
    """Up to `limit` public, open-for-discussion posts the viewer may see that say what `title` says,
    best first.

    Merged duplicates are left out (their original is the one to vote for)."""
    from forum import search

    title = title[:TITLE_MAX]
    words = expansions(title)
    if not words:
        return []
    ids = search.backend().similar(words, limit=CANDIDATES, hidden_categories=viewer.hidden_category_ids())
    if not ids:
        return []
    posts = {
        p.id: p
        for p in db.session.scalars(
            select(Post).where(
                Post.id.in_(ids),
                Post.public(),
                visible_posts(viewer),
                Post.status != Status.DUPLICATE,
            )
        )
    }
    ordered = [posts[i] for i in ids if i in posts]
    ranked = rank(title, [(p.title, p.body[:2000]) for p in ordered])
    threshold = current_app.config.get("SIMILAR_MIN_SCORE", MIN_SIMILARITY)
    return [ordered[i] for i, score in ranked if score >= threshold][:limit]
