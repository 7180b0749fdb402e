"""The XSS corpus (tests/data/xss_payloads.txt) and the checks a page must pass once it shows it.

Shared by tests/views/test_xss.py (HTML parsed with lxml) and tests/browser/test_xss_browser.py
(real Chromium). The checks are deliberately independent of forum.markup's allow-lists: if those
were widened by mistake, these tests must still fail.
"""

import re
from pathlib import Path

import lxml.html
from lxml import etree

PAYLOADS_FILE = Path(__file__).resolve().parent / "data" / "xss_payloads.txt"

_ESCAPE = re.compile(r"\\(n|r|t|\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}


def _unescape(text: str) -> str:
    def replace(match: re.Match) -> str:
        code = match.group(1)
        return _SIMPLE.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(replace, text)


def load_payloads() -> list[tuple[str, str]]:
    """[(id, payload)] in file order; ids are unique."""
    payloads: list[tuple[str, str]] = []
    for line in PAYLOADS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        ident, _, raw = line.partition(" ")
        assert raw, f"payload line without a payload: {line!r}"
        payloads.append((ident, _unescape(raw)))
    ids = [ident for ident, _ in payloads]
    assert len(ids) == len(set(ids)), "payload ids must be unique"
    return payloads


# -- what a page may contain ---------------------------------------------------------------
# The app's only script: an external file under /static/.
OWN_SCRIPT = re.compile(r"^/static/[\w./-]+\.js(\?v=[\w.-]+)?$")  # ?v=: the cache-busting version
# Markup that user content may produce inside a .prose block, and the attributes each may carry.
PROSE_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
}  # fmt: skip
PROSE_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}, "code": {"class"}}
PROSE_SCHEMES = {"http", "https", "mailto"}
USER_LINK_REL = {"nofollow", "ugc", "noopener"}
# Never on a page of this site, whoever wrote it.
FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "style",
    "portal", "template", "noscript", "xmp", "plaintext", "listing", "isindex", "keygen", "marquee",
    "video", "audio", "source", "img", "image", "xss",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
    "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "codebase", "archive", "icon", "profile",
    "usemap", "srcset", "imagesrcset", "to", "from", "values", "by",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")  # browsers drop these from a URL before reading its scheme
_CSS_NOISE = re.compile(r"/\*.*?\*/|[\s\\]", re.S)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")  # WHATWG URL: anything else is a relative URL
_RAW_TAG = re.compile(r"<\s*/?\s*([A-Za-z][^\s/>]*)")
ROOT = Path(__file__).resolve().parent.parent


