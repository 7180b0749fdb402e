"""Start and stop the real OpenID Connect provider of oidc_provider.mjs (the npm package oidc-provider)."""

import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CLIENT_ID = "forum-tests"
CLIENT_SECRET = "a client secret long enough for the provider to accept"


@contextmanager
def running_provider(redirect_uri: str):
    """Yields the issuer URL of a provider on a free loopback port whose one client may send people
    back to `redirect_uri`."""
    node = shutil.which("node")
    if node is None or not (HERE.parent.parent / "node_modules" / "oidc-provider").exists():
        pytest.fail("node and node_modules/oidc-provider are needed: run `npm ci` (make test does).")
    env = {**os.environ, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
           "OIDC_REDIRECT_URI": redirect_uri}  # fmt: skip
    process = subprocess.Popen(
        [node, str(HERE / "oidc_provider.mjs")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    try:
        line = process.stdout.readline()
        assert line, "the OpenID Connect provider did not start"
        yield json.loads(line)["issuer"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
