from html.parser import HTMLParser

import pytest

from forum import markup


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


DANGEROUS = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<iframe src='https://evil.example'></iframe>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_no_executable_construct_survives(text):
    """Dangerous text may remain visible as text, but never as markup."""
    html = markup.render(text)
    for tag, attributes in elements(html):
        assert tag in markup.ALLOWED_TAGS, (text, html)
        for name, value in attributes.items():
            assert name in markup.ALLOWED_ATTRIBUTES.get(tag, []), (text, html)
            if name == "href":
                assert value.split(":", 1)[0].lower() in markup.ALLOWED_PROTOCOLS, (text, html)


def test_markdown_renders_and_links_are_marked_user_generated():
    html = markup.render("# Title\n\n**bold** and [docs](https://example.com/docs) and https://example.org")
    assert "<h3>Title</h3>" in html
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.com/docs" rel="nofollow ugc noopener">docs</a>' in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">https://example.org</a>' in html


def test_raw_html_is_shown_as_text():
    assert markup.render("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


def test_code_is_escaped_once():
    assert markup.render("`<b>`") == "<p><code>&lt;b&gt;</code></p>\n"


def test_clean_text_drops_control_characters_and_normalises():
    assert markup.clean_text("a\x00b\r\nc\x07") == "ab\nc"
    assert markup.clean_text("e\u0301") == "é"


def test_bidi_controls_are_detected():
    assert markup.has_bidi_controls("abc\u202edef")
    assert not markup.has_bidi_controls("plain name")