def _template_tags() -> set[str]:
    tags = {"html", "head", "body"}
    for template in (ROOT / "templates").rglob("*.html"):
        tags |= {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", template.read_text())}
    return tags


# Every tag name in the raw HTML must be one the templates write or user prose may contain.
# <mark>: search results highlight the words found (forum/search/snippets.py).
KNOWN_TAGS = _template_tags() | PROSE_TAGS | {"mark"}


# The app draws a few SVGs itself (staff charts, icons): plain shapes and text, no links, no script.
SVG_ATTRIBUTES = {"class", "role", "aria-hidden", "aria-labelledby", "viewbox", "width", "height", "focusable", "xmlns"}
SVG_PARTS = {
    "path": {"d", "fill", "stroke", "stroke-width", "class"},
    "g": {"class"},
    "rect": {"x", "y", "width", "height", "rx", "fill", "class"},
    "line": {"x1", "x2", "y1", "y2", "stroke", "class"},
    "circle": {"cx", "cy", "r", "fill", "class"},
    "text": {"x", "y", "text-anchor", "class"},
    "title": {"id"},
}


def _own_svg(svg) -> bool:
    """An <svg> as the templates write them, outside user content, with nothing that links or runs."""
    if any("prose" in _classes(ancestor) for ancestor in svg.iterancestors()):
        return False
    if set(svg.attrib) - SVG_ATTRIBUTES:
        return False
    for part in svg.iterdescendants():
        if not isinstance(part.tag, str):
            continue
        allowed = SVG_PARTS.get(part.tag.lower())
        if allowed is None or set(part.attrib) - allowed:
            return False
    return True


def dangerous_url(value: str) -> bool:
    """`value` is an attribute value as the browser sees it (entities already decoded)."""
    candidates = [value]
    if "," in value:  # srcset-like lists
        candidates += value.split(",")
    for candidate in candidates:
        normal = _URL_NOISE.sub("", candidate).lower()
        if normal.startswith(DANGEROUS_SCHEMES):
            return True
    return False


def _own_path(url: str) -> bool:
    """A path on this site: /..., never //host or /\\host."""
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def _own_link(url: str, own_origin: str | None) -> bool:
    """A path on this site, or an address on its own origin (a canonical link)."""
    return _own_path(url) or bool(own_origin and (url == own_origin or url.startswith(own_origin + "/")))


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def find_problems(html: str, where: str = "", own_origin: str | None = None) -> list[str]:
    """Everything on this page that would let user content run script or reshape the page.

    own_origin: links starting with it are the site's own (emails link with absolute URLs)."""
    problems: list[str] = []

    def problem(text: str) -> None:
        problems.append(f"{where}: {text}" if where else text)

    # 1. Parser-independent: every tag in the raw text is one the app writes on purpose.
    for name in _RAW_TAG.findall(html):
        if name.lower() not in KNOWN_TAGS:
            problem(f"raw HTML contains a <{name}> tag")
    if re.search(r"<script(?![^>]*\ssrc=\"/static/[\w./-]+\.js(\?v=[\w.-]+)?\")", html, re.I):
        problem("raw HTML contains a <script> that is not the app's own file")

    # 2. The parsed document.
    if not html.strip():
        problem("empty page")
        return problems
    document = lxml.html.document_fromstring(html)
    for element in document.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tag = element.tag.lower()
        attributes = {str(k).lower(): v for k, v in element.attrib.items()}
        if tag == "script":
            src = attributes.get("src", "")
            if not OWN_SCRIPT.match(src) or (element.text or "").strip():
                problem(f"<script src={src!r}> with {len(element.text or '')} characters of inline code")
        if tag in FORBIDDEN_TAGS and not (tag == "svg" and _own_svg(element)):
            problem(f"<{tag}> element")
        # A named meta (description, og:title...) only describes: a user's text in its content is inert.
        named = "name" in attributes or "property" in attributes
        refresh_like = "url=" in attributes.get("content", "").lower() and not named
        if tag == "meta" and ("http-equiv" in attributes or refresh_like):
            problem(f"<meta {attributes}>")
        if tag == "link" and not _own_link(attributes.get("href", ""), own_origin):
            problem(f"<link href={attributes.get('href')!r}>")
        if tag == "form":
            action = attributes.get("action", "")
            if not _own_path(action):
                problem(f"<form action={action!r}> does not post to this site")
        for name, value in attributes.items():
            if name.startswith("on"):
                problem(f"<{tag}> has an event handler attribute {name}={value!r}")
            if name == "srcdoc":
                problem(f"<{tag}> has srcdoc")
            if name in URL_ATTRIBUTES and dangerous_url(value):
                problem(f"<{tag} {name}={value!r}> uses a script or data URL")
            if name == "style":
                css = _CSS_NOISE.sub("", value).lower()
                if any(bad in css for bad in ("expression(", "url(javascript", "javascript:", "behavior:")):
                    problem(f"<{tag} style={value!r}>")

    # 3. User content (.prose blocks): only the harmless subset, and links marked as user-generated.
    for prose in document.find_class("prose"):
        for element in prose.iterdescendants():
            if not isinstance(element.tag, str):
                continue
            tag = element.tag.lower()
            if tag not in PROSE_TAGS:
                problem(f"user content contains <{tag}>")
                continue
            extra = set(element.attrib) - PROSE_ATTRIBUTES.get(tag, set())
            if extra:
                problem(f"user content <{tag}> carries attributes {sorted(extra)}")
            if tag == "a":
                href = element.get("href")
                scheme = _SCHEME.match(_URL_NOISE.sub("", href or ""))
                if scheme and scheme.group(1).lower() not in PROSE_SCHEMES:
                    problem(f"user link with scheme {scheme.group(1)!r}: {href!r}")
                rel = set((element.get("rel") or "").split())
                if not rel >= USER_LINK_REL:
                    problem(f"user link {href!r} has rel={element.get('rel')!r}, needs {sorted(USER_LINK_REL)}")
    # Links leaving the site, wherever they are, are user links too.
    for link in document.iter("a"):
        href = _URL_NOISE.sub("", link.get("href") or "")
        if own_origin and (href == own_origin or href.startswith(own_origin + "/")):
            continue
        if (_SCHEME.match(href) or href.startswith("//")) and not set((link.get("rel") or "").split()) >= USER_LINK_REL:
            problem(f"external link {href!r} lacks rel {sorted(USER_LINK_REL)}")
    return problems


ATOM = "{http://www.w3.org/2005/Atom}"


def find_feed_problems(xml: bytes, where: str = "feed") -> list[str]:
    """An Atom feed: well-formed, text constructs plain text (or, if HTML, HTML that passes find_problems)."""
    problems: list[str] = []
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return [f"{where}: not well-formed XML: {error}"]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.startswith(ATOM) is False:
            problems.append(f"{where}: element outside the Atom namespace: {element.tag}")
        kind = element.get("type")
        if element.tag in {ATOM + "title", ATOM + "summary", ATOM + "content", ATOM + "subtitle"}:
            if kind in (None, "text"):
                if len(element):
                    problems.append(f"{where}: text construct {element.tag} has child elements")
            elif kind == "html":
                body = f"<!doctype html><html><body><div>{element.text or ''}</div></body></html>"
                problems += find_problems(body, f"{where} {element.tag} (html)")
            else:
                problems.append(f"{where}: {element.tag} of type {kind!r}")
        for name, value in element.attrib.items():
            if name.startswith("on"):
                problems.append(f"{where}: {element.tag} has {name}")
            if name in URL_ATTRIBUTES and dangerous_url(value):
                problems.append(f"{where}: {element.tag} {name}={value!r}")
    return problems
