"""Schemathesis reads /api/v1/openapi.json and throws generated requests at every operation, with a
read key, a staff key and an admin key: no answer may be a 5xx, and every answer must match the document
(status code, content type, body schema). The number of examples is bounded so the run stays short."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forum.extensions import db
from forum.models import Category, Role
from forum.services import api_keys, comments
from tests.conftest import IsolatedClient

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Each operation gets this many generated requests per key: the whole file stays within a minute.
EXAMPLES = 12


@pytest.fixture
def keys(make_user, make_post, category):
    """Some posts to find, and the two keys the run uses."""
    db.session.add(Category(slug="billing", name="Billing"))
    reader, staff, admin = make_user(), make_user(Role.STAFF), make_user(Role.ADMIN)
    posts = [make_post(title=f"Generated world post {n}") for n in range(4)]
    comments.add_comment(reader, posts[0], "A comment to list.")
    db.session.commit()
    _, read_key = api_keys.create_key(None, reader, "Schemathesis read", ["read"])
    _, staff_key = api_keys.create_key(None, staff, "Schemathesis staff", ["read", "write", "staff"])
    _, admin_key = api_keys.create_key(None, admin, "Schemathesis admin", ["read", "write", "staff", "admin"])
    db.session.commit()
    return {"read": read_key, "staff": staff_key, "admin": admin_key, "post_ids": [p.id for p in posts]}


def run_every_operation(app, keys, who: str) -> list[str]:
    """Every operation of the document, EXAMPLES generated cases each, called with `who`'s key.
    Driven through Hypothesis directly: schemathesis' pytest plugin does not collect under pytest 9."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    post_ids = keys["post_ids"]
    # Each request in a fresh context, read whole and closed, as a server runs it (tests/conftest.py).
    client = IsolatedClient(app, app.response_class, use_cookies=False)
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])  # fmt: skip
        def check(case):
            parameters = case.path_parameters or {}
            post_id = parameters.get("post_id")
            if isinstance(post_id, int) and post_id % 3 != 0:
                # Most cases aim at posts that exist, so the answers past the 404 are exercised too.
                parameters["post_id"] = post_ids[post_id % len(post_ids)]
            # identity: the WSGI transport hands the body over as sent, and would not undo Brotli.
            headers = {"Authorization": f"Bearer {keys[who]}", "Accept-Encoding": "identity"}
            case.call_and_validate(session=client, headers=headers, checks=CHECKS)

        check()
        tried.append(operation.label)
    return tried


def test_the_api_matches_its_document_with_a_read_key(app, keys):
    assert len(run_every_operation(app, keys, "read")) >= 12


def test_the_api_matches_its_document_with_a_staff_key(app, keys):
    assert len(run_every_operation(app, keys, "staff")) >= 12


def test_the_api_matches_its_document_with_an_admin_key(app, keys):
    assert len(run_every_operation(app, keys, "admin")) >= 12
