"""OpenID Connect clients, through Authlib: discovery, state, nonce, PKCE (S256) and the ID token's
checks are Authlib's. Providers live in the database, so a client is registered on first use under a
name that changes whenever the provider's settings do (a stale client is never reused)."""

import hashlib
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask

from forum.models import SignInProvider

oauth = OAuth()
TIMEOUT = 10
SCOPE = "openid email profile"


def init_app(app: Flask) -> None:
    oauth.init_app(app)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def client_for(provider: SignInProvider):
    settings = "|".join((str(provider.id), provider.issuer, provider.client_id, provider.client_secret))
    name = "oidc_" + hashlib.sha256(settings.encode()).hexdigest()[:20]
    return oauth.create_client(name) or oauth.register(
        name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=discovery_url(provider.issuer),
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT},
    )


class DiscoveryFailed(Exception):
    pass


def check_discovery(issuer: str, metadata: dict | None = None) -> dict:
    """The provider's discovery document, once it names the same issuer (a document naming another
    would let one provider's tokens pass for another's) and the endpoints the sign-in needs."""
    if metadata is None:
        try:
            answer = requests.get(discovery_url(issuer), timeout=TIMEOUT)
            answer.raise_for_status()
            metadata = answer.json()
        except (requests.RequestException, ValueError) as error:
            raise DiscoveryFailed(f"Could not read {discovery_url(issuer)}: {error}") from None
    if not isinstance(metadata, dict):
        raise DiscoveryFailed("The discovery document is not a JSON object.")
    if str(metadata.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise DiscoveryFailed(f"The discovery document names another issuer: {str(metadata.get('issuer'))[:200]}")
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(key)]
    if missing:
        raise DiscoveryFailed(f"The discovery document lacks {', '.join(missing)}.")
    methods = metadata.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise DiscoveryFailed("The provider does not offer PKCE with S256.")
    return metadata


def issuer_problem(issuer: str) -> str | None:
    """HTTPS, or plain HTTP on this machine only (a provider started for tests or development)."""
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or not parts.hostname:
        return "Enter the issuer's address, like https://accounts.google.com (no query or fragment)."
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return None
    return "The issuer must be an https:// address."
