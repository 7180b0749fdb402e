"""Highlighted snippets for search results, the same for every backend.

Built from plain text and escaped piece by piece, so a snippet is safe to
print whatever the post said.
"""

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from whoosh.lang.porter import stem

WINDOW = 30  # words in a snippet
_TOKENS = re.compile(r"([^\W_]+)", re.UNICODE)
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Snippet:
    html: Markup
    matched: bool


@lru_cache(maxsize=2048)
def plain_text(body_html: str) -> str:
    """The words of sanitized HTML (markup.render's output), tags dropped. Kept per text: a busy
    search shows the same posts again and again."""
    return " ".join(html.unescape(_TAGS.sub(" ", body_html)).split())


def highlight(text: str, stems: set[str], *, whole: bool = False) -> Snippet:
    """A window of `text` around the first word whose stem is searched for, with the
    matching words in <mark>; the whole text when `whole`."""
    return _highlight(text, frozenset(stems), whole)


@lru_cache(maxsize=4096)
def stems_in(text: str) -> frozenset[str]:
    """The stems of every word of `text`, as `highlight` compares them."""
    return frozenset(_stem(word.lower()) for word in _TOKENS.findall(text))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Porter's stem, kept per word: a page of snippets stems ~200 words, mostly the same ones."""
    return stem(word)


@lru_cache(maxsize=4096)
def _highlight(text: str, stems: frozenset[str], whole: bool) -> Snippet:
    pieces = _TOKENS.split(text)  # even: between words, odd: words
    matches = [i for i in range(1, len(pieces), 2) if _stem(pieces[i].lower()) in stems]
    if whole:
        start, end = 0, len(pieces)
    else:
        first_word = (matches[0] if matches else 1) - 2 * 8
        start = max(0, first_word)
        start -= start % 2  # begin between words
        end = min(len(pieces), start + 2 * WINDOW)
    # Escaped a run of text at a time (escaping and joining Markup word by word was a third of a
    # search's snippets); escape() returns the escaped text, put in plain strings, made Markup once.
    out = ["… " if start > 0 else ""]
    done = start
    for i in matches:
        if start <= i < end:
            out.append(str(escape("".join(pieces[done:i]))))
            out.append(f"<mark>{escape(pieces[i])}</mark>")
            done = i + 1
    out.append(str(escape("".join(pieces[done:end]))))
    if end < len(pieces):
        out.append(" …")
    return Snippet(html=Markup("".join(out)), matched=bool(matches))
