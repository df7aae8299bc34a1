"""Writes to one case at the same moment, from threads against a real server process: each
is stored once, none answers 500 (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from casework.models import Case, Message
from crypto import envelope
from crypto import stream as stream_v1
from tests.conftest import new_key
from tests.live.client import Response, Server
from tests.live.conftest import Demo, case_path, demo, report, sign_in_handler
from tests.reporting import support
from tests.reporting.conftest import Database
from trygg.extensions import db

AT_ONCE = 6


def _at_once(calls: list[Callable[[], Response]]) -> list[Response]:
    """Run the calls in threads released together."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Response]) -> Response:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _sealed_message(who: Demo, sealed: support.Sealed, text: str) -> dict[str, Any]:
    context = f"org:{who.org.public_id}/case:{sealed.case_id}/message"
    body = json.dumps({"type": "trygg/message", "v": 1, "text": text}).encode()
    return envelope.seal(body, [*who.recipients, sealed.keys.public_key], context)


def test_messages_written_at_the_same_moment_are_all_stored(
    database: Database, server: Server
) -> None:
    who = demo(database)
    reporter = server.client()
    sealed = report(reporter, who)
    handler = server.client()
    sign_in_handler(handler, who)
    case = case_path(handler)

    def from_reporter(i: int) -> Callable[[], Response]:
        body = {"kind": "message", "body": _sealed_message(who, sealed, f"r{i}"),
                "idempotency_key": new_key()}
        return lambda: reporter.post_json("/r/demo/api/messages", body)

    def from_handler(i: int) -> Callable[[], Response]:
        body = {"kind": "message", "body": _sealed_message(who, sealed, f"h{i}"),
                "idempotency_key": new_key()}
        return lambda: handler.post_json(f"{case}/messages", body)

    answers = _at_once([from_reporter(i) for i in range(AT_ONCE)]
                       + [from_handler(i) for i in range(AT_ONCE)])
    assert [a.status for a in answers] == [201] * (2 * AT_ONCE), [a.body for a in answers]
    with database.app.app_context():
        stored = db.session.scalars(
            select(Message.seq).join(Case).where(Case.public_id == sealed.case_id)
        ).all()
        db.session.remove()
    assert sorted(stored) == list(range(1, 2 * AT_ONCE + 1))


def test_the_same_chunk_batch_sent_twice_at_once_is_stored_once(
    database: Database, server: Server
) -> None:
    who = demo(database)
    reporter = server.client()
    sealed = report(reporter, who)
    context = f"org:{who.org.public_id}/case:{sealed.case_id}"
    keys = [*who.recipients, sealed.keys.public_key]
    for _ in range(3):
        key_env, pieces = stream_v1.encrypt_stream(io.BytesIO(b"x" * 5000), keys,
                                                   context + "/attachment", chunk_size=1024)
        stream = b"".join(pieces)
        meta = envelope.seal(b'{"name": "f"}', keys, context + "/attachment-meta")
        answer = reporter.post_json("/r/demo/api/attachments", {
            "key": key_env, "meta": meta, "header": support.b64(stream[:13]), "size": 5000})
        assert answer.status == 201, answer.body
        url = f"/r/demo/api/attachments/{answer.json()['id']}/chunks?from=0&last=0"
        batch = stream[13 : 13 + 2 * (1024 + 16)]
        def put(url: str = url, batch: bytes = batch) -> Response:
            return reporter.request("PUT", url, batch,
                                    {"Content-Type": "application/octet-stream"})

        answers = _at_once([put, put])
        assert sorted(a.status for a in answers) == [200, 409], [a.body for a in answers]


def test_the_same_message_sent_twice_at_once_is_stored_once(
    database: Database, server: Server
) -> None:
    who = demo(database)
    reporter = server.client()
    sealed = report(reporter, who)
    body = {"kind": "message", "body": _sealed_message(who, sealed, "twice"),
            "idempotency_key": new_key()}
    answers = _at_once([lambda: reporter.post_json("/r/demo/api/messages", body)] * 4)
    assert [a.status for a in answers] == [201] * 4, [a.body for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3
    with database.app.app_context():
        stored = db.session.scalars(
            select(Message.seq).join(Case).where(Case.public_id == sealed.case_id)
        ).all()
        db.session.remove()
    assert stored == [1]
