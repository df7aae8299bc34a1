"""Notifications coalesce by delaying, never by dropping (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from casework import notices
from casework.workflow_models import HandlerNotice
from reporting import services

T0 = datetime(2026, 11, 30, 10, 0, 5, tzinfo=UTC)


@pytest.fixture()
def windowed(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    config = app.config["TRYGG"].with_(mail_outbox=str(tmp_path),
                                       extra={"notify_window_seconds": 120})
    monkeypatch.setitem(app.config, "TRYGG", config)
    return config


def _mails(config: Any) -> list[Any]:
    from trygg.mail import outbox

    return outbox(config)


def test_a_second_message_within_a_minute_is_notified(
    app: Flask, client: Any, windowed: Any, team: Any, db_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [T0]
    monkeypatch.setattr("trygg.database.utcnow", lambda: clock[0])
    vera = team.membership(team.vera)
    notice = services.Notice(team.org.name, team.org.slug, (team.vera.email,), "message")
    with app.test_request_context():
        assert services.notify(notice) == 1  # nothing mailed lately: at once
        clock[0] = T0 + timedelta(seconds=40)
        assert services.notify(notice) == 0  # within the window: delayed, not dropped
        row = db_session.get(HandlerNotice, vera.id)
        db_session.refresh(row)
        assert row.messages == 1 and row.due_at is not None
        assert row.due_at.second == 0  # rounded to the minute
        assert T0 + timedelta(seconds=120) <= row.due_at <= T0 + timedelta(seconds=180)
        # A third message before the window ends shares the same mail.
        clock[0] = T0 + timedelta(seconds=80)
        assert services.notify(notice) == 0
        # The periodic job (any process) sends it once it is due, and only once.
        sent: list[notices.Due] = []
        assert notices.send_due(db_session, now=T0 + timedelta(seconds=100),
                                send=lambda d: sent.append(d) or True) == 0
        later = T0 + timedelta(seconds=181)
        assert notices.send_due(db_session, now=later, send=lambda d: sent.append(d) or True) == 1
        assert notices.send_due(db_session, now=later, send=lambda d: sent.append(d) or True) == 0
    assert [(d.membership.id, d.reports, d.messages) for d in sent] == [(vera.id, 0, 2)]
    mails = _mails(windowed)
    assert len(mails) == 1 and mails[0]["To"] == team.vera.email
    assert "Rørgata" not in mails[0].get_content()


def test_the_cli_job_sends_what_is_due(
    app: Flask, windowed: Any, team: Any, db_session: Any
) -> None:
    vera = team.membership(team.vera)
    past = datetime.now(UTC) - timedelta(minutes=5)
    notices.queue(db_session, [vera.id], "report", now=past - timedelta(seconds=30), window=120)
    row = db_session.get(HandlerNotice, vera.id)
    row.last_sent_at, row.due_at = past - timedelta(seconds=60), past
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["trygg", "notices"])
    assert "Notices sent: 1" in result.output, result.output
    mails = _mails(windowed)
    assert len(mails) == 1
    body = mails[0].get_content()
    assert "1 ny melding" in body or "1 new report" in body
    assert "/orgs/" in body


def test_a_failed_mail_is_put_back_not_lost(team: Any, db_session: Any) -> None:
    vera = team.membership(team.vera)
    notices.queue(db_session, [vera.id], "message", now=T0, window=120)
    db_session.commit()
    assert notices.send_due(db_session, now=T0, send=lambda d: False) == 0
    row = db_session.get(HandlerNotice, vera.id)
    db_session.refresh(row)
    assert row.messages == 1 and row.due_at is not None and row.due_at > T0
    got: list[notices.Due] = []
    assert notices.send_due(db_session, now=T0 + timedelta(minutes=5),
                            send=lambda d: got.append(d) or True) == 1
    assert got[0].messages == 1


def test_a_daily_digest_waits_for_the_digest_hour(team: Any, db_session: Any) -> None:
    vera = team.membership(team.vera)
    notices.set_mode(db_session, vera, "digest", now=T0)
    for _ in range(3):
        notices.queue(db_session, [vera.id], "message", now=T0, window=120)
    db_session.commit()
    got: list[notices.Due] = []
    assert notices.send_due(db_session, now=T0 + timedelta(hours=6),
                            send=lambda d: got.append(d) or True) == 0
    next_morning = (T0 + timedelta(days=1)).replace(hour=notices.DIGEST_HOUR, minute=1)
    assert notices.send_due(db_session, now=next_morning, send=lambda d: got.append(d) or True) == 1
    assert got[0].messages == 3
    with pytest.raises(ValueError):
        notices.set_mode(db_session, vera, "hourly", now=T0)


def test_a_handler_chooses_immediate_mails_or_a_daily_digest(
    client: Any, login_as: Any, team: Any, db_session: Any
) -> None:
    login_as(team.vera)
    page = client.get(f"/orgs/{team.org.slug}/cases").get_data(as_text=True)
    assert 'name="mode"' in page
    response = client.post(f"/orgs/{team.org.slug}/notices", data={"mode": "digest"})
    assert response.status_code == 303
    row = db_session.scalar(select(HandlerNotice).where(
        HandlerNotice.membership_id == team.membership(team.vera).id))
    assert row.mode == "digest"
    response = client.post(f"/orgs/{team.org.slug}/notices", data={"mode": "hourly"})
    assert response.status_code == 400
    db_session.refresh(row)
    assert row.mode == "digest"
