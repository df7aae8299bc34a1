"""Shared fixtures: the app on a migrated database, savepoint-isolated sessions, logins.

The database is SQLite in a temporary folder, or PostgreSQL when
TRYGG_TEST_DATABASE=postgres (a fresh database per test run, dropped afterwards). The
schema is always built with `alembic upgrade head`, never `create_all`.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.orm import Session

from tests.pg_available import admin_url
from trygg import create_app
from trygg.config import Config
from trygg.extensions import db, limiter

ON_POSTGRES = os.environ.get("TRYGG_TEST_DATABASE") == "postgres"
CHROMIUM = os.environ.get("TRYGG_CHROMIUM", "/usr/bin/chromium")
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
FAST_KDF_ITERATIONS = 1_000  # key-wrap work factor for tests only


def _pg_create() -> tuple[str, str]:
    import psycopg

    name = f"trygg_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    return name, f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"


def _pg_drop(name: str) -> None:
    import psycopg

    admin = admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def require(what: str, available: bool, hint: str) -> None:
    """A missing tool is a failure in CI (`CI=true`) and a skip on a developer machine."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; CI must run these tests ({hint})")
    pytest.skip(f"{what} is missing ({hint})")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright; never a downloaded browser."""
    import shutil

    require(f"Chromium at {CHROMIUM}", bool(shutil.which(CHROMIUM)) or Path(CHROMIUM).exists(),
            "apt-get install chromium, or make chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if ON_POSTGRES:
        name, url = _pg_create()
        yield url
        _pg_drop(name)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'trygg.db'}"


def make_config(database_url: str, tmp: Path, **changes: Any) -> Config:
    return Config(
        env="testing",
        secret_key="test-secret-" + "x" * 40,
        database_url=database_url,
        base_url="http://localhost",
        mail_outbox=str(tmp / "outbox"),
        argon2_time_cost=1,
        argon2_memory_cost=8,
        csrf_enabled=False,
        extra={"kdf_iterations": FAST_KDF_ITERATIONS},
    ).with_(**changes)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = create_app(make_config(database_url, tmp_path_factory.mktemp("app")))
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks the app's engine for every mapped table and so
    ignores `bind=connection`; this one stays on the test's connection, so what the app
    commits is only a savepoint released inside the test's transaction."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture()
def db_session(app: Flask) -> Iterator[Session]:
    """A session whose work is rolled back after the test, even if the app commits."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(  # type: ignore[method-assign]
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": ConnectionBoundSession,
            }
        )
        limiter.reset()
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original  # type: ignore[method-assign]
            outer.rollback()
            connection.close()


class FreshGlobalsClient(FlaskClient):
    """A test client whose requests each start with an empty `flask.g`, as in production.

    `db_session` keeps one app context open for the whole test and Flask reuses it for
    every request, so without this, `g` (Flask-Login's user, Flask-Babel's locale,
    `g.org`) would carry over from one request to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import g, has_app_context

        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture()
def csrf_app(tmp_path: Path) -> Iterator[Flask]:
    """The app as in production, CSRF on, on a database of its own (the shared `app` has
    CSRF off, and its test data is never committed)."""
    from flask_migrate import upgrade

    if ON_POSTGRES:
        name, url = _pg_create()
    else:
        name, url = "", f"sqlite:///{tmp_path / 'csrf.db'}"
    application = create_app(make_config(url, tmp_path, csrf_enabled=True))
    application.test_client_class = FreshGlobalsClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        _pg_drop(name)


@pytest.fixture()
def client(app: Flask, db_session: Session) -> FlaskClient:
    app.test_client_class = FreshGlobalsClient
    return app.test_client()


# --- factories -------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


def make_org(session: Session, slug: str | None = None, **settings: Any) -> Any:
    from accounts import services

    org = services.create_organisation(
        session, slug=slug or f"org-{uuid.uuid4().hex[:8]}", name=settings.pop("name", "Testorg"),
        **settings,
    )
    session.flush()
    return org


def make_person(
    session: Session, org: Any = None, role: str | None = None, *, title: str = "",
    external: bool = False, email: str | None = None, totp: bool | None = None,
    keys: bool | None = None, confirmed: bool = True,
) -> Any:
    """A person, optionally with a role; handlers and admins get TOTP (and handlers keys,
    with the appointment confirmed unless `confirmed=False`)."""
    from accounts import services
    from accounts.totp import seal_secret

    person = services.create_person(
        session, email or f"p-{uuid.uuid4().hex[:10]}@example.test", "Test Person", PASSWORD
    )
    session.flush()
    if org is not None and role is not None:
        services.appoint(session, org, person, role, title=title, external=external)
    if totp if totp is not None else role in ("admin", "handler"):
        person.totp_secret_plain = pyotp.random_base32()
        person.totp_secret = seal_secret(person.totp_secret_plain)
    if keys if keys is not None else role == "handler":
        from accounts.keys import enrol_demo_keys

        enrol_demo_keys(person, "test key passphrase", kdf_iterations=FAST_KDF_ITERATIONS)
        if org is not None and role == "handler" and confirmed:
            from accounts.appointments import confirm_now

            session.flush()
            for membership in person.memberships:
                if membership.role == "handler":
                    confirm_now(membership)
    session.flush()
    return person


@pytest.fixture()
def factory(db_session: Session) -> Any:
    class Factory:
        org = staticmethod(lambda **kw: make_org(db_session, **kw))
        person = staticmethod(lambda *a, **kw: make_person(db_session, *a, **kw))

    return Factory


def login(client: FlaskClient, person: Any) -> None:
    """Sign a person in through the real login form (password, then TOTP when enrolled)."""
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    if person.totp_secret is not None:
        code = pyotp.TOTP(person.totp_secret_plain).now()
        response = client.post("/login/code", data={"code": code})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert "/home" in response.headers["Location"] or response.status_code == 302


@pytest.fixture()
def login_as(client: FlaskClient) -> Any:
    return lambda person: login(client, person)


def new_key() -> str:
    """An idempotency key as the browser makes one per message (32 random bytes, base64url)."""
    import base64

    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
