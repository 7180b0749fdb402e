"""The one place that reads the environment."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit


def instance_path(default: Path) -> str:
    """The folder of this server's own state (secret key, outbox files, search index, page cache):
    INSTANCE_PATH, or `instance/` beside the code. Two servers started from one checkout, as the
    tests in tests/cluster/ do, each need their own."""
    return os.environ.get("INSTANCE_PATH") or str(default)


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; psycopg 3 is the one we ship.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return "sqlite:///" + str(Path(instance_path) / "forum.db")


class Config:
    """Settings with safe defaults; every value can be overridden from the environment."""

    def __init__(self, instance_path: str):
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret(instance_path)
        self.SQLALCHEMY_DATABASE_URI = _database_url(instance_path)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # An unreachable database must answer a request with a 503 within seconds, not hang it.
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {
                "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
            }
            self.SQLALCHEMY_ENGINE_OPTIONS["pool_timeout"] = 10
        self.SITE_NAME = os.environ.get("SITE_NAME", "Tallybook Feedback")
        self.COMPANY_NAME = os.environ.get("COMPANY_NAME", "Tallybook")
        self.REDIS_URL = os.environ.get("REDIS_URL")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER")

        # Werkzeug leaves these unlimited unless told otherwise.
        self.MAX_CONTENT_LENGTH = 1024 * 1024
        self.MAX_FORM_MEMORY_SIZE = 512 * 1024
        self.MAX_FORM_PARTS = 100

        # Set behind one reverse proxy that terminates TLS (see README, deploying).
        self.TRUST_PROXY_HEADERS = _flag("TRUST_PROXY_HEADERS", False)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_DURATION = timedelta(days=14)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=14)

        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Several sites (or test runs) can share one Redis: each counts under its own prefix.
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "forum")
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis down: count in each process rather than fail or hang the request (forum/limits.py).
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        if self.REDIS_URL:
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}

        # Requests one API key may make (forum/api/), in Flask-Limiter's words; keyless requests count per address.
        self.API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute;20000 per hour")

        self.PASSWORD_HASH_METHOD = "scrypt"
        # Distinct members whose reports hide a post or comment until a moderator decides.
        self.FLAG_THRESHOLD = int(os.environ.get("FLAG_THRESHOLD", "3"))
        # Seconds a person needs at least between seeing the sign-up or new-post form and sending it
        # (bots send at once). create_app() makes it 0 under TESTING unless a test sets it.
        self.FORM_MIN_FILL_SECONDS = float(os.environ.get("FORM_MIN_FILL_SECONDS", "3"))
        # A new member's first N posts wait, hidden, for a moderator's approval (0: publish at once).
        self.HOLD_FIRST_POSTS = int(os.environ.get("HOLD_FIRST_POSTS", "0"))
        # New accounts are created from a link mailed to the address, so sign-up never tells whether an
        # address already has an account (no enumeration). Off: the account is ready at once.
        self.SIGNUP_EMAIL_LINK = _flag("SIGNUP_EMAIL_LINK", True)
        self.PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
        self.SIGNUP_LINK_MAX_AGE = timedelta(days=1)

        # Email: files in instance/outbox/ unless MAIL_SERVER names an SMTP server.
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", True)
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Feedback <feedback@localhost>")
        self.MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX") or str(Path(instance_path) / "outbox")

        # Where links in emails, feeds and exports point: never the request's Host (forum/links.py).
        self.SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
        # Host names the site answers to; a request naming another Host gets a 400 (Flask's
        # TRUSTED_HOSTS). By default SITE_URL's host and the loopback names, for local tools.
        self.TRUSTED_HOSTS = _names(os.environ.get("TRUSTED_HOSTS")) or [
            urlsplit(self.SITE_URL).hostname or "localhost",
            "localhost",
            "127.0.0.1",
        ]
        # How queued emails leave: "rq" (a worker, needs REDIS_URL), "thread" (inside the web process)
        # or "manual" (`flask notifications deliver`, from cron).
        self.DELIVERY = os.environ.get("DELIVERY") or ("rq" if self.REDIS_URL else "thread")
        # Seconds between the RQ worker's sweeps of the outbox, which send what waited while Redis was down.
        self.OUTBOX_SWEEP_SECONDS = float(os.environ.get("OUTBOX_SWEEP_SECONDS", "30"))
        # Seconds after which a message claimed by a worker that died before marking it sent is taken
        # again (longer than the slowest SMTP handshake, or two workers would both send it).
        self.OUTBOX_STALE_CLAIM_SECONDS = float(os.environ.get("OUTBOX_STALE_CLAIM_SECONDS", "300"))

        # Webhooks may be sent to loopback and private-network addresses (an on-premises install whose
        # receivers sit on the company's network; the tests' local receiver). Link-local and cloud
        # metadata addresses stay refused whatever this says (forum/webhooks/transport.py).
        self.WEBHOOKS_ALLOW_PRIVATE = _flag("WEBHOOKS_ALLOW_PRIVATE", False)
        # Similar posts, likely duplicates and themes (forum/semantic): sentence vectors when the model
        # package is installed, unless "off"; lexical matching otherwise. Seconds a server may go before
        # it reads the vectors other servers wrote (its own writes show at once).
        self.SEMANTIC_MATCHING = os.environ.get("SEMANTIC_MATCHING", "on").strip().lower() != "off"
        self.SEMANTIC_REFRESH_SECONDS = float(os.environ.get("SEMANTIC_REFRESH_SECONDS", "2"))

        # Search: "whoosh" (an index on disk, one machine) or "postgres" (the database's full-text
        # search, for several app servers sharing one PostgreSQL database).
        self.SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh").strip().lower()
        if self.SEARCH_BACKEND not in {"whoosh", "postgres"}:
            raise ValueError(f"SEARCH_BACKEND must be whoosh or postgres, not {self.SEARCH_BACKEND!r}")
        self.SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or str(Path(instance_path) / "search-index")
        # Pages of Whoosh results each process keeps until the index changes (search/whoosh_backend.py); 0: none.
        self.SEARCH_RESULTS_KEPT = int(os.environ.get("SEARCH_RESULTS_KEPT", "256"))

        # Operations (forum/observability.py): who may read /metrics (addresses or networks, by the
        # client's address as ProxyFix reports it), and logs as one JSON object a line ("json") or text.
        self.METRICS_ALLOWED_IPS = _names(
            os.environ.get("METRICS_ALLOWED_IPS") or os.environ.get("METRICS_ALLOW") or "127.0.0.1,::1"
        )
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()
        # Compression (Flask-Compress) of what is text; images and fonts here are compressed already.
        self.COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                                   "application/json", "application/manifest+json", "application/atom+xml",
                                   "application/xml", "text/csv", "text/plain", "image/svg+xml"]  # fmt: skip
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        # Streamed responses (CSV exports, static files) are compressed as they go: Flask-Compress streams
        # Brotli and deflate, not gzip.
        self.COMPRESS_ALGORITHM_STREAMING = ["br", "deflate"]
        self.COMPRESS_BR_LEVEL = 5

        # Posts' social card images, drawn once for what they show (forum/cards/).
        self.CARD_DIR = os.environ.get("CARD_DIR") or str(Path(instance_path) / "cards")

        # Sign-in from the company's app (forum/identity/): the HS256 secret its server signs hand-off
        # tokens with, and where signed-out visitors are sent to sign in (it sends them back to /sso).
        self.SSO_SECRET = os.environ.get("SSO_SECRET") or None
        if self.SSO_SECRET and len(self.SSO_SECRET.encode()) < 32:
            raise ValueError("SSO_SECRET must be at least 32 bytes (HS256 wants a key as long as its hash)")
        self.SSO_LOGIN_URL = os.environ.get("SSO_LOGIN_URL") or None

        self.POSTS_PER_PAGE = 20
        self.MAX_PAGE = 500
        # Visitors' pages kept whole (forum/caching.py, through Flask-Caching): in Redis with REDIS_URL,
        # else in a folder of the instance shared by this host's workers. VISITOR_PAGE_CACHE=0 turns it off.
        if not _flag("VISITOR_PAGE_CACHE", True):
            self.CACHE_TYPE, self.CACHE_NO_NULL_WARNING = "NullCache", True
        elif self.REDIS_URL:
            self.CACHE_TYPE = "RedisCache"
            self.CACHE_REDIS_URL = self.REDIS_URL
            self.CACHE_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        else:
            self.CACHE_TYPE = "FileSystemCache"
            self.CACHE_DIR = os.environ.get("VISITOR_PAGE_DIR") or str(Path(instance_path) / "visitor-pages")
            self.CACHE_THRESHOLD = int(os.environ.get("VISITOR_PAGES_KEPT", "5000"))
        self.CACHE_DEFAULT_TIMEOUT = 24 * 3600


def _names(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret(instance_path: str) -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32).hex()
    path.write_text(key)
    return key
