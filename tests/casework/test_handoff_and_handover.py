"""Hand-off with consent; adding a handler with re-sealed keys; excluded handlers refused."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from casework import handoff as handoff_service
from casework import handover
from casework.models import AuditEntry, CaseHandler, Handoff, Message
from casework.vocabulary import handoff_checklist
from crypto import envelope
from tests.casework.conftest import private_key
from tests.conftest import new_key


def _url(team: Any, opened: Any, path: str = "") -> str:
    return f"/orgs/{team.org.slug}/cases/{opened.case.public_id}{path}"


def _summary(team: Any, opened: Any, text: str = "En leder har gjentatte ganger tatt på en "
             "medarbeider på fest.") -> str:
    doc = json.dumps({"type": "trygg/handoff", "v": 1, "text": text}).encode()
    sealed = envelope.seal(doc, [team.vera.public_key, opened.keys.public_key],
                           opened.case.context + "/handoff")
    return json.dumps(sealed)


@pytest.fixture()
def vera_case(client: Any, login_as: Any, team: Any, cases: Any) -> Any:
    opened = cases.open(team.org)
    login_as(team.vera)
    return opened


def test_summary_needs_the_whole_checklist(client: Any, team: Any, vera_case: Any,
                                           db_session: Any) -> None:
    response = client.post(_url(team, vera_case, "/handoff"), data={
        "summary": _summary(team, vera_case), "kind": "anonymised", "recipient": "hr",
        "checklist": list(handoff_checklist("anonymised")[:-1])})
    assert response.status_code == 400
    assert "sjekklisten" in response.get_data(as_text=True)
    assert db_session.scalar(select(Handoff)) is None


def test_summary_released_only_after_consent_to_its_version(
    client: Any, team: Any, vera_case: Any, cases: Any, db_session: Any
) -> None:
    # Consent given before any summary does not count for it.
    cases.reporter_says(vera_case, "Ja, dere kan si det til ledelsen.", kind="consent")
    response = client.post(_url(team, vera_case, "/handoff"), data={
        "summary": _summary(team, vera_case), "kind": "anonymised", "recipient": "hr",
        "checklist": list(handoff_checklist("anonymised"))})
    assert response.status_code == 303
    handoff = db_session.scalar(select(Handoff))
    assert handoff.after_seq == 1 and handoff.released_on is None
    response = client.post(_url(team, vera_case, "/handoff/release"))
    assert response.status_code == 400
    assert "samtykke" in response.get_data(as_text=True)
    db_session.refresh(handoff)
    assert handoff.released_on is None
    # A plain message is not consent either.
    cases.reporter_says(vera_case, "Jeg må tenke på det.")
    assert client.post(_url(team, vera_case, "/handoff/release")).status_code == 400
    # A general consent in the thread never releases; consent to this version does.
    cases.reporter_says(vera_case, "Ja, sammendraget er greit.", kind="consent")
    assert client.post(_url(team, vera_case, "/handoff/release")).status_code == 400
    handoff_service.give_consent(db_session, vera_case.case, handoff_id=handoff.public_id,
                                 version=handoff.version, may_name_me=False, on=date.today())
    db_session.commit()
    response = client.post(_url(team, vera_case, "/handoff/release"))
    assert response.status_code == 303
    db_session.refresh(handoff)
    assert handoff.released_on is not None
    actions = db_session.scalars(select(AuditEntry.action).where(
        AuditEntry.case_id == vera_case.case.id, AuditEntry.outcome == "ok")).all()
    assert "handoff.written" in actions and "handoff.released" in actions
    # The summary opens for the reporter (they agreed to what they could read).
    text = envelope.unseal(json.loads(handoff.summary), vera_case.keys.private_key,
                           vera_case.case.context + "/handoff")
    assert b"gjentatte ganger" in text
    page = client.get(_url(team, vera_case, f"/handoff/{handoff.public_id}"))
    assert page.status_code == 200


def test_summary_not_sealed_to_the_reporter_is_refused(client: Any, team: Any,
                                                       vera_case: Any) -> None:
    sealed = envelope.seal(b"x", [team.vera.public_key], vera_case.case.context + "/handoff")
    response = client.post(_url(team, vera_case, "/handoff"), data={
        "summary": json.dumps(sealed), "kind": "anonymised", "recipient": "hr",
        "checklist": list(handoff_checklist("anonymised"))})
    assert response.status_code == 400


def _resealed(db_session: Any, opened: Any, sk: bytes, new_pk: bytes) -> dict[str, Any]:
    """What the browser sends: every envelope with one more recipient."""
    contexts = {"report": "/report", "message": "/message", "attachment-key": "/attachment",
                "attachment-meta": "/attachment-meta", "handoff": "/handoff"}
    out = {}
    for name, (row, attr) in handover.sealed_items(db_session, opened.case).items():
        prefix = name.split(":")[0]
        out[name] = envelope.add_recipients(json.loads(getattr(row, attr)), sk, [new_pk],
                                            opened.case.context + contexts[prefix])
    return out


def _stored(db_session: Any, opened: Any) -> dict[str, str]:
    items = handover.sealed_items(db_session, opened.case)
    return {name: getattr(row, attr) for name, (row, attr) in items.items()}


@pytest.fixture()
def with_thread(client: Any, team: Any, vera_case: Any, cases: Any) -> Any:
    cases.reporter_says(vera_case, "Har du fått meldingen?")
    note = envelope.seal(b'{"text":"internt"}', [team.vera.public_key],
                         vera_case.case.context + "/message")
    assert client.post(_url(team, vera_case, "/messages"),
                       json={"kind": "note", "body": note,
                             "idempotency_key": new_key()}).status_code == 201
    return vera_case


def test_adding_a_handler_reseals_everything_and_they_can_read_it(
    client: Any, team: Any, with_thread: Any, db_session: Any, factory: Any
) -> None:
    opened = with_thread
    kari = factory.person(team.org, "handler", title="Verneombud 2")
    kari_m = team.membership(kari)
    items = _resealed(db_session, opened, private_key(team.vera), kari.public_key)
    response = client.post(_url(team, opened, "/handlers"),
                           json={"handler": str(kari_m.public_id), "items": items})
    assert response.status_code == 201, response.get_json()
    assert db_session.scalar(select(CaseHandler).where(
        CaseHandler.case_id == opened.case.id, CaseHandler.membership_id == kari_m.id))
    sk = private_key(kari)
    for name, (row, attr) in handover.sealed_items(db_session, opened.case).items():
        suffix = {"report": "/report", "message": "/message"}[name.split(":")[0]]
        assert envelope.unseal(json.loads(getattr(row, attr)), sk, opened.case.context + suffix)
    # From now on, replies must be sealed to the new handler too.
    old = envelope.seal(b"x", [team.vera.public_key, opened.keys.public_key],
                        opened.case.context + "/message")
    assert client.post(_url(team, opened, "/messages"),
                       json={"kind": "message", "body": old,
                             "idempotency_key": new_key()}).status_code == 400


@pytest.mark.parametrize("tamper", ["missing item", "changed ciphertext", "wrong key",
                                    "dropped recipient"])
def test_a_bad_reseal_changes_nothing(client: Any, team: Any, with_thread: Any,
                                      db_session: Any, factory: Any, tamper: str) -> None:
    opened = with_thread
    kari = factory.person(team.org, "handler")
    items = _resealed(db_session, opened, private_key(team.vera), kari.public_key)
    before = _stored(db_session, opened)
    if tamper == "missing item":
        items.pop(next(n for n in items if n.startswith("message:")))
    elif tamper == "changed ciphertext":
        items["report"]["ct"] = items["report"]["ct"][:-4] + "AAAA"
    elif tamper == "wrong key":
        items = _resealed(db_session, opened, private_key(team.vera), team.stranger.public_key)
    else:
        items["report"]["recipients"] = items["report"]["recipients"][1:]
    response = client.post(_url(team, opened, "/handlers"),
                           json={"handler": str(team.membership(kari).public_id), "items": items})
    assert response.status_code in (400, 409)
    db_session.expire_all()
    after = _stored(db_session, opened)
    assert after == before
    assert len(opened.case.handlers) == 1


def test_an_excluded_handler_is_refused_like_anyone_who_cannot_be_added(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any, factory: Any
) -> None:
    kari = factory.person(team.org, "handler")
    opened = cases.open(team.org, excluded=(team.membership(kari),))
    login_as(team.vera)
    items = _resealed(db_session, opened, private_key(team.vera), kari.public_key)
    excluded = client.post(_url(team, opened, "/handlers"),
                           json={"handler": str(team.membership(kari).public_id), "items": items})
    leader = team.leader.memberships[0]  # not a handler at all
    nobody = client.post(_url(team, opened, "/handlers"),
                         json={"handler": str(leader.public_id), "items": items})
    assert excluded.status_code == nobody.status_code == 400
    # Same status, same body, code included: a colleague cannot tell an exclusion apart.
    assert excluded.get_json() == nobody.get_json()
    key = client.get(_url(team, opened, f"/handlers/{team.membership(kari).public_id}/key"))
    assert key.status_code == 400
    assert kari.public_key not in [m.person.public_key for m in
                                   handover.candidates(db_session, opened.case)]
    refusals = db_session.scalars(select(AuditEntry.detail).where(
        AuditEntry.case_id == opened.case.id, AuditEntry.outcome == "refused")).all()
    # The trail handlers read shows both refusals alike.
    assert refusals.count("not_a_handler") >= 2
    assert "handler_excluded" not in refusals
    assert db_session.scalar(select(CaseHandler).where(
        CaseHandler.membership_id == team.membership(kari).id)) is None
    # Kari sees nothing of it.
    client.post("/logout")
    login_as(kari)
    inbox = client.get(f"/orgs/{team.org.slug}/cases?state=all").get_data(as_text=True)
    assert str(opened.case.public_id)[:8] not in inbox


def test_hand_over_and_leave(client: Any, team: Any, with_thread: Any, db_session: Any,
                             factory: Any) -> None:
    opened = with_thread
    kari = factory.person(team.org, "handler")
    items = _resealed(db_session, opened, private_key(team.vera), kari.public_key)
    response = client.post(_url(team, opened, "/handlers"), json={
        "handler": str(team.membership(kari).public_id), "items": items, "leave": True})
    assert response.status_code == 201
    # Vera is gone from the case and from its envelopes.
    assert client.get(_url(team, opened)).status_code == 404
    vera_kid = envelope.kid(team.vera.public_key)
    for row, attr in handover.sealed_items(db_session, opened.case).values():
        assert vera_kid not in envelope.recipient_kids(json.loads(getattr(row, attr)))
    messages = db_session.scalars(select(Message).where(Message.case_id == opened.case.id)).all()
    assert len(messages) == 2


def test_the_last_handler_cannot_leave(client: Any, team: Any, vera_case: Any) -> None:
    response = client.post(_url(team, vera_case, "/leave"))
    assert response.status_code == 400
    assert client.get(_url(team, vera_case)).status_code == 200


def test_an_exclusion_outlives_the_membership(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any, factory: Any
) -> None:
    """Removing an excluded handler's role and appointing them again must not lift the
    reporter's exclusion: it belongs to the person, not to one appointment."""
    from accounts import admin, services

    kari = factory.person(team.org, "handler", title="Verneombud 2")
    opened = cases.open(team.org, excluded=(team.membership(kari),))
    admin.remove_membership(db_session, team.org, team.membership(kari).public_id)
    db_session.expire_all()
    again = services.appoint(db_session, team.org, kari, "handler", title="Verneombud 2")
    db_session.flush()
    db_session.expire_all()
    login_as(team.vera)
    assert kari.public_key not in [m.person.public_key for m in
                                   handover.candidates(db_session, opened.case)]
    items = _resealed(db_session, opened, private_key(team.vera), kari.public_key)
    refused = client.post(_url(team, opened, "/handlers"),
                          json={"handler": str(again.public_id), "items": items})
    leader = team.leader.memberships[0]  # not a handler at all
    nobody = client.post(_url(team, opened, "/handlers"),
                         json={"handler": str(leader.public_id), "items": items})
    assert refused.status_code == nobody.status_code == 400
    assert refused.get_json()["message"] == nobody.get_json()["message"]
    key = client.get(_url(team, opened, f"/handlers/{again.public_id}/key"))
    assert key.status_code == 400
    assert db_session.scalar(select(CaseHandler).where(
        CaseHandler.case_id == opened.case.id, CaseHandler.membership_id == again.id)) is None
    # Kari sees nothing of it.
    client.post("/logout")
    login_as(kari)
    inbox = client.get(f"/orgs/{team.org.slug}/cases?state=all").get_data(as_text=True)
    assert str(opened.case.public_id)[:8] not in inbox
    assert client.get(_url(team, opened)).status_code == 404
