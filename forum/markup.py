"""The only place Markdown becomes HTML, and the only sanitizer call.

Markdown does not sanitize (a `[x](javascript:...)` link passes straight
through a parser), so the rendered HTML goes through an allow-list of tags,
attributes and URL schemes. Bodies are rendered once, on write.
"""

import re
import unicodedata
from functools import lru_cache

import bleach
from bleach.linkifier import DEFAULT_CALLBACKS
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"], "code": ["class"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Raw HTML typed by users is shown as text, never interpreted.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")

# Heading levels 1-2 belong to the page; a user's "# Title" renders as h3.
_HEADING = re.compile(r"<(/?)h([12])>")

# Control characters other than tab and newline, and the bidi controls that
# can flip the text around them (Trojan Source, CVE-2021-42574).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def clean_text(text: str | None) -> str:
    """What a user typed, normalised: NFC, Unix newlines, no control characters."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


# Control, format (zero-width, direction marks), private-use, surrogate, unassigned and line/paragraph
# separator characters: nothing a one-line text should hold.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def one_line(text: str | None) -> str:
    """A one-line text as typed (a title, a name, an email subject): NFC, without control or invisible
    characters (by Unicode category), newlines and runs of spaces folded into one space."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())  # a newline or tab parts two words
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES).split())


def has_bidi_controls(text: str) -> bool:
    return any(ch in BIDI_CONTROLS for ch in text)


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


def render(text: str) -> str:
    """Markdown to safe HTML, links marked as user-generated."""
    html = _markdown.render(clean_text(text))
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", html)
    html = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return bleach.linkify(
        html,
        callbacks=[*DEFAULT_CALLBACKS, _set_rel],
        # No skip_tags: bleach 6 escapes entities twice inside skipped tags.
        parse_email=False,
    )


@lru_cache(maxsize=1024)
def first_line(text: str, limit: int = 160) -> str:
    """A plain-text teaser of a Markdown body (its first paragraph) for cards, lists and feeds.

    Kept per text: the roadmap shows dozens on every view, and rendering Markdown was a quarter of
    its time."""
    for block in _markdown.render(clean_text(text)).split("\n"):
        line = " ".join(Markup(block).striptags().split())
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""


def plain_text(text: str, limit: int = 2000) -> str:
    """A Markdown body as plain text, a paragraph (or list item) a line, for feeds' summaries."""
    lines = []
    for block in _markdown.render(clean_text(text)).split("\n"):
        line = " ".join(Markup(block).striptags().split())
        if line:
            lines.append(line)
    whole = "\n".join(lines)
    return whole if len(whole) <= limit else whole[: limit - 1].rstrip() + "…"
