"""Hand-off, both kinds: the reporter reads the exact text and consents to that version
(issue 12). Each bad input is refused with a clear message and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from casework.models import AuditEntry, Handoff
from casework.services import today
from casework.vocabulary import handoff_checklist
from crypto import envelope

TEXT_1 = "En person med ansvar har gjentatte ganger tatt på en medarbeider på fest."
TEXT_2 = "En person med ansvar har flere ganger tatt på en medarbeider, også etter beskjed."


def _url(team: Any, opened: Any, path: str = "") -> str:
    return f"/orgs/{team.org.slug}/cases/{opened.case.public_id}{path}"


def _sealed(team: Any, opened: Any, text: str) -> str:
    doc = json.dumps({"type": "trygg/handoff", "v": 1, "text": text}).encode()
    return json.dumps(envelope.seal(doc, [team.vera.public_key, opened.keys.public_key],
                                    opened.case.context + "/handoff"))


def _save(client: Any, team: Any, opened: Any, text: str = TEXT_1, *, kind: str = "anonymised",
          recipient: str = "daglig_leder", checklist: Any = None, **extra: Any) -> Any:
    data = {"summary": _sealed(team, opened, text), "kind": kind, "recipient": recipient,
            "checklist": list(handoff_checklist(kind) if checklist is None else checklist),
            **extra}
    return client.post(_url(team, opened, "/handoff"), data=data)


@pytest.fixture()
def vera_case(client: Any, login_as: Any, team: Any, cases: Any) -> Any:
    opened = cases.open(team.org)
    login_as(team.vera)
    return opened


@pytest.fixture()
def reporter(app: Flask, team: Any, vera_case: Any) -> Any:
    """The reporter, signed in with the receipt without JavaScript (keys in server memory)."""
    browser = app.test_client()
    response = browser.post(f"/r/{team.org.slug}/follow-up", data={"receipt": vera_case.receipt})
    assert response.status_code == 303
    return browser


def _page(reporter: Any, team: Any) -> str:
    response = reporter.get(f"/r/{team.org.slug}/follow-up")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _answer(reporter: Any, team: Any, handoff: Handoff, version: int | None = None,
            action: str = "consent", **extra: Any) -> Any:
    data = {"handoff": str(handoff.public_id),
            "version": str(handoff.version if version is None else version), **extra}
    if action == "consent":
        data.setdefault("agree", "y")
    return reporter.post(f"/r/{team.org.slug}/follow-up/handoff/{action}", data=data)


def _refusals(db_session: Any, opened: Any) -> list[tuple[str, str]]:
    return [(e.action, e.detail) for e in db_session.scalars(
        select(AuditEntry).where(AuditEntry.case_id == opened.case.id,
                                 AuditEntry.outcome == "refused"))]


def _release(client: Any, team: Any, opened: Any) -> Any:
    return client.post(_url(team, opened, "/handoff/release"))


def test_early_general_consent_never_blocks_the_question_and_never_releases(
    client: Any, team: Any, vera_case: Any, cases: Any, reporter: Any, db_session: Any
) -> None:
    cases.reporter_says(vera_case, "Ja, dere kan si det til ledelsen.", kind="consent")
    db_session.commit()
    assert _save(client, team, vera_case).status_code == 303
    handoff = db_session.scalar(select(Handoff))
    assert handoff.version == 1 and handoff.consent_version is None
    # The reporter reads the exact text, opened in server memory for this response.
    page = _page(reporter, team)
    assert TEXT_1 in page and 'id="handoff-consent-form"' in page
    assert 'name="version" value="1"' in page
    # The general consent does not release it.
    response = _release(client, team, vera_case)
    assert response.status_code == 400
    assert "versjonen" in response.get_data(as_text=True)
    assert ("handoff.released", "consent_missing") in _refusals(db_session, vera_case)
    assert _answer(reporter, team, handoff).status_code == 200
    db_session.refresh(handoff)
    assert handoff.consent_version == 1 and handoff.consented_on == today()
    assert _release(client, team, vera_case).status_code == 303
    db_session.refresh(handoff)
    assert handoff.released_on is not None
    # Released: the page shows it as given, and asks nothing any more.
    page = _page(reporter, team)
    assert 'id="handoff-consent-form"' not in page and TEXT_1 in page


def test_a_changed_text_needs_consent_again_and_consent_can_be_withdrawn(
    client: Any, team: Any, vera_case: Any, reporter: Any, db_session: Any
) -> None:
    _save(client, team, vera_case)
    handoff = db_session.scalar(select(Handoff))
    assert _answer(reporter, team, handoff, version=1).status_code == 200
    # The handler changes the text: the consent to version 1 no longer counts.
    assert _save(client, team, vera_case, TEXT_2).status_code == 303
    db_session.refresh(handoff)
    assert handoff.version == 2 and handoff.consent_version is None
    assert _release(client, team, vera_case).status_code == 400
    # A consent to the version the reporter read before is refused, and nothing changes.
    response = _answer(reporter, team, handoff, version=1)
    assert response.status_code == 409
    assert "endret" in response.get_data(as_text=True)
    db_session.refresh(handoff)
    assert handoff.consent_version is None
    page = _page(reporter, team)
    assert TEXT_2 in page and TEXT_1 not in page
    assert _answer(reporter, team, handoff, version=2).status_code == 200
    # Withdrawn before release: the release is refused.
    assert _answer(reporter, team, handoff, action="withdraw").status_code == 200
    db_session.refresh(handoff)
    assert handoff.consent_version is None and handoff.consent_withdrawn_on == today()
    assert _release(client, team, vera_case).status_code == 400
    assert "trakk samtykket" in _page(reporter, team)
    assert _answer(reporter, team, handoff, version=2).status_code == 200
    assert _release(client, team, vera_case).status_code == 303
    # After release there is nothing to withdraw.
    response = _answer(reporter, team, handoff, action="withdraw")
    assert response.status_code == 400
    db_session.refresh(handoff)
    assert handoff.consent_version == 2


def test_an_identified_summary_names_the_reporter_only_with_a_separate_tick(
    client: Any, team: Any, vera_case: Any, reporter: Any, db_session: Any
) -> None:
    response = _save(client, team, vera_case, "Ola Nordmann tok på Kari.", kind="identified",
                     names_reporter="y", recipient="styreleder")
    assert response.status_code == 303
    handoff = db_session.scalar(select(Handoff))
    assert handoff.kind == "identified" and handoff.names_reporter
    page = _page(reporter, team)
    assert 'name="may_name_me"' in page
    response = _answer(reporter, team, handoff)
    assert response.status_code == 400
    db_session.refresh(handoff)
    assert handoff.consent_version is None
    assert _answer(reporter, team, handoff, may_name_me="y").status_code == 200
    db_session.refresh(handoff)
    assert handoff.consent_version == 1


def test_each_kind_has_its_own_checklist_and_a_recipient_is_required(
    client: Any, team: Any, vera_case: Any, db_session: Any
) -> None:
    # An anonymised summary with only the identified checklist: refused.
    response = _save(client, team, vera_case, checklist=handoff_checklist("identified"))
    assert response.status_code == 400 and "sjekklisten" in response.get_data(as_text=True)
    # The kontradiksjon item is part of every checklist.
    without = [c for c in handoff_checklist("identified") if c != "employer_rights"]
    assert _save(client, team, vera_case, kind="identified", checklist=without).status_code == 400
    response = _save(client, team, vera_case, recipient="")
    assert response.status_code == 400
    assert db_session.scalar(select(Handoff)) is None
    page = client.get(_url(team, vera_case)).get_data(as_text=True)
    assert "kontradiksjon" in page


def test_a_person_the_reporter_excluded_can_never_be_the_recipient(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org, excluded=(team.membership(team.rolf),))
    login_as(team.vera)
    page = client.get(_url(team, opened)).get_data(as_text=True)
    assert str(team.rolf.public_id) not in page and str(team.leader.public_id) in page
    response = _save(client, team, opened, recipient_person=str(team.rolf.public_id))
    assert response.status_code == 400
    assert "holdt denne personen utenfor saken" in response.get_data(as_text=True)
    assert db_session.scalar(select(Handoff)) is None
    assert ("handoff.written", "recipient_excluded") in _refusals(db_session, opened)
    # A person of another organisation is not a recipient either.
    response = _save(client, team, opened, recipient_person=str(team.stranger.public_id))
    assert response.status_code == 400
    ok = _save(client, team, opened, recipient_person=str(team.leader.public_id),
               above_accused="y")
    assert ok.status_code == 303
    handoff = db_session.scalar(select(Handoff))
    assert handoff.recipient_person_id == team.leader.id and handoff.recipient_above_accused
    page = client.get(_url(team, opened)).get_data(as_text=True)
    assert "samme linje" in page  # the warning


def test_a_closed_case_no_longer_asks(
    client: Any, team: Any, vera_case: Any, reporter: Any, db_session: Any
) -> None:
    _save(client, team, vera_case)
    handoff = db_session.scalar(select(Handoff))
    vera_case.case.state, vera_case.case.closed_on = "closed", today()
    db_session.commit()
    page = _page(reporter, team)
    assert 'id="handoff-consent-form"' not in page
    assert _answer(reporter, team, handoff).status_code == 400
    db_session.refresh(handoff)
    assert handoff.consent_version is None


def test_an_answer_about_another_case_summary_is_refused(
    client: Any, team: Any, vera_case: Any, cases: Any, reporter: Any, db_session: Any
) -> None:
    other = cases.open(team.org)
    db_session.commit()
    assert _save(client, team, other).status_code == 303
    handoff = db_session.scalar(select(Handoff))
    assert _answer(reporter, team, handoff).status_code == 400
    db_session.refresh(handoff)
    assert handoff.consent_version is None
