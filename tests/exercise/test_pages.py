"""The pages: the facilitator's forms, the phone without JavaScript, the shared screen."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exercise.models import ExerciseAnswer, ExerciseProposal, ExerciseSession
from tests.exercise.conftest import Room


def _token(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _join(phone: FlaskClient, code: str) -> None:
    page = phone.get(f"/x/{code}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers  # no cookie before joining
    joined = phone.post(f"/x/{code}/join", data={"form_token": _token(page.get_data(True))})
    assert joined.status_code == 302
    cookie = joined.headers["Set-Cookie"]
    assert f"Path=/x/{code}" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_a_facilitator_starts_a_session_with_forms(client: FlaskClient, factory: Any,
                                                   login_as: Any, db_session: Session) -> None:
    org = factory.org()
    login_as(factory.person(org, "handler"))
    page = client.get(f"/orgs/{org.slug}/exercises")
    assert page.status_code == 200 and "Start økten" in page.get_data(True)
    started = client.post(f"/orgs/{org.slug}/exercises", data={
        "scenario": ["s1", "s4"], "custom": "Retter på kostymet ditt uten å spørre\n\n",
        "perspective": ["colleague", "leader", "partner", "audience"]})
    assert started.status_code == 302
    ex = db_session.scalar(select(ExerciseSession))
    assert ex is not None
    assert ex.scenarios == [{"code": "s1"}, {"code": "s4"},
                            {"text": "Retter på kostymet ditt uten å spørre"}]
    assert ex.perspectives == ["colleague", "leader", "partner", "audience"]
    control = client.get(started.headers["Location"])
    html = control.get_data(True)
    assert control.status_code == 200 and 'name="csrf-token"' in html
    assert "Før vi begynner" in html and f"/r/{org.slug}" in html and "Søk råd" in html


def test_starting_with_nothing_chosen_starts_nothing(client: FlaskClient, factory: Any,
                                                     login_as: Any, db_session: Session) -> None:
    org = factory.org()
    login_as(factory.person(org, "leader"))
    response = client.post(f"/orgs/{org.slug}/exercises", data={"perspective": ["leader"]},
                           follow_redirects=True)
    assert "Ingenting ble startet" in response.get_data(True)
    assert db_session.scalar(select(func.count()).select_from(ExerciseSession)) == 0


def test_a_phone_without_javascript_joins_and_answers(room: Room, db_session: Session) -> None:
    phone = room.phone
    _join(phone, room.code)
    lobby = phone.get(f"/x/{room.code}").get_data(True)
    assert "Du er med" in lobby and 'http-equiv="refresh"' in lobby
    room.act("advance")
    form = phone.get(f"/x/{room.code}").get_data(True)
    assert 'name="colleague" value="10"' in form and "Hopp over" in form
    assert "Ikke OK i det hele tatt" in form and "Helt i orden" in form
    assert 'http-equiv="refresh"' not in form  # never reload under someone's thumb
    sent = phone.post(f"/x/{room.code}/answer", data={
        "form_token": _token(form), "scenario": "0", "colleague": "3", "leader": "skip",
        "partner": ""})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/x/{room.code}")
    rows = db_session.execute(select(ExerciseAnswer.perspective, ExerciseAnswer.value)).all()
    assert [tuple(r) for r in rows] == [("colleague", 3)]
    saved = phone.get(sent.headers["Location"]).get_data(True)
    assert "Svaret ditt er lagret" in saved
    change = phone.get(f"/x/{room.code}?change=1").get_data(True)
    assert 'value="3" checked' in change  # the latest answer, shown back to its owner


def test_bad_form_answers_change_nothing(room: Room, db_session: Session) -> None:
    phone = room.phone
    _join(phone, room.code)
    room.act("advance")
    form = phone.get(f"/x/{room.code}").get_data(True)
    token = _token(form)
    for data in ({"scenario": "0", "colleague": "11"}, {"scenario": "0", "colleague": "0"},
                 {"scenario": "0", "colleague": "x"}, {"scenario": "x", "colleague": "5"}):
        response = phone.post(f"/x/{room.code}/answer", data={"form_token": token, **data})
        assert response.status_code == 400, data
    assert db_session.scalar(select(func.count()).select_from(ExerciseAnswer)) == 0
    stranger = room.facilitator  # has no participant cookie for this code
    response = stranger.post(f"/x/{room.code}/answer", data={"form_token": token,
                                                             "scenario": "0", "colleague": "5"})
    assert response.status_code == 400


def test_the_screen_shows_code_qr_count_and_the_spread(room: Room) -> None:
    screen = room.phone.get(f"/x/{room.code}/screen").get_data(True)
    assert f"{room.code[:5]}-{room.code[5:]}" in screen
    assert "<svg" in screen and 'http-equiv="refresh"' in screen
    room.act("advance")
    tokens = [room.join() for _ in range(4)]
    for token, value in zip(tokens, (2, 2, 8, 9), strict=True):
        room.answer(token, 0, "leader", value)
    running = room.phone.get(f"/x/{room.code}/screen").get_data(True)
    assert "4 har svart" in running and "data-figure" not in running
    room.act("reveal")
    shown = room.phone.get(f"/x/{room.code}/screen").get_data(True)
    assert shown.count('class="dot" data-value=') == 4
    assert shown.count('data-value="2"') == 2
    assert "Stor spredning" in shown  # 2, 2, 8, 9: the middle half spans 2–8,25
    assert "midtre halvdel 2–8,25" in shown


def test_proposals_are_kept_with_the_session(room: Room, db_session: Session) -> None:
    base = f"/orgs/{room.org.slug}/exercises/{room.code}"
    room.facilitator.post(f"{base}/proposals", data={"text": "Vi spør før vi klemmer."})
    room.facilitator.post(f"{base}/proposals", data={"text": "   "})
    assert [p.text for p in db_session.scalars(select(ExerciseProposal))] == [
        "Vi spør før vi klemmer."]
    for _ in range(11):
        room.act("advance")
    screen = room.phone.get(f"/x/{room.code}/screen").get_data(True)
    assert "Vi spør før vi klemmer." in screen and "Hvilke regler" in screen
    room.facilitator.post(f"{base}/close", data={"keep": "1"})
    closed = room.facilitator.get(base).get_data(True)
    assert "Vi spør før vi klemmer." in closed and "Alle svar ble slettet" in closed


def test_facilitator_form_reveal_under_k_says_why(room: Room) -> None:
    room.act("advance")
    response = room.facilitator.post(f"/orgs/{room.org.slug}/exercises/{room.code}/reveal",
                                     follow_redirects=True)
    assert "færre enn 3 har svart" in response.get_data(True)
    assert room.state().get_json()["status"] == "running"


def test_english_pages(room: Room) -> None:
    page = room.phone.get(f"/x/{room.code}?lang=en").get_data(True)
    assert "Join «OK eller ikke OK?»" in page and f"/x/{room.code}/join?lang=en" in page


def test_entering_a_code_goes_to_the_session(room: Room) -> None:
    typed = f"{room.code[:5].lower()} {room.code[5:]}"
    response = room.phone.get("/x/", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/x/{room.code}")
    assert room.phone.get("/x/", query_string={"code": "nope"}).status_code == 404


def test_participant_forms_need_our_origin(csrf_app: Any) -> None:
    from tests.conftest import make_org, make_person
    from trygg.extensions import db

    with csrf_app.app_context():
        org = make_org(db.session, stats_k=3)
        person = make_person(db.session, org, "leader")
        from exercise import services

        _, code = services.create(db.session, org, person, [{"code": "s1"}], ["colleague"],
                                  secret=csrf_app.config["SECRET_KEY"])
        db.session.commit()
    phone = csrf_app.test_client()
    page = phone.get(f"/x/{code}").get_data(True)
    token = _token(page)
    forged = phone.post(f"/x/{code}/join", data={"form_token": token},
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 400
    assert phone.post(f"/x/{code}/join", data={"form_token": "x"}).status_code == 400
    assert phone.post(f"/x/{code}/join", data={"form_token": token}).status_code == 302
    forged_answer = phone.post(f"/x/{code}/answer", data={"form_token": token, "scenario": "0",
                                                          "colleague": "5"})
    assert forged_answer.status_code == 400  # the join form's token is not the answer form's
    api = phone.post(f"/x/{code}/api/join", headers={"Origin": "https://evil.example"})
    assert api.status_code == 400


def test_the_facilitator_api_needs_the_pages_csrf_token(csrf_app: Any) -> None:
    from tests.casework.test_csrf import _sign_in
    from tests.conftest import make_org, make_person
    from trygg.extensions import db

    with csrf_app.app_context():
        org = make_org(db.session, stats_k=3)
        handler = make_person(db.session, org, "handler")
        db.session.commit()
        email, secret, slug = handler.email, handler.totp_secret_plain, org.slug
    client = csrf_app.test_client()
    _sign_in(client, email, secret)
    body = {"scenarios": "brochure"}
    assert client.post(f"/orgs/{slug}/api/exercises", json=body).status_code == 400
    page = client.get(f"/orgs/{slug}/exercises").get_data(True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token
    created = client.post(f"/orgs/{slug}/api/exercises", json=body,
                          headers={"X-CSRFToken": token.group(1)})
    assert created.status_code == 201
    code = created.get_json()["code"]
    control = client.get(f"/orgs/{slug}/exercises/{code}").get_data(True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', control)
    assert meta
    moved = client.post(f"/orgs/{slug}/api/exercises/{code}/advance",
                        headers={"X-CSRFToken": meta.group(1)})
    assert moved.status_code == 200 and moved.get_json()["status"] == "running"
    assert client.post(f"/orgs/{slug}/api/exercises/{code}/reveal").status_code == 400


def test_a_proposal_becomes_a_rule_in_the_organisations_draft(
    room: Room, db_session: Session, factory: Any, app: Any
) -> None:
    """The group proposes during the exercise; the rule lands in prevention's draft rules
    (to be agreed and published there), also after the session closed."""
    from prevention import documents

    base = f"/orgs/{room.org.slug}/exercises/{room.code}"
    room.facilitator.post(f"{base}/proposals", data={"text": "Vi spør før vi klemmer."})
    room.facilitator.post(f"{base}/proposals", data={"text": "Ingen kallenavn."})
    proposal, left = db_session.scalars(select(ExerciseProposal).order_by(ExerciseProposal.id))
    page = room.facilitator.get(base).get_data(True)
    assert f"{base}/proposals/{proposal.id}/to-rules" in page

    # An unknown question changes nothing.
    bad = room.facilitator.post(f"{base}/proposals/{proposal.id}/to-rules",
                                data={"question": "nonsense"}, follow_redirects=True)
    assert "Ingenting ble endret" in bad.get_data(True)
    assert documents.existing_draft(db_session, room.org, None, "rules") is None

    room.facilitator.post(f"{base}/close", data={"keep": "1"})
    moved = room.facilitator.post(f"{base}/proposals/{proposal.id}/to-rules",
                                  data={"question": "closeness"}, follow_redirects=True)
    assert "utkastet til regler" in moved.get_data(True)
    draft = documents.existing_draft(db_session, room.org, None, "rules")
    assert draft is not None
    assert draft.content["items"] == [{"question": "closeness", "text": "Vi spør før vi klemmer."}]
    assert [p.text for p in db_session.scalars(select(ExerciseProposal))] == ["Ingen kallenavn."]

    # A handler facilitates but does not edit the rules: no such button, and refused.
    from tests.conftest import login

    handler = factory.person(room.org, "handler")
    other = app.test_client()
    login(other, handler)
    assert f"/proposals/{left.id}/to-rules" not in other.get(base).get_data(True)
    again = other.post(f"{base}/proposals/{left.id}/to-rules", data={"question": "closeness"})
    assert again.status_code in (403, 404)
    assert db_session.scalars(select(ExerciseProposal)).one().text == "Ingen kallenavn."


def test_a_session_for_a_production_sends_its_proposals_to_that_productions_rules(
    room: Room, db_session: Session
) -> None:
    from datetime import date

    from prevention import documents, productions

    show = productions.save_production(
        db_session, room.org, None, name="Et dukkehjem", kind="stage",
        starts_on=date(2026, 1, 5), ends_on=date(2026, 3, 1), has_minors=False,
        has_intimate_work=True, contacts="")
    db_session.flush()
    listing = room.facilitator.get(f"/orgs/{room.org.slug}/exercises").get_data(True)
    assert f'value="{show.public_id}"' in listing

    # An id that is not one of this organisation's productions starts nothing.
    before = db_session.scalar(select(func.count()).select_from(ExerciseSession))
    refused = room.facilitator.post(f"/orgs/{room.org.slug}/exercises", data={
        "production": "00000000-0000-0000-0000-000000000000", "scenario": ["s1"],
        "perspective": ["colleague"]})
    assert refused.status_code == 404
    assert db_session.scalar(select(func.count()).select_from(ExerciseSession)) == before

    started = room.facilitator.post(f"/orgs/{room.org.slug}/exercises", data={
        "production": str(show.public_id), "scenario": ["s1"], "perspective": ["colleague"]})
    assert started.status_code == 302
    base = started.headers["Location"]
    ex = db_session.scalars(select(ExerciseSession).order_by(ExerciseSession.id.desc())).first()
    assert ex is not None and ex.production_id == show.id
    room.facilitator.post(f"{base}/proposals", data={"text": "Vi avtaler nærhet på prøve."})
    proposal = db_session.scalars(select(ExerciseProposal)
                                  .where(ExerciseProposal.session_id == ex.id)).one()
    room.facilitator.post(f"{base}/proposals/{proposal.id}/to-rules",
                          data={"question": "closeness"})
    theirs = documents.existing_draft(db_session, room.org, show, "rules")
    assert theirs is not None
    assert theirs.content["items"] == [{"question": "closeness",
                                        "text": "Vi avtaler nærhet på prøve."}]
    assert documents.existing_draft(db_session, room.org, None, "rules") is None
