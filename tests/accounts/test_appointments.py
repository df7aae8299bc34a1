"""Two-person appointment (design.md section 5): an admin alone never becomes a reader.

The attack from the security review: an admin invites their own second address as a
handler with the real handler's title, accepts it, makes a key, and every new report is
sealed to them too. Now that handler receives nothing until an existing handler confirms.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from accounts import appointments, services
from casework import intake
from tests.accounts.conftest import sign_in_with_code, text
from tests.accounts.test_keys import material
from tests.conftest import PASSWORD

NEW_PASSWORD = "a long and fresh passphrase 42"


def _receivers(session: Session, org: Any) -> set[str]:
    found = intake.destination(session, org.slug)
    assert found is not None
    return {h.email for h in found.handlers}


def _accept(client: FlaskClient, token: str, name: str = "Mallory") -> None:
    response = client.post(f"/invite/{token}", data={"name": name, "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert response.status_code == 302, text(response)


@pytest.fixture()
def outbox(app: Flask) -> Any:
    from trygg.mail import outbox as read_outbox

    config = app.config["TRYGG"]
    before = len(read_outbox(config))
    return lambda: read_outbox(config)[before:]


@pytest.fixture()
def org_with_handler(factory: Any) -> tuple[Any, Any, Any]:
    org = factory.org()
    handler = factory.person(org, "handler", title="Verneombud")
    admin = factory.person(org, "admin")
    return org, handler, admin


def test_an_admins_own_handler_account_receives_nothing_until_a_colleague_confirms(
    app: Flask, client: FlaskClient, db_session: Session, org_with_handler: Any,
    invite: Any, outbox: Any,
) -> None:
    org, handler, _admin = org_with_handler
    token = invite(org, "mallory-second@example.test", "handler", title="Verneombud")
    _accept(client, token)
    mallory = services.person_by_email(db_session, "mallory-second@example.test")
    assert mallory is not None
    sent = [m for m in outbox() if m["To"] == handler.email]
    assert len(sent) == 1 and "mallory-second@example.test" in sent[0].get_content()
    # Mallory makes a key (as the browser would) and is still not a receiver.
    import pyotp

    from accounts.totp import seal_secret
    mallory.totp_secret_plain = pyotp.random_base32()
    mallory.totp_secret = seal_secret(mallory.totp_secret_plain)
    db_session.flush()
    client.post("/logout")
    sign_in_with_code(client, mallory, NEW_PASSWORD)
    assert client.post("/account/keys", json=material()[0]).status_code == 201
    assert _receivers(db_session, org) == {handler.email}
    key_mail = [m for m in outbox() if m["To"] == handler.email][-1]
    from tests.conftest import login

    admin_client = app.test_client()
    login(admin_client, _admin)
    people = text(admin_client.get(f"/orgs/{org.slug}/admin/people?lang=en"))
    assert people.count("data-unconfirmed") == 1  # Mallory's appointment, not the real one
    assert appointments.fingerprint(mallory.public_key) in key_mail.get_content()
    page = text(client.get("/account/keys?lang=en"))
    assert appointments.fingerprint(mallory.public_key) in page
    assert "Reports do not reach you yet" in page
    # Mallory cannot confirm herself.
    mine = next(m for m in mallory.memberships if m.role == "handler")
    response = client.post(
        f"/orgs/{org.slug}/appointments/{mine.public_id}/confirm?lang=en")
    assert response.status_code == 302
    assert _receivers(db_session, org) == {handler.email}
    # The real handler sees the same fingerprint and confirms; now Mallory receives.
    client.post("/logout")
    sign_in_with_code(client, handler, PASSWORD)
    page = text(client.get(f"/orgs/{org.slug}/appointments?lang=en"))
    assert appointments.fingerprint(mallory.public_key) in page
    response = client.post(f"/orgs/{org.slug}/appointments/{mine.public_id}/confirm")
    assert response.status_code == 302
    assert _receivers(db_session, org) == {handler.email, mallory.email}


def test_the_form_shows_name_title_and_the_fingerprint_the_handler_sees(
    client: FlaskClient, db_session: Session, org_with_handler: Any, login_as: Any,
) -> None:
    org, handler, _admin = org_with_handler
    page = text(client.get(f"/r/{org.slug}/report?lang=en"))
    shown = appointments.fingerprint(handler.public_key)
    assert handler.name in page and "Verneombud" in page and shown in page
    login_as(handler)
    assert shown in text(client.get("/account/keys?lang=en"))


def test_one_person_is_never_admin_and_handler_in_one_organisation(
    client: FlaskClient, db_session: Session, org_with_handler: Any, login_as: Any,
    invite: Any,
) -> None:
    org, handler, admin = org_with_handler
    login_as(admin)
    response = client.post(f"/orgs/{org.slug}/admin/people/invite?lang=en", data={
        "email": admin.email, "role": "handler", "title": "Verneombud"})
    assert response.status_code == 400
    assert "both administrator and case handler" in text(response)
    # An invitation made before the admin role existed cannot be used either.
    token = invite(org, admin.email, "handler", title="Verneombud")
    response = client.post(f"/invite/{token}?lang=en", data={})
    assert response.status_code == 302
    assert admin.roles_in(org) == {"admin"}
    # Nor a handler an admin.
    with pytest.raises(appointments.RolesConflict):
        appointments.check_roles(handler, org, "admin")


def test_the_operator_confirms_the_first_handler_only(
    app: Flask, db_session: Session, factory: Any,
) -> None:
    org = factory.org()
    first = factory.person(org, "handler", title="Verneombud", confirmed=False)
    assert _receivers(db_session, org) == set()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["trygg", "confirm-handler", first.email, org.slug, "--yes"])
    assert result.exit_code == 0, result.output
    assert appointments.fingerprint(first.public_key) in result.output
    assert _receivers(db_session, org) == {first.email}
    second = factory.person(org, "handler", title="Rådgiver", confirmed=False)
    result = runner.invoke(args=["trygg", "confirm-handler", second.email, org.slug, "--yes"])
    assert result.exit_code != 0 and "already has a confirmed case handler" in result.output
    assert _receivers(db_session, org) == {first.email}


def test_a_changed_key_needs_a_new_confirmation(db_session: Session, factory: Any) -> None:
    org = factory.org()
    handler = factory.person(org, "handler", title="Verneombud")
    assert _receivers(db_session, org) == {handler.email}
    from crypto import keywrap

    handler.public_key = keywrap.generate_key_pair()[1]
    db_session.flush()
    assert _receivers(db_session, org) == set()


def test_an_unconfirmed_handler_cannot_be_given_a_case(db_session: Session, factory: Any) -> None:
    from casework import handover
    from casework.errors import NotAHandler
    from tests.casework.conftest import Cases

    org = factory.org()
    factory.person(org, "handler", title="Verneombud")
    waiting = factory.person(org, "handler", title="Ny", confirmed=False)
    opened = Cases(db_session).open(org)
    membership = next(m for m in waiting.memberships if m.role == "handler")
    with pytest.raises(NotAHandler):
        handover.candidate(db_session, opened.case, membership.public_id)
