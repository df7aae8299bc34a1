"""A canary phrase sent through every server path never reaches the disk or the logs.

Runs on a database of its own that is committed to for real, so the storage itself can be
searched: the SQLite file with its WAL and journal, or a pg_dump of the PostgreSQL database
(TRYGG_TEST_DATABASE=postgres). The browser's own path is covered in
tests/browser/test_reporting.py; this one also runs in the PostgreSQL pass of `make test`.
"""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from accounts.models import Organisation
from casework import intake
from casework.models import Case
from crypto import envelope
from crypto import stream as stream_v1
from tests.conftest import new_key
from tests.reporting import support
from tests.reporting.conftest import Database
from trygg.extensions import db


def test_the_canary_is_nowhere_on_disk_or_in_the_logs(
    database: Database, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="PIL")  # the test's own image making
    phrase = support.canary()
    since = support.now()
    app = database.app
    client = app.test_client()
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        internal = next(h for h in intake.handlers(db.session, org) if not h.external)
        db.session.expunge(org)
        db.session.remove()

    # 1. The browser's path: a report sealed before it is sent.
    sealed = support.sealed_submission(org, [internal.public_key], {"what": phrase})
    assert client.post("/r/demo/api/reports", json=sealed.body).status_code == 201
    login = client.post(
        "/r/demo/api/session", json={"lookup_token": support.b64(sealed.keys.lookup_token)}
    )
    assert login.status_code == 200
    with app.app_context():
        case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        keys = intake.recipient_keys(db.session, case)
        context = case.context
        db.session.remove()
    message = envelope.seal(json.dumps({"text": phrase}).encode(), keys, context + "/message")
    assert (
        client.post("/r/demo/api/messages", json={"kind": "message", "body": message,
                                                  "idempotency_key": new_key()}).status_code
        == 201
    )
    key_env, pieces = stream_v1.encrypt_stream(
        io.BytesIO(phrase.encode() * 50), keys, context + "/attachment"
    )
    stream = b"".join(pieces)
    meta = envelope.seal(json.dumps({"name": phrase}).encode(), keys, context + "/attachment-meta")
    started = client.post(
        "/r/demo/api/attachments",
        json={"key": key_env, "meta": meta, "header": support.b64(stream[:13]),
              "size": len(phrase.encode() * 50)},
    )
    assert started.status_code == 201
    url = f"/r/demo/api/attachments/{started.json['id']}/chunks?from=0&last=1"
    assert client.put(url, data=stream[13:]).status_code == 200
    client.post("/r/demo/follow-up/sign-out")

    # 2. Without JavaScript: plaintext arrives and is sealed in memory.
    page = client.get("/r/demo/report").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page)
    assert key
    fields = MultiDict({"idempotency_key": key.group(1), "what": phrase, "witnesses": phrase})
    fields.add("attachments", FileStorage(io.BytesIO(phrase.encode()), "n.txt", "text/plain"))
    fields.add(
        "attachments",
        FileStorage(io.BytesIO(support.jpeg_with_gps(phrase)), f"{phrase}.jpg", "image/jpeg"),
    )
    boundary, body = encode_multipart(fields)
    response = client.post(
        "/r/demo/report", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200
    found = re.search(r"data-receipt>([^<]+)<", response.get_data(as_text=True))
    assert found
    assert client.post("/r/demo/follow-up", data={"receipt": found.group(1)}).status_code == 303
    fields = MultiDict({"kind": "addition", "text": phrase})
    fields.add("attachments", FileStorage(io.BytesIO(phrase.encode()), "m.txt", "text/plain"))
    boundary, body = encode_multipart(fields)
    response = client.post(
        "/r/demo/follow-up/message",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    assert (
        client.post("/r/demo/follow-up/consent", data={"agree": "y", "note": phrase}).status_code
        == 200
    )
    assert phrase in client.get("/r/demo/follow-up").get_data(as_text=True)  # it is all there

    # Nowhere in the database's storage...
    needle = phrase.encode()
    with app.app_context():
        db.session.remove()
    assert support.database_contains(needle, database.url) == []
    assert support.database_contains(b"Demoteateret", database.url) != []  # the search works
    # ...in any file written meanwhile under the temp folders (mail outbox included)...
    assert support.files_containing(needle, support.temp_roots(), since) == []
    (tmp_path / "control.txt").write_bytes(b"x" + needle)
    assert support.files_containing(needle, support.temp_roots(), since) != []  # it works
    (tmp_path / "control.txt").unlink()
    # ...or in the logs, where no reporter route appears either.
    for record in caplog.records:
        assert phrase not in record.getMessage()
        assert "/r/demo" not in record.getMessage()
