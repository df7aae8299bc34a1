"""Fixtures for tests that run the app in a real server process: a database of its own
(migrated, demo seeded, committed to for real) and the server on it."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from tests.live.client import Client, Server
from tests.reporting import conftest as reporting_conftest
from tests.reporting import support
from tests.reporting.conftest import Database
from trygg.extensions import db
from trygg.seed import PEOPLE

# A committed database with the demo seeded, as the crash tests use it.
database = reporting_conftest.database


@pytest.fixture()
def server(database: Database, request: pytest.FixtureRequest) -> Iterator[Server]:
    """Werkzeug's threaded server, or gunicorn when the test is parametrized with
    `server_kind`."""
    running = Server(database.url, database.folder, getattr(request, "param", "werkzeug"))
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Demo:
    org: Any
    recipients: list[bytes]  # the internal handlers' public keys
    handler_email: str
    totp: str


def demo(database: Database) -> Demo:
    """The demo organisation; its first internal handler gets a TOTP secret we know."""
    from accounts.models import Organisation, Person
    from accounts.totp import seal_secret
    from casework import intake

    with database.app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        handlers = [h for h in intake.handlers(db.session, org) if not h.external]
        person = db.session.get(Person, handlers[0].person_id)
        secret = pyotp.random_base32()
        person.totp_secret = seal_secret(secret)
        db.session.commit()
        email = person.email
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        db.session.expunge(org)
        db.session.remove()
    return Demo(org, [h.public_key for h in handlers], email, secret)


def report(client: Client, demo: Demo) -> support.Sealed:
    """File a sealed report as the browser does and sign in with its receipt."""
    sealed = support.sealed_submission(demo.org, demo.recipients, {"what": "x"})
    answer = client.post_json("/r/demo/api/reports", sealed.body)
    assert answer.status == 201, answer.body
    answer = client.post_json(
        "/r/demo/api/session", {"lookup_token": support.b64(sealed.keys.lookup_token)}
    )
    assert answer.status == 200, answer.body
    return sealed


def attach(client: Client, demo: Demo, sealed: support.Sealed, data: bytes) -> str:
    """Upload an attachment to the reporter's case; its id."""
    from crypto import envelope
    from crypto import stream as stream_v1

    context = f"org:{demo.org.public_id}/case:{sealed.case_id}"
    keys = [*demo.recipients, sealed.keys.public_key]
    key_env, pieces = stream_v1.encrypt_stream(io.BytesIO(data), keys, context + "/attachment",
                                               chunk_size=1024)
    stream = b"".join(pieces)
    meta = envelope.seal(json.dumps({"name": "f.bin"}).encode(), keys,
                         context + "/attachment-meta")
    answer = client.post_json("/r/demo/api/attachments", {
        "key": key_env, "meta": meta, "header": support.b64(stream[:13]), "size": len(data)})
    assert answer.status == 201, answer.body
    file_id = str(answer.json()["id"])
    answer = client.request("PUT", f"/r/demo/api/attachments/{file_id}/chunks?from=0&last=1",
                            stream[13:], {"Content-Type": "application/octet-stream"})
    assert answer.status == 200, answer.body
    return file_id


def sign_in_handler(client: Client, demo: Demo) -> None:
    password = next(p.password for p in PEOPLE if p.email == demo.handler_email)
    answer = client.post_form("/login", {"email": demo.handler_email, "password": password})
    assert answer.status == 302, answer.body
    answer = client.post_form("/login/code", {"code": pyotp.TOTP(demo.totp).now()})
    assert answer.status == 302, answer.body


def small_file() -> bytes:
    return os.urandom(3000)


def case_path(client: Client) -> str:
    """The first case in the signed-in handler's inbox."""
    inbox = client.get("/orgs/demo/cases")
    assert inbox.status == 200, inbox.body
    found = re.search(rb'href="(/orgs/demo/cases/[0-9a-f-]{36})"', inbox.body)
    assert found, inbox.body[:2000]
    return found.group(1).decode()
