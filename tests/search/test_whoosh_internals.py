"""forum/search/whoosh_internals.py reads Whoosh's non-public parts, as of one version."""

import re
from pathlib import Path

import whoosh

from forum.search import whoosh_internals
from tests.search.conftest import titles


def test_whoosh_is_the_version_whoosh_internals_was_written_for():
    pinned = re.search(r"^Whoosh==(\S+)$", (Path(__file__).parents[2] / "requirements.txt").read_text(), re.M | re.I)
    installed = whoosh.versionstring()
    message = (
        f"Whoosh {installed} is installed and {pinned and pinned.group(1)} pinned, but "
        f"forum/search/whoosh_internals.py reads the non-public parts of Whoosh {whoosh_internals.RELIES_ON}. "
        "Check each of its functions against the new version's source (and tests/search/test_whoosh_sets.py), "
        "then set RELIES_ON."
    )
    assert installed == whoosh_internals.RELIES_ON, message
    assert pinned and pinned.group(1) == whoosh_internals.RELIES_ON, message
    assert whoosh_internals.SUPPORTED


def test_on_another_whoosh_the_backend_finds_the_same_with_the_public_api(whoosh_index, make_post, monkeypatch):
    for title in ("Gannet dives", "Gannet colony", "Gull alerts"):
        make_post(title=title, body="Seen from the cliff.")
    before = [titles(text) for text in ("gannet", "cliff", '"gannet colony"')]
    monkeypatch.setattr(whoosh_internals, "SUPPORTED", False)
    make_post(title="Gannet chicks", body="On the boat.")  # a write: the kept searcher is refreshed without it
    assert [titles(text) for text in ("gannet", "cliff", '"gannet colony"')] == [
        sorted([*before[0], "Gannet chicks"]),
        before[1],
        before[2],
    ]


def test_segment_names_do_not_follow_a_seeded_random_module(whoosh_index, make_post):
    """Hypothesis and pytest-randomly seed `random` alike for every test: Whoosh's names must not follow."""
    import random

    names = set()
    for title in ("Pelican export", "Heron import"):
        random.seed(7)
        make_post(title=title)
        names |= {segment.segment_id() for segment in whoosh_index._index()._segments()}
    assert len(names) >= 2
    assert not whoosh_index.check()
