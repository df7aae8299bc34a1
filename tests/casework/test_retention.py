"""Retention: warned ahead, then the content goes and the statistics stay."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from casework import audit, retention
from casework.models import (
    Assessment,
    AssessmentAggravating,
    Attachment,
    AttachmentChunk,
    AuditEntry,
    Case,
    CaseReaction,
    Handoff,
    Message,
)
from trygg.mail import outbox

TODAY = date(2030, 6, 1)


def _closed_case(cases: Any, team: Any, db_session: Any, closed_on: date) -> Any:
    opened = cases.open(team.org, received_on=closed_on - timedelta(days=40))
    cases.reporter_says(opened, "Tillegg: det skjedde igjen.")
    cases.attach(opened, b"\x89PNG" + bytes(70_000))
    db_session.add(Handoff(case=opened.case, summary=json.dumps({"v": 1}), after_seq=1,
                           created_on=closed_on))
    assessment = Assessment(case_id=opened.case.id, model_version="1", nature="verbal",
                            frequency="once", relation="peer", power="none",
                            consequences="discomfort", level=2, outcome="substantiated",
                            assessed_on=closed_on)
    db_session.add(assessment)
    db_session.flush()
    assessment.aggravating = [AssessmentAggravating(code="alcohol")]
    assessment.reactions = [CaseReaction(code="conversation")]
    opened.case.state, opened.case.closed_on = "closed", closed_on
    db_session.flush()
    return opened


def _count(db_session: Any, model: Any, case: Any) -> int:
    column = model.case_id if hasattr(model, "case_id") else None
    if model is AttachmentChunk:
        return db_session.scalar(select(func.count()).select_from(AttachmentChunk).join(
            Attachment, Attachment.id == AttachmentChunk.attachment_id).where(
            Attachment.case_id == case.id))
    return db_session.scalar(select(func.count()).select_from(model).where(column == case.id))


def test_warned_then_purged_leaving_no_ciphertext_and_the_assessment(
    cases: Any, team: Any, db_session: Any, app: Flask
) -> None:
    days = team.org.retention_days
    due = _closed_case(cases, team, db_session, TODAY - timedelta(days=days))
    fresh = _closed_case(cases, team, db_session, TODAY - timedelta(days=days - 100))
    open_case = cases.open(team.org)
    mails: list[tuple[str, int, date]] = []

    # Nothing is purged before the handlers were warned …
    assert retention.purge(db_session, on=TODAY).cases == 0
    warned = retention.warn(db_session, on=TODAY,
                            notify=lambda p, o, n, d: mails.append((p.email, n, d)))
    assert warned.cases == 1
    assert mails == [(team.vera.email, 1, TODAY)]
    assert db_session.get(Case, due.case.id).purge_warned_on == TODAY
    # … and not less than WARN_DAYS after the warning.
    assert retention.purge(db_session, on=TODAY + timedelta(days=10)).cases == 0
    # A second warning run tells nobody again.
    assert retention.warn(db_session, on=TODAY, notify=lambda *a: mails.append(a)).cases == 0
    later = TODAY + timedelta(days=retention.WARN_DAYS)
    result = retention.purge(db_session, on=later)
    assert (result.cases, result.messages, result.attachments) == (1, 1, 1)

    case = db_session.get(Case, due.case.id)
    assert case.report is None and case.purged_on == later and case.idempotency is None
    assert (case.state, case.received_on, case.closed_on) == (
        "closed", due.case.received_on, TODAY - timedelta(days=team.org.retention_days))
    for model in (Message, Attachment, AttachmentChunk, Handoff):
        assert _count(db_session, model, case) == 0, model
    kept = db_session.get(Assessment, case.id)
    assert (kept.level, kept.outcome) == (2, "substantiated")
    assert [a.code for a in kept.aggravating] == ["alcohol"]
    assert [r.code for r in kept.reactions] == ["conversation"]
    # The others are untouched.
    for other in (fresh, open_case):
        assert db_session.get(Case, other.case.id).report is not None
    assert _count(db_session, Message, fresh.case) == 1
    # The trail records it, and the chain still holds.
    actions = db_session.scalars(select(AuditEntry.action).where(
        AuditEntry.case_id == case.id)).all()
    assert actions[-2:] == ["case.purge_warned", "case.purged"]
    assert audit.verify(db_session).ok


def test_no_ciphertext_of_a_purged_case_is_left_anywhere(cases: Any, team: Any,
                                                         db_session: Any) -> None:
    opened = _closed_case(cases, team, db_session, TODAY - timedelta(days=4000))
    secrets = [opened.case.report]
    secrets += [m.body for m in opened.case.messages]
    secrets += [a.key for a in opened.case.attachments] + [a.meta for a in opened.case.attachments]
    opened.case.purge_warned_on = TODAY - timedelta(days=60)
    db_session.flush()
    retention.purge(db_session, on=TODAY)
    # Scan every text and binary column of every table for any of the sealed items.
    needles = [json.loads(s)["ct"][:40] for s in secrets]
    from trygg.extensions import db

    for table in db.metadata.sorted_tables:
        for row in db_session.execute(select(table)).all():
            flat = " ".join(str(v) for v in row)
            assert not any(n in flat for n in needles), table.name


def test_the_purge_command(app: Flask, cases: Any, team: Any, db_session: Any) -> None:
    _closed_case(cases, team, db_session, TODAY - timedelta(days=team.org.retention_days))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["trygg", "purge", "--on", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Warned about 1 case(s) (1 email(s)); purged 0" in result.output
    mail = outbox(app.config["TRYGG"])[-1]
    body = mail.get_content()
    assert mail["To"] == team.vera.email
    assert "1" in body and "slettes" in body
    assert "rumpa" not in body and str(team.org.slug) in body
    later = TODAY + timedelta(days=retention.WARN_DAYS)
    result = runner.invoke(args=["trygg", "purge", "--on", later.isoformat()])
    assert "purged 1 case(s)" in result.output


@pytest.mark.parametrize("days_left", [retention.WARN_DAYS + 1, 400])
def test_not_warned_too_early(cases: Any, team: Any, db_session: Any, days_left: int) -> None:
    closed = TODAY - timedelta(days=team.org.retention_days - days_left)
    _closed_case(cases, team, db_session, closed)
    assert retention.warn(db_session, on=TODAY, notify=lambda *a: None).cases == 0
