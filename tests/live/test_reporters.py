"""Sixteen reporters sending at the same moment, against a real server process: every first
attempt is filed (on SQLite: WAL, writers that wait for each other, no "database is
locked")."""

from __future__ import annotations

from sqlalchemy import text

from tests.live.client import Server
from tests.live.conftest import demo
from tests.live.test_races import _at_once
from tests.reporting import support
from tests.reporting.conftest import Database
from trygg.extensions import db

REPORTERS = 16


def test_sixteen_reporters_at_once_are_all_filed_at_the_first_attempt(
    database: Database, server: Server
) -> None:
    who = demo(database)
    before = database.counts()[0]
    clients = [server.client() for _ in range(REPORTERS)]
    bodies = [support.sealed_submission(who.org, who.recipients, {"what": str(i)}).body
              for i in range(REPORTERS)]
    answers = _at_once([
        (lambda c=c, b=b: c.post_json("/r/demo/api/reports", b))  # type: ignore[misc]
        for c, b in zip(clients, bodies, strict=True)
    ])
    assert [a.status for a in answers] == [201] * REPORTERS, [a.body[:200] for a in answers]
    assert database.counts()[0] == before + REPORTERS
    if database.url.startswith("sqlite"):
        with database.app.app_context():
            mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
            db.session.remove()
        assert mode == "wal"
