"""What people type into the search box, parsed once for every backend.

Only words and "quoted phrases": no fields, wildcards, ranges or operators
reach a backend, so nothing a user types can fail to parse. What was left
out is said on the results page.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh.analysis import StemmingAnalyzer

MAX_LENGTH = 500  # characters kept from the box
MAX_TERMS = 12  # words and phrases; more only slows the search down

ANALYZER = StemmingAnalyzer()
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_OPERATORS = re.compile(r"[*?~^:()\[\]{}\\/|&!+<>=-]")


@dataclass
class ParsedQuery:
    text: str = ""
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.phrases

    def stems(self) -> set[str]:
        every_word = self.words + [word for phrase in self.phrases for word in phrase]
        return {stem for word in every_word for stem in analyze(word)}


def analyze(text: str) -> list[str]:
    """Lower case, stop words out, Porter stems: what the Whoosh index holds."""
    return [token.text for token in ANALYZER(text)]


def clean(text: str) -> str:
    """Printable text: no control characters, NULs or lone surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)


def parse(raw: str) -> ParsedQuery:
    query = ParsedQuery()
    text = clean(raw or "").strip()
    if len(text) > MAX_LENGTH:
        query.notes.append(f"Your search was long; only its first {MAX_LENGTH} characters were used.")
        text = text[:MAX_LENGTH]
    query.text = text
    if text.count('"') % 2:
        query.notes.append("A quotation mark had no partner; it was ignored.")
        last = text.rindex('"')
        text = text[:last] + " " + text[last + 1 :]
    parts = text.split('"')
    for index, part in enumerate(parts):
        words = _WORD.findall(part)
        if index % 2 and len(words) > 1:
            query.phrases.append(words)
        else:
            query.words.extend(words)
    if _OPERATORS.search(text):
        query.notes.append("Search looks for words and \"quoted phrases\"; other symbols (* ? - : and the like) "
                           "are ignored.")  # fmt: skip
    if len(query.words) + len(query.phrases) > MAX_TERMS:
        query.notes.append(f"Only the first {MAX_TERMS} words were used.")
        query.words = query.words[: max(0, MAX_TERMS - len(query.phrases))]
        query.phrases = query.phrases[:MAX_TERMS]
    # Words too common to search by ("the", "and") are left out by the backends themselves.
    query.words = list(dict.fromkeys(w.lower() for w in query.words))
    query.phrases = [[w.lower() for w in p] for p in query.phrases]
    if query.is_empty and text:
        query.notes.append("There were no words to search for.")
    return query
