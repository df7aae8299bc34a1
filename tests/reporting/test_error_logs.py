"""Errors during reporter requests reach the logs without the route, the time of day or the
statement's parameters; a resent report is recognised without a failed statement (which
PostgreSQL would write, with its values and the time, to its own log)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from casework import intake
from crypto import envelope
from tests.conftest import new_key
from tests.reporting import support
from tests.reporting.conftest import Org, submit
from tests.reporting.test_followup import case_of, login_js
from trygg.extensions import db


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture()
def captured(app: Flask) -> Iterator[Captured]:
    handler = Captured()
    root = logging.getLogger()
    root.addHandler(handler)
    propagate = app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # log and answer 500, as in production
    try:
        yield handler
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = propagate
        root.removeHandler(handler)


def test_an_error_on_a_reporter_route_is_logged_without_path_time_or_parameters(
    client: FlaskClient, db_session: Session, org: Org, captured: Captured,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login_js(client, org, reported := submit(client, org, [org.a.public_key,
                                                           org.b.public_key])[1])
    canary = support.canary()

    def failing(session: Session, *args: Any, **kwargs: Any) -> Any:
        statement = text("INSERT INTO audit_head (id, seq, hash) VALUES (:id, :seq, :canary)")
        session.execute(statement, {"id": 987654, "seq": 0, "canary": canary.encode()})
        session.execute(statement, {"id": 987654, "seq": 0, "canary": canary.encode()})

    monkeypatch.setattr(intake, "add_reporter_message", failing)
    case = case_of(db_session, reported)
    body = envelope.seal(b"{}", [org.a.public_key, org.b.public_key, reported.keys.public_key],
                         case.context + "/message")
    response = client.post(f"/r/{org.slug}/api/messages",
                           json={"kind": "message", "body": body, "idempotency_key": new_key()})
    assert response.status_code == 500
    errors = [r for r in captured.records if r.levelno >= logging.ERROR]
    assert errors, "the error was not logged at all"
    assert any("IntegrityError" in (r.exc_text or "") for r in errors)  # what failed, and where
    log = "\n".join(captured.lines)
    assert canary not in log and canary.encode().hex() not in log
    assert "[parameters:" not in log and "SQL parameters hidden" not in log
    assert "/r/" not in log and org.slug not in log and "api/messages" not in log
    for record in captured.records:  # the day, not the time of day
        assert record.created % 86400 == 0 and record.msecs == 0
    assert " 00:00:00" in log or ":00:00," in log


def test_an_error_on_a_staff_route_keeps_its_path(
    client: FlaskClient, captured: Captured, app: Flask
) -> None:
    app.logger.error("Exception on /login [POST]")  # outside any request: unchanged
    record = captured.records[-1]
    assert record.getMessage() == "Exception on /login [POST]" and record.created % 86400 != 0


def test_a_message_naming_a_reporter_route_is_scrubbed_anywhere(
    app: Flask, captured: Captured
) -> None:
    logging.getLogger("gunicorn.error").error("Error handling request %s", "/r/demo/api/case")
    record = captured.records[-1]
    assert "/r/" not in record.getMessage() and "<reporter route>" in record.getMessage()
    assert record.created % 86400 == 0


def test_a_resent_report_is_recognised_without_a_failed_statement(
    client: FlaskClient, org: Org
) -> None:
    failed: list[str] = []

    def on_error(context: Any) -> None:
        failed.append(type(context.original_exception).__name__)

    first, sealed = submit(client, org, [org.a.public_key, org.b.public_key])
    assert first.status_code == 201
    engine = db.engine
    event.listen(engine, "handle_error", on_error)
    try:
        again = client.post(f"/r/{org.slug}/api/reports?lang=en", json=sealed.body)
    finally:
        event.remove(engine, "handle_error", on_error)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert failed == []
    # A different submission reusing the case id is refused the same way: 409, no error.
    other = support.sealed_submission(org.org, [org.a.public_key, org.b.public_key], {})
    other.body["case"] = sealed.body["case"]
    event.listen(engine, "handle_error", on_error)
    try:
        clash = client.post(f"/r/{org.slug}/api/reports?lang=en", json=other.body)
    finally:
        event.remove(engine, "handle_error", on_error)
    assert clash.status_code == 409 and failed == []
    assert os.environ.get("TRYGG_TEST_DATABASE") in (None, "", "postgres")
