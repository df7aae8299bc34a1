"""Meetings, interim measures, tasks, support person and retaliation check-ins (issue 12)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from casework import checkins, followups
from casework.models import AuditEntry, Handoff, Message
from casework.services import today
from casework.workflow_models import CaseSupport, CaseTask, CheckIn, InterimMeasure, Meeting
from crypto import envelope

TODAY = today()


def _url(team: Any, opened: Any, path: str = "") -> str:
    return f"/orgs/{team.org.slug}/cases/{opened.case.public_id}{path}"


@pytest.fixture()
def vera_case(client: Any, login_as: Any, team: Any, cases: Any) -> Any:
    opened = cases.open(team.org)
    login_as(team.vera)
    return opened


def _refused(db_session: Any, opened: Any) -> list[tuple[str, str]]:
    return [(e.action, e.detail) for e in db_session.scalars(
        select(AuditEntry).where(AuditEntry.case_id == opened.case.id,
                                 AuditEntry.outcome == "refused"))]


def _note(team: Any, opened: Any, text: str) -> str:
    doc = json.dumps({"type": "trygg/meeting", "v": 1, "text": text}).encode()
    return json.dumps(envelope.seal(doc, [team.vera.public_key],
                                    opened.case.context + "/message"))


def test_a_meeting_is_recorded_with_its_summary_sealed_like_a_note(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    response = client.post(_url(team, vera_case, "/meetings"), data={
        "held_on": TODAY.isoformat(), "kind": "with_reporter",
        "participants": ["reporter", "safety_representative", "support_person"],
        "support_present": "y", "summary": _note(team, vera_case, "Avtalt: nytt møte om 2 uker.")})
    assert response.status_code == 303
    meeting = db_session.scalar(select(Meeting))
    assert meeting.support_present and "support_person" in meeting.participants
    note = db_session.get(Message, meeting.note_id)
    assert note.kind == "note" and "Avtalt" not in note.body
    page = client.get(_url(team, vera_case)).get_data(as_text=True)
    assert 'data-list="meetings"' in page


def test_a_meeting_dated_in_the_future_is_refused(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    response = client.post(_url(team, vera_case, "/meetings"), data={
        "held_on": (TODAY + timedelta(days=1)).isoformat(), "kind": "witness",
        "participants": ["witness"]})
    assert response.status_code == 400
    assert "fremtiden" in response.get_data(as_text=True)
    assert db_session.scalar(select(Meeting)) is None
    assert ("meeting.recorded", "bad_follow_up") in _refused(db_session, vera_case)
    response = client.post(_url(team, vera_case, "/meetings"), data={
        "held_on": TODAY.isoformat(), "kind": "witness", "participants": ["the_press"]})
    assert response.status_code == 400
    assert db_session.scalar(select(Meeting)) is None


def test_interim_measures_with_start_end_and_review(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    bad = client.post(_url(team, vera_case, "/interim"), data={
        "code": "interim_separation", "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY - timedelta(days=1)).isoformat(), "review_on": TODAY.isoformat()})
    assert bad.status_code == 400
    assert db_session.scalar(select(InterimMeasure)) is None
    ok = client.post(_url(team, vera_case, "/interim"), data={
        "code": "interim_separation", "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=30)).isoformat(),
        "review_on": (TODAY + timedelta(days=2)).isoformat()})
    assert ok.status_code == 303
    assert db_session.scalar(select(InterimMeasure)).code == "interim_separation"
    due = followups.due_counts(db_session, on=TODAY)
    assert [(d.membership.person_id, d.reviews) for d in due] == [(team.vera.id, 1)]


def test_tasks_with_due_dates_and_the_daily_reminder_says_no_content(
    app: Flask, client: Any, team: Any, vera_case: Any, db_session: Any,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
) -> None:
    past = client.post(_url(team, vera_case, "/tasks"), data={
        "kind": "ask_employer", "due_on": (TODAY - timedelta(days=1)).isoformat()})
    assert past.status_code == 400
    response = client.post(_url(team, vera_case, "/tasks"), data={
        "kind": "ask_employer", "due_on": (TODAY + timedelta(days=1)).isoformat()})
    assert response.status_code == 303
    task = db_session.scalar(select(CaseTask))
    config = app.config["TRYGG"].with_(mail_outbox=str(tmp_path))
    monkeypatch.setitem(app.config, "TRYGG", config)
    result = app.test_cli_runner().invoke(args=["trygg", "reminders"])
    assert "Task and review reminders sent: 1" in result.output, result.output
    from trygg.mail import outbox

    [mail] = [m for m in outbox(config) if "oppgaver" in m["Subject"].lower()
              or "tasks" in m["Subject"].lower()]
    body = mail.get_content()
    assert str(vera_case.case.public_id)[:8] not in body and "arbeidsgiver" not in body.lower()
    done = client.post(_url(team, vera_case, f"/tasks/{task.public_id}/done"))
    assert done.status_code == 303
    db_session.refresh(task)
    assert task.done_on == TODAY
    assert client.post(_url(team, vera_case, f"/tasks/{task.public_id}/done")).status_code == 400


def test_support_person_on_the_case_and_a_line_for_the_reporter(
    app: Flask, client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    assert client.post(_url(team, vera_case, "/support"),
                       data={"role": "union_representative"}).status_code == 303
    assert db_session.get(CaseSupport, vera_case.case.id).role == "union_representative"
    assert client.post(_url(team, vera_case, "/support"), data={"role": "boss"}).status_code == 400
    assert db_session.get(CaseSupport, vera_case.case.id).role == "union_representative"
    reporter = app.test_client()
    reporter.post(f"/r/{team.org.slug}/follow-up", data={"receipt": vera_case.receipt})
    page = reporter.get(f"/r/{team.org.slug}/follow-up").get_data(as_text=True)
    assert "støtteperson" in page


def test_retaliation_check_ins_after_hand_off_and_closure(
    app: Flask, team: Any, vera_case: Any, cases: Any, db_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = vera_case.case
    assert checkins.due_step(db_session, case, on=TODAY) is None
    db_session.add(Handoff(case=case, created_on=TODAY - timedelta(days=40),
                           released_on=TODAY - timedelta(days=35), summary=None))
    case.state, case.closed_on = "closed", TODAY - timedelta(days=10)
    db_session.commit()
    assert checkins.due_step(db_session, case, on=TODAY) == 1
    reporter = app.test_client()
    reporter.post(f"/r/{team.org.slug}/follow-up", data={"receipt": vera_case.receipt})
    page = reporter.get(f"/r/{team.org.slug}/follow-up").get_data(as_text=True)
    assert 'id="check-in-form"' in page and "data-keep-until" in page
    # An answer that names another case is refused, and nothing is recorded.
    other = cases.open(team.org)
    db_session.commit()
    refused = reporter.post(f"/r/{team.org.slug}/follow-up/check-in", data={
        "case": str(other.case.public_id), "step": "1", "answer": "yes"})
    assert refused.status_code == 400
    assert "ikke om din sak" in refused.get_data(as_text=True)
    assert db_session.scalar(select(CheckIn)) is None
    wrong_step = reporter.post(f"/r/{team.org.slug}/follow-up/check-in", data={
        "case": str(case.public_id), "step": "2", "answer": "yes"})
    assert wrong_step.status_code == 400
    before = db_session.scalar(select(Message.seq).order_by(Message.seq.desc()).limit(1))
    ok = reporter.post(f"/r/{team.org.slug}/follow-up/check-in", data={
        "case": str(case.public_id), "step": "1", "answer": "yes",
        "text": "Jeg får færre oppdrag nå."})
    assert ok.status_code == 200
    assert db_session.scalar(select(CheckIn)).step == 1
    message = db_session.scalar(select(Message).where(Message.case_id == case.id)
                                .order_by(Message.seq.desc()).limit(1))
    assert message.seq != before and "færre" not in message.body
    opened = json.loads(envelope.unseal(json.loads(message.body), vera_case.keys.private_key,
                                        case.context + "/message"))
    assert "færre oppdrag" in opened["text"]
    assert checkins.due_step(db_session, case, on=TODAY) is None
    assert checkins.due_step(db_session, case, on=TODAY + timedelta(days=60)) == 2


def test_cases_are_linked_only_by_a_handler_of_both_inside_one_organisation(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    from casework.workflow_models import CaseLink

    first = cases.open(team.org)
    second = cases.open(team.org)
    hidden = cases.open(team.org, excluded=(team.membership(team.vera),))
    login_as(team.vera)
    page = client.get(_url(team, first)).get_data(as_text=True)
    assert str(second.case.public_id) in page and str(hidden.case.public_id) not in page
    # A case this handler does not handle: refused as not found, audited, nothing linked.
    response = client.post(_url(team, first, "/links"), data={
        "other": str(hidden.case.public_id), "kind": "same_person"})
    assert response.status_code == 400
    assert db_session.scalar(select(CaseLink)) is None
    assert ("link.added", "not_found") in _refused(db_session, first)
    assert client.post(_url(team, first, "/links"), data={
        "other": str(first.case.public_id), "kind": "same_person"}).status_code == 400
    reason = _note(team, first, "Samme regissør som i den andre saken.")
    response = client.post(_url(team, first, "/links"), data={
        "other": str(second.case.public_id), "kind": "same_person", "summary": reason})
    assert response.status_code == 303
    link = db_session.scalar(select(CaseLink))
    assert link.kind == "same_person" and link.note_id is not None
    assert "regissør" not in db_session.get(Message, link.note_id).body
    page = client.get(_url(team, second)).get_data(as_text=True)
    assert f"Sak {str(first.case.public_id)[:8]}" in page
    assert client.post(_url(team, second, "/links"), data={
        "other": str(first.case.public_id), "kind": "same_production"}).status_code == 400
