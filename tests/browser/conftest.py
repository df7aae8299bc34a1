"""Browser fixtures: real headless Chromium from Debian, driven by Playwright.

Never downloads a browser. A missing Chromium is an error in CI (`CI=true`) and a
skip on a developer machine without it.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TRYGG_CHROMIUM", "/usr/bin/chromium")
STATIC_DIR = Path(__file__).resolve().parents[2] / "trygg" / "static"

# Flags that keep Chromium off the network and quiet on a closed machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()


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
