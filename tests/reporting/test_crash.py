"""A worker killed in the middle of a submission leaves the whole report with a working
receipt, or nothing. The app runs in a real process; a test hook (TRYGG_TEST_CRASH_POINT,
honoured only with TRYGG_ENV=testing) makes it os._exit() just before or just after the
commit; then the database is inspected and the submission sent again to a fresh worker."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from accounts.models import Organisation
from casework import intake
from casework.models import Attachment
from tests.reporting import support
from tests.reporting.conftest import Database
from trygg.extensions import db

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, database: Database, crash_point: str | None) -> None:
        env = {**os.environ, "TRYGG_ENV": "testing", "PYTHONPATH": str(ROOT)}
        env.pop("TRYGG_TEST_CRASH_POINT", None)
        if crash_point:
            env["TRYGG_TEST_CRASH_POINT"] = crash_point
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reporting.crash_server",
                database.url,
                str(database.folder),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def post_json(self, path: str, data: Any) -> tuple[int, dict[str, str], bytes]:
        return self.request(
            "POST", path, json.dumps(data).encode(), {"Content-Type": "application/json"}
        )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait(timeout=30)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code


def _demo(database: Database) -> tuple[Organisation, bytes, bytes, Any]:
    with database.app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        handlers = intake.handlers(db.session, org)
        internal = next(h for h in handlers if not h.external)
        external = next(h for h in handlers if h.external)
        db.session.expunge(org)
        db.session.remove()
    return org, internal.public_key, external.public_key, internal


def _killed(worker: Worker, send: Any) -> None:
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        send()
    assert worker.stop() == 70  # the hook's exit status: it really died at that point


@pytest.mark.parametrize("point", ["intake-before-commit", "intake-after-commit"])
def test_a_killed_worker_leaves_the_whole_encrypted_report_or_nothing(
    database: Database, point: str
) -> None:
    org, _, external, internal = _demo(database)
    sealed = support.sealed_submission(
        org, [external], {"what": "x"}, excluded=[str(internal.public_id)]
    )
    before = database.counts()
    worker = Worker(database, point)
    _killed(worker, lambda: worker.post_json("/r/demo/api/reports", sealed.body))
    after = database.counts()
    if point == "intake-before-commit":
        assert after == before  # nothing: no case, no handler rows, no exclusion
    else:
        assert after == (before[0] + 1, before[1] + 1, before[2] + 1, before[3])  # all of it

    worker = Worker(database, None)  # the reporter presses "send" again
    try:
        status, headers, body = worker.post_json("/r/demo/api/reports", sealed.body)
        assert status == 201 and json.loads(body)["case"] == sealed.body["case"]
        assert (headers.get("Idempotent-Replayed") == "true") == (point == "intake-after-commit")
        assert database.counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3])
        status, _, _ = worker.post_json(
            "/r/demo/api/session", {"lookup_token": support.b64(sealed.keys.lookup_token)}
        )
        assert status == 200  # the receipt works
    finally:
        worker.stop()


def _form(worker: Worker) -> dict[str, str]:
    status, _, page = worker.request("GET", "/r/demo/report", b"", {})
    assert status == 200
    text = page.decode()
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', text) or re.search(
        r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', text
    )
    assert key
    return {"idempotency_key": key.group(1)}


@pytest.mark.parametrize("point", ["intake-before-commit", "intake-after-commit"])
def test_a_killed_worker_without_javascript_keeps_report_and_files_together(
    database: Database, point: str
) -> None:
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    before = database.counts()
    worker = Worker(database, point)
    fields = MultiDict({**_form(worker), "what": "uten JavaScript"})
    fields.add(
        "attachments",
        FileStorage(
            io.BytesIO(os.urandom(200_000)), "a.bin", content_type="application/octet-stream"
        ),
    )
    boundary, body = encode_multipart(fields)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    _killed(
        worker,
        lambda: worker.request(
            "POST", "/r/demo/report?" + urlencode({"lang": "en"}), body, headers
        ),
    )
    after = database.counts()
    if point == "intake-before-commit":
        assert after == before
    else:
        assert (after[0], after[3]) == (before[0] + 1, before[3] + 1)
        with database.app.app_context():
            assert db.session.scalars(select(Attachment.complete)).all() == [True]
            db.session.remove()

    worker = Worker(database, None)
    try:
        status, _, page = worker.request("POST", "/r/demo/report?lang=en", body, headers)
        assert status == 200
        found = re.search(r"data-receipt>([^<]+)<", page.decode())
        assert found
        now = database.counts()
        assert (now[0], now[3]) == (before[0] + 1, before[3] + 1)
        status, _, _ = worker.request(
            "POST",
            "/r/demo/follow-up",
            urlencode({"receipt": found.group(1).strip()}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 303  # the receipt shown works
    finally:
        worker.stop()
