"""Fixtures for the reporter's side: an organisation with two internal handlers and an
external one (all with key pairs), and a way to send sealed reports as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.conftest import FAST_KDF_ITERATIONS, ON_POSTGRES, _pg_create, _pg_drop, make_config
from tests.reporting import support
from trygg import create_app
from trygg.extensions import db

PASSPHRASE = "test key passphrase"


@dataclass
class Org:
    org: Any
    a: Any  # internal handler "Verneombud A"
    b: Any  # internal handler "Verneombud B"
    x: Any  # external handler
    leader: Any

    @property
    def slug(self) -> str:
        return str(self.org.slug)

    def membership(self, person: Any) -> Any:
        return next(m for m in person.memberships if m.organisation_id == self.org.id)

    def key(self, person: Any) -> bytes:
        import json

        from crypto import keywrap

        return keywrap.unwrap_private_key(
            json.loads(person.wrapped_private_key), PASSPHRASE, person.public_key
        )


@pytest.fixture()
def org(factory: Any, db_session: Any) -> Org:
    organisation = factory.org(name="Teater Test")
    a = factory.person(organisation, "handler", title="Verneombud A")
    b = factory.person(organisation, "handler", title="Verneombud B")
    x = factory.person(organisation, "handler", title="Ekstern rådgiver", external=True)
    leader = factory.person(organisation, "leader", title="Daglig leder")
    assert FAST_KDF_ITERATIONS  # handlers' keys are wrapped cheaply (tests/conftest.py)
    # Commit the savepoint: a view that rolls back after refusing something must not take
    # the organisation with it (the test's outer transaction still rolls everything back).
    db_session.commit()
    return Org(organisation, a, b, x, leader)


DOCUMENT = {"type": "trygg/report", "v": 1, "lang": "nb", "what": "Det skjedde på turné."}


def submit(
    client: FlaskClient,
    org: Org,
    recipients: list[bytes],
    *,
    excluded: list[Any] = (),
    lang: str = "en",
    **kw: Any,
) -> tuple[TestResponse, support.Sealed]:
    sealed = support.sealed_submission(
        org.org,
        recipients,
        kw.pop("document", DOCUMENT),
        excluded=[str(m.public_id) for m in excluded],
        **kw,
    )
    response = client.post(f"/r/{org.slug}/api/reports?lang={lang}", json=sealed.body)
    return response, sealed


@pytest.fixture()
def csrf_on(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture()
def outbox(app: Flask) -> Any:
    from trygg.mail import outbox as read_outbox

    config = app.config["TRYGG"]
    before = len(read_outbox(config))
    return lambda: read_outbox(config)[before:]


@dataclass
class Database:
    """A database of its own, migrated and seeded with the demo, committed to for real
    (for tests that look at the storage itself or run the app in another process)."""

    url: str
    app: Flask
    folder: Path

    def counts(self) -> tuple[int, int, int, int]:
        from casework.models import Attachment, Case, CaseExclusion, CaseHandler

        with self.app.app_context():
            try:
                return tuple(
                    db.session.scalar(select(func.count()).select_from(m)) or 0
                    for m in (Case, CaseHandler, CaseExclusion, Attachment)
                )  # type: ignore[return-value]
            finally:
                db.session.remove()


@pytest.fixture()
def database(tmp_path: Path) -> Iterator[Database]:
    from flask_migrate import upgrade

    from trygg.seed import seed

    name, url = _pg_create() if ON_POSTGRES else ("", f"sqlite:///{tmp_path / 'crash.db'}")
    app = create_app(make_config(url, tmp_path))
    with app.app_context():
        upgrade()
        seed(db.session, app.config["TRYGG"], kdf_iterations=FAST_KDF_ITERATIONS)
        db.session.commit()
        db.session.remove()
    yield Database(url, app, tmp_path)
    with app.app_context():
        db.engine.dispose()
    if name:
        _pg_drop(name)
