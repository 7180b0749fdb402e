"""Absolute links, for emails, feeds and exports: built from SITE_URL, never from the request.

A link built from the request's Host (or X-Forwarded-Host) header goes wherever the sender of that
request wants: a password-reset mail asked for with `Host: attacker.example` would carry the member's
token to the attacker. So every absolute link is built here, from the configured address only.
"""

from urllib.parse import quote, urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https")
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{quote(anchor)}" if anchor else url


def url_builder():
    """`absolute_url` for many links at once (the thousands of a sitemap): the address bound once.
    Returns build(endpoint, **values)."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https")

    def build(endpoint: str, **values) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return build
