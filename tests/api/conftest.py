import pytest

from forum.extensions import db
from forum.models import Role
from forum.services import api_keys


@pytest.fixture
def make_key(make_user):
    """A key for a person of `role` (made unless `user` is given) with `scopes`; returns (key row, key)."""

    def make(scopes="read", role=Role.MEMBER, user=None, name="Test system"):
        owner = user or make_user(role)
        key, secret = api_keys.create_key(None, owner, name, scopes.split(","))
        db.session.commit()
        return key, secret

    return make


@pytest.fixture
def api(client):
    """Calls the API with a key: api("get", "/posts", key, json=...)."""

    def call(method: str, path: str, key: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return client.open(f"/api/v1{path}", method=method.upper(), headers=headers, **kwargs)

    return call
