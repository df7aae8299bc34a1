"""Accepting invitations: new and existing people, single use, expiry, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts import invitations
from accounts.models import Invitation, Membership, Person
from tests.accounts.conftest import enrol_secret, text
from tests.conftest import PASSWORD

NEW_PASSWORD = "a long new password"
INVALID = "This invitation link does not work"
INVALID_NB = "Denne invitasjonslenken virker ikke"


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Person)) or 0,
        session.scalar(select(func.count()).select_from(Membership)) or 0,
        session.scalar(select(func.count()).where(Invitation.used_at.is_not(None))) or 0,
    )


def _accept_new(client: FlaskClient, token: str, **changes: str) -> Any:
    data = {"name": "Nina Ny", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} | changes
    return client.post(f"/invite/{token}?lang=en", data=data)


def test_the_page_shows_the_organisation_and_the_role(
    client: FlaskClient, factory: Any, invite: Any
) -> None:
    org = factory.org(name="Scenekunst AS")
    token = invite(org, "ny@example.test", "handler", title="Verneombud")
    page = text(client.get(f"/invite/{token}?lang=en"))
    assert "Scenekunst AS" in page
    assert "Case handler" in page and "Verneombud" in page
    assert "ny@example.test" in page
    assert 'name="password"' in page


def test_a_new_handler_gets_an_account_then_two_step_sign_in_then_a_key(
    client: FlaskClient, factory: Any, invite: Any, db_session: Session
) -> None:
    org = factory.org()
    token = invite(org, "Ny@Example.test", "handler", title="Verneombud", external=True)
    response = _accept_new(client, token)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/enrol")

    person = db_session.scalar(select(Person).where(Person.email == "ny@example.test"))
    assert person is not None and person.name == "Nina Ny"
    [membership] = person.memberships
    assert (membership.role, membership.title, membership.external) == (
        "handler", "Verneombud", True
    )
    assert db_session.scalar(select(Invitation.used_at)) is not None
    # Not signed in before the second factor is set up.
    assert client.get("/home").status_code == 302

    secret = enrol_secret(text(client.get("/login/enrol")))
    response = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/account/keys")
    home = text(client.get("/home?lang=en"))
    assert "You cannot receive reports yet." in home


def test_a_new_leader_is_signed_in_straight_away(
    client: FlaskClient, factory: Any, invite: Any
) -> None:
    token = invite(factory.org(), "leder@example.test", "leader", title="Daglig leder")
    response = _accept_new(client, token)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert "Your role in Testorg: Leader" in text(client.get("/home?lang=en"))


def test_an_invitation_works_only_once(
    client: FlaskClient, factory: Any, invite: Any, db_session: Session
) -> None:
    token = invite(factory.org(), "leder@example.test", "leader")
    assert _accept_new(client, token).status_code == 302
    client.post("/logout")
    before = _counts(db_session)
    again = _accept_new(client, token, name="Someone Else")
    assert again.status_code == 404
    assert INVALID in text(again)
    assert _counts(db_session) == before
    with pytest.raises(invitations.InvitationInvalid):
        invitations.redeem(db_session, token, name="X", password=NEW_PASSWORD)


@pytest.mark.parametrize("kind", ["expired", "used", "unknown"])
def test_expired_used_and_unknown_links_get_the_same_answer(
    client: FlaskClient, factory: Any, invite: Any, db_session: Session, kind: str
) -> None:
    token = invite(factory.org(), "x@example.test", "admin")
    invitation = db_session.scalar(select(Invitation))
    assert invitation is not None
    if kind == "expired":
        invitation.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    elif kind == "used":
        invitation.used_at = datetime.now(UTC)
    else:
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    db_session.flush()
    before = _counts(db_session)

    shown = client.get(f"/invite/{token}")
    posted = _accept_new(client, token)
    assert shown.status_code == posted.status_code == 404
    assert INVALID_NB in text(shown)
    assert INVALID in text(posted)
    assert "x@example.test" not in text(shown)
    assert _counts(db_session) == before


def test_bad_new_account_details_change_nothing(
    client: FlaskClient, factory: Any, invite: Any, db_session: Session
) -> None:
    token = invite(factory.org(), "ny@example.test", "leader")
    before = _counts(db_session)
    short = _accept_new(client, token, password="short", confirm="short")
    assert short.status_code == 400
    assert "Use at least 12 characters." in text(short)
    mismatch = _accept_new(client, token, confirm="another long password")
    assert mismatch.status_code == 400
    assert "The two passwords are not the same." in text(mismatch)
    nameless = _accept_new(client, token, name="  ")
    assert nameless.status_code == 400
    assert "Write your name." in text(nameless)
    assert _counts(db_session) == before
    # The link still works afterwards.
    assert _accept_new(client, token).status_code == 302


def test_an_existing_person_signs_in_first_and_then_accepts(
    client: FlaskClient, factory: Any, invite: Any, login_as: Any, db_session: Session
) -> None:
    org, elsewhere = factory.org(), factory.org()
    person = factory.person(elsewhere, "leader")
    token = invite(org, person.email.upper(), "leader", title="Styreleder")

    page = client.get(f"/invite/{token}?lang=en")
    assert "Sign in to accept" in text(page)
    assert 'name="password"' not in text(page)
    before = _counts(db_session)
    # Posting a new account for an address that has one changes nothing.
    assert _accept_new(client, token).status_code == 400
    assert _counts(db_session) == before

    login = client.get(f"/invite/{token}").get_data(as_text=True)
    assert "/login?next=/invite/" in login
    response = client.post(
        f"/login?next=/invite/{token}", data={"email": person.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == f"/invite/{token}"
    accepted = client.post(f"/invite/{token}")
    assert accepted.status_code == 302
    db_session.refresh(person)
    assert {(m.organisation_id, m.role, m.title) for m in person.memberships} == {
        (elsewhere.id, "leader", ""),
        (org.id, "leader", "Styreleder"),
    }


def test_an_existing_leader_invited_as_handler_sets_up_two_step_sign_in(
    client: FlaskClient, factory: Any, invite: Any, login_as: Any
) -> None:
    org = factory.org()
    person = factory.person(org, "leader")
    token = invite(org, person.email, "handler", title="Verneombud")
    login_as(person)
    response = client.post(f"/invite/{token}")
    assert response.headers["Location"].endswith("/login/enrol")
    assert client.get("/home").status_code == 302


def test_someone_else_signed_in_cannot_accept(
    client: FlaskClient, factory: Any, invite: Any, login_as: Any, db_session: Session
) -> None:
    org = factory.org()
    other = factory.person(org, "leader")
    invited = factory.person(factory.org(), "leader")
    login_as(other)
    for token in (invite(org, invited.email, "leader"), invite(org, "new@example.test", "leader")):
        before = _counts(db_session)
        page = client.get(f"/invite/{token}?lang=en")
        assert "You are signed in as someone else." in text(page)
        assert client.post(f"/invite/{token}", data={"name": "X"}).status_code == 400
        assert _counts(db_session) == before


def test_the_token_is_stored_only_as_a_hash(factory: Any, invite: Any, db_session: Session) -> None:
    token = invite(factory.org(), "x@example.test", "leader")
    stored = db_session.scalar(select(Invitation))
    assert stored is not None
    assert token.encode() not in stored.token_hash
    assert len(stored.token_hash) == 32
