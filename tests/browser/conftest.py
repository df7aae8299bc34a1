"""Browser fixtures: real headless Chromium from Debian, driven by Playwright.

Never downloads a browser. A missing Chromium is an error in CI (`CI=true`) and a
skip on a developer machine without it.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

STATIC_DIR = Path(__file__).resolve().parents[2] / "trygg" / "static"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture()
def console_errors(page: Any) -> Iterator[list[str]]:
    """Errors the page logs to the console or throws, collected while the test runs."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield errors


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - class attribute of the stdlib handler
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".html": "text/html",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def static_server() -> Iterator[str]:
    """Serve trygg/static on a loopback port (for pure JS module tests without the app).

    The page at `<url>/blank.html` is an empty same-origin document to load modules into.
    """
    handler = functools.partial(_QuietHandler, directory=str(STATIC_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- the app, served for real ------------------------------------------------------------


def _fresh_database(tmp: Path) -> tuple[str, object]:
    """A database of its own for the live server: it commits for real."""
    from tests.conftest import ON_POSTGRES, _pg_create, _pg_drop

    if ON_POSTGRES:
        name, url = _pg_create()
        return url, lambda: _pg_drop(name)
    return f"sqlite:///{tmp / 'live.db'}", lambda: None


class LiveServer:
    """The Trygg app on a loopback port, migrated and seeded with the demo organisation."""

    def __init__(self, app: object, url: str) -> None:
        self.app = app
        self.url = url

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Serve the real app (CSRF on, demo seeded with fast key wrapping) on 127.0.0.1."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from tests.conftest import FAST_KDF_ITERATIONS, make_config
    from trygg import create_app
    from trygg.extensions import db
    from trygg.seed import seed

    tmp = tmp_path_factory.mktemp("live")
    url, drop = _fresh_database(tmp)
    app = create_app(make_config(url, tmp, csrf_enabled=True))
    with app.app_context():
        upgrade()
        seed(db.session, app.config["TRYGG"], kdf_iterations=FAST_KDF_ITERATIONS)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    with app.app_context():
        db.engine.dispose()
    drop()  # type: ignore[operator]


def assert_accessible(page: object, *, context: object = None) -> None:
    """axe-core in the page: no WCAG 2.1 A/AA violations."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    results = Axe().run(page, context=context, options=options)
    assert results.violations_count == 0, results.generate_report()


def sign_in(
    page: Any, live_server: LiveServer, email: str, password: str, *, check_accessible: bool = False
) -> None:
    """Sign in through the real login form: the password, then the second factor.

    First-time two-step enrolment reads the secret from the page; the code page reads the
    secret (and the last step used) on the server, since another test may have enrolled
    the person. Someone without a second factor is signed in after the password. Returns
    once the browser has left the sign-in pages; the caller waits for where it should land.
    With `check_accessible`, axe checks the login and enrolment pages on the way.
    """
    import pyotp

    from accounts import services, totp
    from trygg.extensions import db

    def submit() -> None:
        page.locator("main form button[type=submit]").first.click()

    page.goto(live_server("/login"))
    if check_accessible:
        assert_accessible(page)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    submit()
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")
    path = urlsplit(page.url).path
    if path == "/login/enrol":
        if check_accessible:
            assert_accessible(page)
        secret, last_step = page.locator("[data-totp-secret]").inner_text().strip(), 0
    elif path == "/login/code":
        with live_server.app.app_context():  # type: ignore[attr-defined]
            person = services.person_by_email(db.session, email)
            assert person is not None and person.totp_secret is not None
            secret, last_step = totp.open_secret(person.totp_secret), person.totp_last_step
            db.session.remove()
    else:
        return  # no second factor required
    code = pyotp.TOTP(secret)
    # A code is accepted once: if this step was used already, the next one is within drift.
    now = int(time.time() // code.interval)
    page.fill("input[name=code]", code.generate_otp(max(now, last_step + 1)))
    submit()
    page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/login"))
