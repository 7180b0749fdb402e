"""Text travels compressed (Brotli or gzip, as the client asks), and conditional GETs still answer 304."""

import gzip
import io
import zlib

import brotli
import pytest

from forum.extensions import db
from forum.models import Status
from forum.services import responses, votes

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, "deflate": zlib.decompress}


def fetch(client, url: str, encoding: str | None, **headers):
    if encoding:
        headers["Accept-Encoding"] = encoding
    return client.get(url, headers=headers)


def body_of(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    return DECODE[encoding](response.data) if encoding else response.data


@pytest.fixture
def busy(make_user, make_post):
    staff = make_user("staff")
    made = []
    for n in range(12):
        post = make_post(title=f"Calendar sync with every calendar app there is, request {n}",
                         body="Sync both ways, please. " * 20)  # fmt: skip
        votes.add(make_user(), post)
        made.append(post)
    responses.respond(staff, made[0], "Planned for spring. " * 10, Status.PLANNED)
    db.session.commit()
    return made


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_feeds_and_json_are_compressed_and_still_answer_304(busy, client, encoding):
    for url in ("/", f"/posts/{busy[0].id}-{busy[0].slug}", "/roadmap", "/feed.atom", "/sitemap-posts-1.xml",
                "/posts/similar?title=calendar+sync+every+app"):  # fmt: skip
        plain = fetch(client, url, None)
        packed = fetch(client, url, f"{encoding}, identity")
        assert plain.status_code == packed.status_code == 200, url
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == encoding, url
        assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 2, url
        assert body_of(packed).split(b"csrf")[0] == plain.data.split(b"csrf")[0], url
        if "ETag" in plain.headers:  # visitors' pages, feeds, sitemaps: one ETag per encoding
            assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f':{encoding}"'
            again = fetch(client, url, encoding, **{"If-None-Match": packed.headers["ETag"]})
            assert (again.status_code, again.data) == (304, b""), url
            assert fetch(client, url, None, **{"If-None-Match": plain.headers["ETag"]}).status_code == 304
            # A client (or shared cache) holding the plain copy may keep using it: the 304 names that copy.
            other = fetch(client, url, encoding, **{"If-None-Match": plain.headers["ETag"]})
            assert (other.status_code, other.headers["ETag"]) == (304, plain.headers["ETag"])


def test_visitor_pages_have_etags_to_compress(busy, client):
    assert client.get("/").headers.get("ETag")
    assert client.get("/feed.atom").headers.get("ETag")


def test_static_files_and_csv_exports_stream_compressed(busy, client, make_user, login_as):
    for name in ("css/forum.css", "js/forum.js"):
        plain = fetch(client, f"/static/{name}", None)
        packed = fetch(client, f"/static/{name}", "br, gzip")
        assert packed.headers["Content-Encoding"] == "br"
        assert body_of(packed) == plain.data
    login_as(make_user("staff"))
    plain = fetch(client, "/staff/export/posts.csv", None)
    packed = fetch(client, "/staff/export/posts.csv", "br")
    assert packed.headers["Content-Encoding"] == "br" and packed.mimetype == "text/csv"
    assert body_of(packed) == plain.data and plain.data.startswith(b"\xef\xbb\xbf")
    assert len(packed.data) < len(plain.data) / 2


def test_images_are_sent_as_they_are(busy, client):
    card = fetch(client, f"/posts/{busy[0].id}/card.png", "br, gzip")
    assert card.status_code == 200 and "Content-Encoding" not in card.headers
    assert io.BytesIO(card.data).read(8) == b"\x89PNG\r\n\x1a\n"
