"""Staff accounts that can be recovered: a lost phone, a compromised account."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import recovery
from tests.accounts.conftest import enrol_secret, text
from tests.conftest import PASSWORD

NEW_PASSWORD = "another long passphrase 7"


@pytest.fixture()
def outbox(app: Flask) -> Any:
    from trygg.mail import outbox as read_outbox

    config = app.config["TRYGG"]
    before = len(read_outbox(config))
    return lambda: read_outbox(config)[before:]


def _audit_actions(session: Session) -> list[str]:
    from casework.models import AuditEntry

    session.expire_all()
    return [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_changing_the_password_ends_every_other_session(
    app: Flask, client: FlaskClient, factory: Any, login_as: Any, db_session: Session,
    outbox: Any,
) -> None:
    person = factory.person(factory.org(), "leader")
    login_as(person)
    other = app.test_client()
    from tests.conftest import login

    login(other, person)
    assert other.get("/home").status_code == 200
    wrong = client.post("/account/password?lang=en", data={
        "current": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400 and "not your current password" in text(wrong)
    weak = client.post("/account/password", data={
        "current": PASSWORD, "password": "short", "confirm": "short"})
    assert weak.status_code == 400
    done = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/home").status_code == 200  # this session goes on
    assert other.get("/home").status_code == 302  # every other one has ended
    assert [m["To"] for m in outbox()] == [person.email]
    client.post("/logout")
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}
                       ).status_code == 401
    assert client.post("/login", data={"email": person.email, "password": NEW_PASSWORD}
                       ).status_code == 302


def test_backup_codes_are_given_at_enrolment_and_each_works_once(
    client: FlaskClient, factory: Any, db_session: Session,
) -> None:
    person = factory.person(factory.org(), "admin", totp=False)
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    page = text(client.get("/login/enrol"))
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", page)
    assert len(codes) == recovery.BACKUP_CODES
    secret = enrol_secret(page)
    assert client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}
                       ).status_code == 302
    db_session.refresh(person)
    stored = person.backup_codes or ""
    assert all(code.replace("-", "") not in stored for code in codes)  # keyed hashes only
    client.post("/logout")

    def sign_in_with(code: str) -> int:
        client.post("/login", data={"email": person.email, "password": PASSWORD})
        status = client.post("/login/code", data={"code": code}).status_code
        client.post("/logout")
        return status

    assert sign_in_with(codes[0].upper()) == 302
    assert sign_in_with(codes[0]) == 401  # once only
    db_session.refresh(person)
    assert recovery.backup_codes_left(person) == recovery.BACKUP_CODES - 1
    assert sign_in_with("zzzzz-zzzzz") == 401
    db_session.refresh(person)
    assert person.totp_failures >= 2  # wrong backup codes count as wrong codes


def test_an_admin_resets_a_lost_second_factor_by_a_mailed_link(
    app: Flask, client: FlaskClient, factory: Any, login_as: Any, db_session: Session,
    outbox: Any,
) -> None:
    org = factory.org()
    admin = factory.person(org, "admin")
    handler = factory.person(org, "handler", title="Verneombud")
    membership = handler.memberships[0]
    db_session.commit()
    phone = app.test_client()
    from tests.conftest import login

    login(phone, handler)
    login_as(admin)
    response = client.post(f"/orgs/{org.slug}/admin/people/{membership.public_id}"
                           "/reset-second-factor")
    assert response.status_code == 302
    assert "person.second_factor_reset" in _audit_actions(db_session)
    db_session.refresh(handler)
    assert handler.totp_secret is None
    assert phone.get("/home").status_code == 302  # signed out everywhere
    [mail] = [m for m in outbox() if m["To"] == handler.email]
    link = re.search(r"https?://\S+/reset-second-factor/\S+", mail.get_content())
    assert link is not None
    assert link.group(0) not in text(client.get(f"/orgs/{org.slug}/admin/people"))
    # Someone with the password alone cannot set up a new second factor.
    stranger = app.test_client()
    stranger.post("/login", data={"email": handler.email, "password": PASSWORD})
    response = stranger.get("/login/enrol")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    # With the link, the person can.
    path = "/" + link.group(0).split("/", 3)[3]
    assert phone.get(path).status_code == 302
    phone.post("/login", data={"email": handler.email, "password": PASSWORD})
    secret = enrol_secret(text(phone.get("/login/enrol")))
    assert phone.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}
                      ).status_code == 302
    assert phone.get("/home").status_code == 200
    db_session.refresh(handler)
    assert handler.totp_reset_hash is None
    assert phone.get(path).status_code == 404  # used


def test_an_admin_deactivates_and_reactivates_a_person(
    app: Flask, client: FlaskClient, factory: Any, login_as: Any, db_session: Session,
    outbox: Any,
) -> None:
    from casework import intake

    org = factory.org()
    admin = factory.person(org, "admin")
    handler = factory.person(org, "handler", title="Verneombud")
    membership = handler.memberships[0]
    db_session.commit()
    login_as(admin)
    base = f"/orgs/{org.slug}/admin/people/{membership.public_id}"
    assert client.post(f"{base}/deactivate").status_code == 302
    db_session.refresh(handler)
    assert handler.active is False
    destination = intake.destination(db_session, org.slug)
    assert destination is not None and destination.handlers == ()
    other = app.test_client()
    assert other.post("/login", data={"email": handler.email, "password": PASSWORD}
                      ).status_code == 401
    assert client.post(f"{base}/reactivate").status_code == 302
    db_session.refresh(handler)
    assert handler.active is True
    actions = _audit_actions(db_session)
    assert actions[-2:] == ["person.deactivated", "person.reactivated"]
    assert {m["To"] for m in outbox()} == {handler.email}
    # Not yourself, and not someone with roles elsewhere (that is the other org's business).
    mine = admin.memberships[0]
    assert client.post(f"/orgs/{org.slug}/admin/people/{mine.public_id}/deactivate"
                       ).status_code == 302
    db_session.refresh(admin)
    assert admin.active is True
    from accounts import services

    services.appoint(db_session, factory.org(), handler, "leader")
    db_session.commit()
    client.post(f"{base}/deactivate")
    db_session.refresh(handler)
    assert handler.active is True
    assert _audit_actions(db_session)[-1] == "person.deactivate_refused"
    from casework.models import AuditEntry

    details = [e.detail for e in db_session.scalars(select(AuditEntry))]
    assert not [d for d in details if handler.email in d]  # ids, never an address
