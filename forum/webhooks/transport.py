"""Sending one webhook request to an address that is safe to reach.

A webhook URL is typed by an admin but fetched by the server, from inside the company's network:
without a guard it reaches the cloud's metadata service (169.254.169.254), the database on
127.0.0.1, or any machine on the private network (server-side request forgery). So the name is
resolved here, every address it resolves to is checked, and the connection is made to that checked
address, never resolved again: a name that answers a public address at save time and 127.0.0.1 a
second later (DNS rebinding) still reaches only the checked one. The original name still goes in
the Host header and, for HTTPS, in SNI and the certificate check. Redirects are not followed (a
redirect is one more target, unchecked), the whole exchange has a time limit, and only the first
bytes of an answer are read.

urllib3 does the HTTP: its connection pools take the address to connect to apart from the name to
present (`server_hostname`, `assert_hostname`), which is exactly the pinning needed.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3

TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 2048
# Metadata services that sit outside the link-local range (the rest are link-local or loopback).
# The certificate authorities HTTPS receivers are checked against: None, the system's (tests name their own).
CA_CERTS: str | None = None
METADATA_ADDRESSES = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}


class UnsafeTarget(ValueError):
    """The URL may not be called: its message says why, in words for the admin."""


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: bytes
    error: str | None
    duration_ms: int


def check_url(url: str, *, allow_private: bool) -> list[str]:
    """Refuse a URL that is malformed or resolves to a forbidden address; returns its addresses."""
    parts = _parts(url)
    return _safe_addresses(parts.hostname, parts.port or _default_port(parts.scheme), allow_private)


def _parts(url: str):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        raise UnsafeTarget("That is not a web address.") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("Use an http:// or https:// address.")
    if not parts.hostname:
        raise UnsafeTarget("The address needs a host name.")
    if parts.username or parts.password:
        raise UnsafeTarget("Leave the user name and password out of the address.")
    return parts


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def forbidden_reason(address: str, *, allow_private: bool) -> str | None:
    """Why a connection to this address is refused, or None when it may be made."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_link_local or ip in METADATA_ADDRESSES:
        return "a link-local or cloud metadata address"
    if ip.is_loopback:
        return None if allow_private else "a loopback address (this server itself)"
    if not ip.is_global:
        return None if allow_private else "a private or reserved network address"
    return None


def _safe_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):  # ValueError: a NUL byte in the name
        raise UnsafeTarget(f"The name {host} does not resolve.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise UnsafeTarget(f"The name {host} does not resolve.")
    for address in addresses:
        reason = forbidden_reason(address, allow_private=allow_private)
        if reason:
            # Every address is checked: a name with one public and one private address would let
            # the connection pick the private one.
            where = f"{host} is" if host.strip("[]") == address else f"{host} resolves to {address},"
            raise UnsafeTarget(f"{where} {reason}: webhooks may not be sent there.")
    return addresses


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool,
         timeout: float | None = None) -> Answer:  # fmt: skip
    """POST `body` to `url` through a checked, pinned address; never raises for the receiver's faults."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        parts = _parts(url)
        port = parts.port or _default_port(parts.scheme)
        address = _safe_addresses(parts.hostname, port, allow_private)[0]
    except UnsafeTarget as refused:
        return Answer(None, b"", f"Refused: {refused}", took())
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if ":" in parts.hostname and parts.port is None:
        host_header = f"[{parts.hostname}]"
    elif ":" in parts.hostname:
        host_header = f"[{parts.hostname}]:{parts.port}"
    options = {
        "timeout": urllib3.Timeout(total=timeout or TIMEOUT_SECONDS),
        "retries": False,
        "maxsize": 1,
        "block": False,
    }
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
            ca_certs=CA_CERTS,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                path,
                body=body,
                headers={**headers, "Host": host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                received = response.read(MAX_RESPONSE_BYTES, decode_content=False)
            finally:
                response.close()  # the rest of a large answer is never read
            return Answer(response.status, received, None, took())
    except urllib3.exceptions.HTTPError as error:
        return Answer(None, b"", _describe(error), took())
    except OSError as error:
        return Answer(None, b"", f"{type(error).__name__}: {error}"[:500], took())


def _describe(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return f"Could not connect: {getattr(reason, 'original_error', None) or reason}"[:500]
    if isinstance(reason, urllib3.exceptions.TimeoutError):
        return f"Timed out after {TIMEOUT_SECONDS:g} s"
    return f"{type(reason).__name__}: {reason}"[:500]
