"""The case through the handler's forms: states, messages, assessment, decisions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.models import Assessment, AuditEntry, Case, Message
from crypto import envelope
from crypto._b64 import b64d
from tests.casework.conftest import private_key
from tests.conftest import new_key
from trygg import clock


def _case_url(team: Any, opened: Any, path: str = "") -> str:
    return f"/orgs/{team.org.slug}/cases/{opened.case.public_id}{path}"


def _audit(db_session: Any, case: Any) -> list[tuple[str, str, str]]:
    rows = db_session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id)
                              .order_by(AuditEntry.seq))
    return [(e.action, e.detail, e.outcome) for e in rows]


def _state(client: Any, team: Any, opened: Any, to: str, reason: str,
           from_state: str | None = None, note: str = "") -> Any:
    return client.post(_case_url(team, opened, "/state"), data={
        "from_state": from_state or opened.case.state, "to": to, "reason": reason, "note": note,
    })


@pytest.fixture()
def vera_case(client: Any, login_as: Any, team: Any, cases: Any) -> Any:
    opened = cases.open(team.org)
    login_as(team.vera)
    return opened


def test_state_moves_forward_with_a_reason_and_is_logged(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    response = _state(client, team, vera_case, "acknowledged", "receipt_confirmed")
    assert response.status_code == 303
    case = db_session.get(Case, vera_case.case.id)
    assert case.state == "acknowledged"
    assert case.acknowledged_on == clock.today()
    change = ("case.state", "received>acknowledged:receipt_confirmed", "ok")
    assert change in _audit(db_session, case)
    page = client.get(_case_url(team, vera_case)).get_data(as_text=True)
    assert "Mottatt → Bekreftet mottatt" in page or "Received → Acknowledged" in page


@pytest.mark.parametrize(("to", "reason", "status"), [
    ("closed", "no_measures_needed", 409),      # out of order
    ("measures", "measures_decided", 409),      # skips two states
    ("acknowledged", "measures_completed", 400),  # a reason of another transition
    ("nonsense", "receipt_confirmed", 400),   # not a state at all
])
def test_out_of_order_or_wrong_reason_changes_nothing_but_logs_the_refusal(
    client: Any, team: Any, vera_case: Any, db_session: Any, to: str, reason: str, status: int
) -> None:
    before = _audit(db_session, vera_case.case)
    response = _state(client, team, vera_case, to, reason)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert "Ingenting ble endret" in page  # bokmål by default
    case = db_session.get(Case, vera_case.case.id)
    assert case.state == "received" and case.acknowledged_on is None
    after = _audit(db_session, vera_case.case)
    assert after[: len(before)] == before
    assert [a[2] for a in after[len(before):]] == ["refused"]


def test_a_stale_form_is_refused(client: Any, team: Any, vera_case: Any, db_session: Any) -> None:
    assert _state(client, team, vera_case, "acknowledged", "receipt_confirmed").status_code == 303
    # The same form again, still saying the case was "received".
    response = _state(client, team, vera_case, "acknowledged", "receipt_confirmed",
                      from_state="received")
    assert response.status_code == 409
    assert db_session.get(Case, vera_case.case.id).state == "acknowledged"


def test_errors_speak_english_when_asked(client: Any, team: Any, vera_case: Any) -> None:
    response = client.post(_case_url(team, vera_case, "/state") + "?lang=en", data={
        "from_state": "received", "to": "closed", "reason": "no_measures_needed"})
    assert "Nothing was changed" in response.get_data(as_text=True)


ASSESSMENT = {"kind": "sexual_harassment", "nature": "physical",
              "explicitness": "clearly_sexual", "frequency": "repeated", "relation": "superior",
              "power": "strong", "consequences": "impaired_work", "prior": "none",
              "aggravating": ["told_unwanted", "alcohol"], "context": ["party_premiere"]}


def _to_assessing(client: Any, team: Any, opened: Any) -> None:
    assert _state(client, team, opened, "acknowledged", "receipt_confirmed").status_code == 303
    assert _state(client, team, opened, "assessing", "information_sufficient").status_code == 303


def test_assessment_and_decisions_are_stored_as_codes(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    _to_assessing(client, team, vera_case)
    # Measures need an assessment first.
    assert _state(client, team, vera_case, "measures", "measures_decided").status_code == 400
    response = client.post(_case_url(team, vera_case, "/assessment"), data=ASSESSMENT)
    assert response.status_code == 303
    assessment = db_session.get(Assessment, vera_case.case.id)
    assert (assessment.level, assessment.model_version) == (4, "2")
    assert sorted(a.code for a in assessment.aggravating) == ["alcohol", "told_unwanted"]
    assert [c.code for c in assessment.contexts] == ["party_premiere"]
    page = client.get(_case_url(team, vera_case)).get_data(as_text=True)
    assert "Nivå 4 av 5" in page
    assert "23 15 73 00" in page  # LDO from the referral directory, with contacts
    seen = assessment.updated_at.isoformat()
    response = client.post(_case_url(team, vera_case, "/decisions"), data={
        "seen": seen, "reactions": ["change_of_roles", "follow_up_support"],
        "referrals": ["ldo"], "outcome": "substantiated"})
    assert response.status_code == 303
    db_session.refresh(assessment)
    assert sorted(r.code for r in assessment.reactions) == ["change_of_roles", "follow_up_support"]
    assert [r.code for r in assessment.referrals] == ["ldo"]
    assert assessment.outcome == "substantiated"
    assert _state(client, team, vera_case, "measures", "measures_decided").status_code == 303
    assert _state(client, team, vera_case, "closed", "measures_completed").status_code == 303
    case = db_session.get(Case, vera_case.case.id)
    assert case.state == "closed" and case.closed_on == clock.today()
    actions = [a[0] for a in _audit(db_session, case) if a[2] == "ok"]
    assert actions.count("case.state") == 4
    assert "assessment.recorded" in actions and "decisions.recorded" in actions


@pytest.mark.parametrize("bad", [{"nature": "rude"}, {"relation": "boss"},
                                 {"aggravating": ["drunk"]}, {"power": ""},
                                 {"explicitness": "very"}, {"prior": ""}, {"kind": "crime"},
                                 {"context": ["bar"]}, {"risk_factors": ["custom:x"]},
                                 {"nature": "sexual_assault"}])
def test_assessment_outside_the_vocabulary_is_refused(
    client: Any, team: Any, vera_case: Any, db_session: Any, bad: dict[str, Any]
) -> None:
    _to_assessing(client, team, vera_case)
    response = client.post(_case_url(team, vera_case, "/assessment"), data={**ASSESSMENT, **bad})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ingenting ble lagret" in page
    field = "criminal" if bad.get("nature") == "sexual_assault" else next(iter(bad))
    assert f'id="{field}-error"' in page  # the message stands beside the field
    assert "not a valid choice" not in page  # in the page's language
    assert db_session.get(Assessment, vera_case.case.id) is None
    assert _audit(db_session, vera_case.case)[-1][2] == "refused"


def test_decisions_outside_the_vocabulary_or_stale_are_refused(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    _to_assessing(client, team, vera_case)
    client.post(_case_url(team, vera_case, "/assessment"), data=ASSESSMENT)
    assessment = db_session.get(Assessment, vera_case.case.id)
    seen = assessment.updated_at.isoformat()
    for data, status in [({"reactions": ["flogging"]}, 400), ({"referrals": ["nowhere"]}, 400),
                         ({"outcome": "guilty"}, 400), ({"seen": "2000-01-01T00:00:00"}, 409)]:
        response = client.post(_case_url(team, vera_case, "/decisions"),
                               data={"seen": seen, "reactions": ["conversation"], **data})
        assert response.status_code == status, data
        db_session.refresh(assessment)
        assert assessment.reactions == [] and assessment.outcome is None


def test_an_empty_assessment_says_what_is_missing_beside_the_fields(
    client: Any, team: Any, vera_case: Any
) -> None:
    _to_assessing(client, team, vera_case)
    response = client.post(_case_url(team, vera_case, "/assessment"), data={})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "ikke besvart" in page  # not "a value that is not one of the choices"
    assert "ikke er blant valgene" not in page
    assert 'id="assessment-errors"' in page and 'href="#nature-error"' in page


def test_an_empty_decision_is_refused_not_audited(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    _to_assessing(client, team, vera_case)
    client.post(_case_url(team, vera_case, "/assessment"), data=ASSESSMENT)
    assessment = db_session.get(Assessment, vera_case.case.id)
    before = _audit(db_session, vera_case.case)
    response = client.post(_case_url(team, vera_case, "/decisions"),
                           data={"seen": assessment.updated_at.isoformat()})
    assert response.status_code == 400
    assert "Velg minst én anbefaling" in response.get_data(as_text=True)
    new = [e for e in _audit(db_session, vera_case.case) if e not in before]
    assert new == [("decisions.recorded", "empty_decision", "refused")]  # refused, not recorded


def test_closing_needs_an_outcome_unless_withdrawn(client: Any, team: Any, vera_case: Any,
                                                   db_session: Any) -> None:
    _to_assessing(client, team, vera_case)
    client.post(_case_url(team, vera_case, "/assessment"), data=ASSESSMENT)
    assert _state(client, team, vera_case, "closed", "no_measures_needed").status_code == 400
    assert _state(client, team, vera_case, "closed", "withdrawn_by_reporter").status_code == 303
    # Reopening gives a fresh feedback deadline and cancels a pending purge warning.
    case = db_session.get(Case, vera_case.case.id)
    case.purge_warned_on = clock.today()
    db_session.flush()
    assert _state(client, team, vera_case, "assessing", "new_information").status_code == 303
    case = db_session.get(Case, vera_case.case.id)
    assert case.state == "assessing" and case.closed_on is None and case.purge_warned_on is None
    assert _audit(db_session, case)[-1][0] == "case.reopened"


def _reply(client: Any, team: Any, opened: Any, db_session: Any, kind: str, text: str,
           recipients: list[bytes], feedback: bool = False) -> Any:
    body = envelope.seal(json.dumps({"type": "trygg/message", "v": 1, "text": text}).encode(),
                         recipients, opened.case.context + "/message")
    return client.post(_case_url(team, opened, "/messages"),
                       json={"kind": kind, "body": body,
                             "idempotency_key": new_key(), "feedback": feedback})


def test_reply_sealed_to_reporter_and_handlers_opens_with_the_receipt(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    handlers = [team.vera.public_key]  # rolf is external: not chosen while vera is there
    recipients = [*handlers, vera_case.keys.public_key]
    response = _reply(client, team, vera_case, db_session, "message", "Takk, vi tar kontakt.",
                      recipients, feedback=True)
    assert response.status_code == 201, response.get_json()
    message = db_session.scalar(select(Message).where(Message.case_id == vera_case.case.id))
    assert (message.sender, message.kind, message.seq) == ("handler", "message", 1)
    body = json.loads(message.body)
    opened = envelope.unseal(body, vera_case.keys.private_key, vera_case.case.context + "/message")
    assert json.loads(opened)["text"] == "Takk, vi tar kontakt."
    assert envelope.unseal(body, private_key(team.vera), vera_case.case.context + "/message")
    assert db_session.get(Case, vera_case.case.id).feedback_on == clock.today()
    assert _audit(db_session, vera_case.case)[-1][:2] == ("message.sent", "feedback")


@pytest.mark.parametrize("case", ["missing reporter", "note to reporter", "stranger", "garbage"])
def test_replies_sealed_to_the_wrong_people_are_refused(
    client: Any, team: Any, vera_case: Any, db_session: Any, case: str
) -> None:
    kind, recipients = {
        "missing reporter": ("message", [team.vera.public_key]),
        "note to reporter": ("note", [team.vera.public_key, vera_case.keys.public_key]),
        "stranger": ("message", [team.vera.public_key, vera_case.keys.public_key,
                                 team.stranger.public_key]),
        "garbage": ("message", []),
    }[case]
    if recipients:
        response = _reply(client, team, vera_case, db_session, kind, "hei", recipients)
    else:
        response = client.post(_case_url(team, vera_case, "/messages"),
                               json={"kind": kind, "body": {"v": 1}, "idempotency_key": new_key()})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_envelope"
    assert db_session.scalar(select(Message).where(Message.case_id == vera_case.case.id)) is None
    assert _audit(db_session, vera_case.case)[-1][2] == "refused"


def test_note_for_handlers_only(client: Any, team: Any, vera_case: Any, db_session: Any) -> None:
    response = _reply(client, team, vera_case, db_session, "note", "Ring henne i morgen.",
                      [team.vera.public_key])
    assert response.status_code == 201
    message = db_session.scalar(select(Message).where(Message.case_id == vera_case.case.id))
    assert message.kind == "note"
    with pytest.raises(envelope.EnvelopeError):
        envelope.unseal(json.loads(message.body), vera_case.keys.private_key,
                        vera_case.case.context + "/message")


def test_sealed_json_has_everything_the_browser_needs(client: Any, team: Any,
                                                      vera_case: Any) -> None:
    data = client.get(_case_url(team, vera_case, "/sealed")).get_json()
    assert data["contexts"]["report"] == vera_case.case.context + "/report"
    report = envelope.unseal(data["report"], private_key(team.vera), data["contexts"]["report"])
    assert json.loads(report)["what"].startswith("Han tok meg")
    assert [h["me"] for h in data["handlers"]] == [True]


def test_state_change_with_a_sealed_note(client: Any, team: Any, vera_case: Any,
                                         db_session: Any) -> None:
    note = envelope.seal(b'{"type":"trygg/note","v":1,"text":"Snakket med henne"}',
                         [team.vera.public_key], vera_case.case.context + "/message")
    response = _state(client, team, vera_case, "acknowledged", "receipt_confirmed",
                      note=json.dumps(note))
    assert response.status_code == 303
    message = db_session.scalar(select(Message).where(Message.case_id == vera_case.case.id))
    assert message.kind == "note"
    trail = _audit(db_session, vera_case.case)
    assert ("note.added", "", "ok") in trail  # the note is in the trail like any other
    assert ("case.state", "received>acknowledged:receipt_confirmed", "ok") in trail
    # A "note" also sealed to the reporter is refused, and the state stays.
    leaky = envelope.seal(b"x", [team.vera.public_key, vera_case.keys.public_key],
                          vera_case.case.context + "/message")
    response = _state(client, team, vera_case, "assessing", "information_sufficient",
                      note=json.dumps(leaky))
    assert response.status_code == 400
    assert db_session.get(Case, vera_case.case.id).state == "acknowledged"


def test_an_attachment_or_summary_of_another_case_is_a_logged_refusal(
    client: Any, team: Any, vera_case: Any, cases: Any, db_session: Any
) -> None:
    other = cases.open(team.org)  # also Vera's
    attachment = cases.attach(other, b"bilde")
    mine = cases.attach(vera_case, b"delvis")
    mine.complete = False  # an unfinished upload is not served either
    db_session.commit()
    for item in (attachment, mine):
        response = client.get(_case_url(team, vera_case, f"/attachments/{item.public_id}"))
        assert response.status_code == 404
    refused = [e for e in _audit(db_session, vera_case.case) if e[2] == "refused"]
    assert refused == [("attachment.downloaded", "not_found", "refused")] * 2
    # A summary that is not this case's (here: none at all) is the same.
    response = client.get(_case_url(team, vera_case, f"/handoff/{other.case.public_id}"))
    assert response.status_code == 404
    assert ("handoff.printed", "not_found", "refused") in _audit(db_session, vera_case.case)


def test_a_deactivated_colleague_does_not_block_replies(
    client: Any, team: Any, vera_case: Any, db_session: Any, factory: Any
) -> None:
    """The page seals to the handlers `sealed` gives keys for; the server checks against
    handler_keys. Both must leave out a deactivated handler, or every reply is refused."""
    from casework.models import CaseHandler

    kari = factory.person(team.org, "handler", title="Verneombud 2")
    db_session.add(CaseHandler(case_id=vera_case.case.id,
                               membership_id=team.membership(kari).id, added_on=clock.today()))
    kari.active = False
    db_session.commit()
    data = client.get(_case_url(team, vera_case, "/sealed")).get_json()
    assert len(data["handlers"]) == 2  # still on the case, and shown
    for kind in ("message", "note"):
        # What handler-case.js recipients() does: every handler with a key (+ the reporter).
        keys = [b64d(h["public_key"]) for h in data["handlers"] if h["public_key"]]
        if kind == "message":
            keys.append(b64d(data["reporter_public_key"]))
        body = envelope.seal(b'{"text":"Takk"}', keys, data["contexts"]["message"])
        response = client.post(_case_url(team, vera_case, "/messages"),
                               json={"kind": kind, "body": body, "idempotency_key": new_key()})
        assert response.status_code == 201, response.get_json()


def test_a_sexual_assault_not_marked_criminal_is_refused_beside_the_field(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    _to_assessing(client, team, vera_case)
    response = client.post(_case_url(team, vera_case, "/assessment") + "?lang=en",
                           data={**ASSESSMENT, "nature": "sexual_assault"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="criminal-error"' in page
    assert "A sexual assault is always a possible criminal offence" in page
    assert db_session.get(Assessment, vera_case.case.id) is None


def test_the_case_page_frames_the_assessment_as_preliminary_recommendations(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    _to_assessing(client, team, vera_case)
    client.post(_case_url(team, vera_case, "/assessment"),
                data={**ASSESSMENT, "minor_involved": "y", "criminal": "y"})
    page = client.get(_case_url(team, vera_case)).get_data(as_text=True)
    assert "Foreløpig vurdering, basert på det den som meldte har fortalt" in page
    assert "All seksuell trakassering er ulovlig" in page
    assert "Anbefalinger til arbeidsgiveren" in page
    assert "§ 196" in page and "barnevernet" in page  # the minor's duties
    assert "Lite alvorlig" not in page


def test_a_version_1_assessment_is_shown_as_version_1(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    _to_assessing(client, team, vera_case)
    db_session.add(Assessment(
        case_id=vera_case.case.id, model_version="1", nature="physical", frequency="repeated",
        relation="superior", power="strong", consequences="impaired_work", criminal=False,
        level=4, assessed_on=clock.today(),
    ))
    db_session.commit()
    page = client.get(_case_url(team, vera_case) + "?lang=en").get_data(as_text=True)
    assert "Level 4 of 5" in page and "model version 1" in page
    assert 'id="assessment-v1"' in page


def test_what_the_employer_did_is_recorded_apart_from_the_recommendations(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    _to_assessing(client, team, vera_case)
    client.post(_case_url(team, vera_case, "/assessment"), data=ASSESSMENT)
    assessment = db_session.get(Assessment, vera_case.case.id)
    url = _case_url(team, vera_case, "/employer-actions")
    seen = assessment.updated_at.isoformat()
    future = (clock.today().replace(year=clock.today().year + 1)).isoformat()
    for data in ({"actions": ["flogging"]}, {"actions": ["written_warning"]},
                 {"actions": ["written_warning"], "decided_on": future,
                  "source": "written_answer"},
                 {"actions": ["written_warning"], "decided_on": clock.today().isoformat()}):
        response = client.post(url, data={"seen": seen, **data})
        assert response.status_code == 400, data
        db_session.refresh(assessment)
        assert assessment.employer_actions == []
    response = client.post(url, data={
        "seen": seen, "actions": ["written_warning", "training"],
        "decided_on": clock.today().isoformat(), "source": "written_answer"})
    assert response.status_code == 303
    db_session.refresh(assessment)
    assert sorted(a.code for a in assessment.employer_actions) == ["training", "written_warning"]
    assert assessment.reactions == []  # recommendations are separate
    actions = [a[0] for a in _audit(db_session, vera_case.case) if a[2] == "ok"]
    assert "employer_actions.recorded" in actions
    from casework import export

    exported = export._assessment(assessment)
    assert sorted(exported["employer_actions"], key=lambda a: a["code"]) == [
        {"code": c, "decided_on": clock.today().isoformat(), "source": "written_answer"}
        for c in ("training", "written_warning")
    ]
    assert (exported["kind"], exported["context"]) == ("sexual_harassment", ["party_premiere"])


@pytest.mark.parametrize("kind", ["message", "note"])
def test_a_resent_reply_or_note_is_stored_and_audited_once(
    client: Any, team: Any, vera_case: Any, db_session: Any, kind: str
) -> None:
    recipients = [team.vera.public_key]
    if kind == "message":
        recipients.append(vera_case.keys.public_key)
    body = envelope.seal(b'{"text": "en gang"}', recipients, vera_case.case.context + "/message")
    data = {"kind": kind, "body": body, "idempotency_key": new_key()}
    url = _case_url(team, vera_case, "/messages")
    first = client.post(url, json=data)
    again = client.post(url, json=data)  # the answer was lost; the browser sends it again
    assert (first.status_code, again.status_code) == (201, 201), again.get_json()
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db_session.scalar(select(func.count(Message.id)).where(
        Message.case_id == vera_case.case.id)) == 1
    action = "message.sent" if kind == "message" else "note.added"
    assert len([a for a in _audit(db_session, vera_case.case) if a[0] == action]) == 1
    no_key = {k: v for k, v in data.items() if k != "idempotency_key"}
    assert client.post(url, json=no_key).status_code == 400
