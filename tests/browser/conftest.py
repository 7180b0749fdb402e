"""Real-browser fixtures: the app served over HTTP, Debian's Chromium driven by Playwright, axe-core.

The live server runs the session `app` of tests/conftest.py in a thread, so it
uses that test database and the autouse cleanup empties it after every test.
Playwright cannot download browsers here: these tests drive /usr/bin/chromium
and fail (never skip) when it is missing. Set SCREENSHOT_DIR to keep a
full-page PNG of every page the tests check.
"""

import functools
import logging
import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 375, "height": 740}
TIMEOUT_MS = 10_000
# The tests make their users with this password (make_user(..., password=PASSWORD)) to sign in with it.
PASSWORD = "typed in a real browser"


@pytest.fixture(scope="session")
def live_url(app):
    """The app on a real socket: http://127.0.0.1:<free port>."""
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # no line per request in the test output
    server = make_server("127.0.0.1", 0, _read_through(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    site_url = app.config["SITE_URL"]
    app.config["SITE_URL"] = url  # links in emails lead to this server, as SITE_URL does in production
    yield url
    app.config["SITE_URL"] = site_url
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    werkzeug_log.setLevel(level)


def _read_through(app):
    """The app's responses read whole before werkzeug sends them. Werkzeug's server closes a response
    (a static file's open handle) only if the client has not reset the connection meanwhile, and
    Chromium resets some (a favicon it no longer wants): the handle then leaked as a ResourceWarning
    in whichever test ran next."""

    def read_through(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return read_through


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium: make test does it", pytrace=False)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


class BrowserProblems:
    """Console errors, uncaught exceptions and CSP refusals a page reports."""

    def __init__(self):
        self.messages: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.messages.append(f"uncaught error on {page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                self.messages.append(f"console {message.type} on {page.url}: {message.text}")
                if message.type == "error" and not _expected_console_error(message.text)
                else None
            ),
        )


def _expected_console_error(text: str) -> bool:
    # Chromium logs the status of every page that answers 4xx; the tests check those statuses themselves.
    return bool(re.fullmatch(r"Failed to load resource: the server responded with a status of 4\d\d .*", text))


@pytest.fixture
def new_page(browser, live_url):
    """new_page(javascript=True, **context_options): a page in a fresh browser context (own cookies)."""
    contexts = []
    problems = BrowserProblems()

    def make(*, javascript: bool = True, **options) -> Page:
        context = browser.new_context(base_url=live_url, java_script_enabled=javascript, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.messages, "the browser reported problems:\n" + "\n".join(problems.messages)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def page_nojs(new_page) -> Page:
    return new_page(javascript=False)


@pytest.fixture(autouse=True)
def _playwright_timeouts():
    expect.set_options(timeout=TIMEOUT_MS)


# -- helpers ---------------------------------------------------------------------


def sign_in(page: Page, email: str, password: str = PASSWORD, path: str = "/login") -> None:
    """Sign in through the form, as a person would."""
    page.goto(path)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # The bell stays in the header's row at every width (Sign out folds into the phone's menu).
    expect(page.locator(".site-header .bell")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    """A full-page PNG in $SCREENSHOT_DIR, only when that is set."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
    page.screenshot(path=str(Path(folder) / f"{safe}.png"), full_page=True)


AXE_RUN = """async () => {
  const result = await axe.run(document);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
  }));
}"""


@functools.cache
def _axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make test` or `npm ci`", pytrace=False)
    return AXE.read_text()


def axe_violations(page: Page) -> list[dict]:
    # CSP forbids inline scripts; evaluate() is not subject to it.
    page.evaluate(_axe_source())
    return page.evaluate(AXE_RUN)


def axe_report(page: Page, name: str) -> str:
    """'' when axe finds nothing on the page; otherwise a readable list of the violations."""
    screenshot(page, name)
    violations = axe_violations(page)
    if not violations:
        return ""
    lines = [f"{name} ({page.url}): {len(violations)} violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      at {node}" for node in v["nodes"])
    return "\n".join(lines)


def assert_accessible(page: Page, name: str) -> None:
    report = axe_report(page, name)
    assert not report, "axe found problems:\n" + report
