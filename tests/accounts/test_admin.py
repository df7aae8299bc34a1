"""The admin pages: texts and settings, people and roles; an admin reads no case."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts import admin
from accounts.models import Invitation, Membership, Organisation
from tests.accounts.conftest import text
from tests.conftest import login
from tests.shell.test_role_matrix import build_path
from trygg import clock
from trygg.mail import outbox

SETTINGS = {
    "name": "Teater Test",
    "standpoint": "Vi står for trygghet.",
    "rules": "Nei betyr nei.",
    "routines": "Meld til verneombudet.",
    "consequences": "Advarsel eller oppsigelse.",
    "acknowledge_days": "5",
    "feedback_days": "60",
    "retention_days": "730",
    "stats_k": "7",
}


@pytest.fixture()
def org(factory: Any) -> Any:
    return factory.org()


@pytest.fixture()
def admin_person(client: FlaskClient, factory: Any, org: Any, login_as: Any) -> Any:
    person = factory.person(org, "admin")
    login_as(person)
    return person


def _snapshot(org: Organisation) -> dict[str, Any]:
    return {field: getattr(org, field) for field in (*admin.TEXT_FIELDS, *admin.SETTING_LIMITS)}


# -- settings ----------------------------------------------------------------------------------


def test_admin_saves_the_public_texts_and_settings(
    client: FlaskClient, org: Any, admin_person: Any, db_session: Session
) -> None:
    url = f"/orgs/{org.slug}/admin/settings"
    assert client.get(url).status_code == 200
    response = client.post(url + "?lang=en", data=SETTINGS)
    assert response.status_code == 302
    db_session.refresh(org)
    assert _snapshot(org) == {
        k: int(v) if k in admin.SETTING_LIMITS else v for k, v in SETTINGS.items()
    }
    page = text(client.get(url + "?lang=en"))
    assert "Nei betyr nei." in page
    assert "page and settings are saved." in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stats_k": "2"}, "Use a number from 3 to 100."),
        ({"acknowledge_days": "0"}, "Use a number from 1 to 90."),
        ({"feedback_days": "400"}, "Use a number from 7 to 365."),
        ({"retention_days": "29"}, "Use a number from 30 to 3650."),
        ({"retention_days": "a year"}, "Write a whole number, for example 14."),
        ({"stats_k": ""}, "Fill in a number."),
        ({"acknowledge_days": "30", "feedback_days": "30"},
         "The feedback deadline must come after the acknowledgement deadline."),
        ({"name": " "}, "Write the organisation"),
        ({"rules": "x" * (admin.TEXT_MAX + 1)}, "Field cannot be longer than"),
    ],
)
def test_bad_settings_are_explained_and_change_nothing(
    client: FlaskClient, org: Any, admin_person: Any, db_session: Session,
    changes: dict[str, str], message: str,
) -> None:
    before = _snapshot(org)
    response = client.post(
        f"/orgs/{org.slug}/admin/settings?lang=en", data=SETTINGS | changes
    )
    assert response.status_code == 400
    assert message in text(response)
    assert "Nothing was saved." in text(response)
    db_session.refresh(org)
    assert _snapshot(org) == before


def test_settings_messages_are_in_norwegian(
    client: FlaskClient, org: Any, admin_person: Any
) -> None:
    response = client.post(f"/orgs/{org.slug}/admin/settings", data=SETTINGS | {"stats_k": "1"})
    assert "Bruk et tall fra 3 til 100." in text(response)


@pytest.mark.parametrize("field", list(admin.SETTING_LIMITS))
def test_the_form_limits_match_the_database_constraints(
    factory: Any, db_session: Session, field: str
) -> None:
    low, high = admin.SETTING_LIMITS[field]
    org = factory.org(feedback_days=365) if field == "acknowledge_days" else factory.org()
    for ok in (low, high):
        with db_session.begin_nested():
            setattr(org, field, ok)
            db_session.flush()
    too_high = [] if field == "stats_k" else [high + 1]  # k has only a lower bound in SQL
    for bad in [low - 1, *too_high]:
        savepoint = db_session.begin_nested()
        setattr(org, field, bad)
        with pytest.raises(IntegrityError):
            db_session.flush()
        savepoint.rollback()


def test_the_service_refuses_what_the_form_would(factory: Any, db_session: Session) -> None:
    org = factory.org()
    before = _snapshot(org)
    with pytest.raises(admin.InvalidSetting):
        admin.update_organisation(db_session, org, stats_k=2)
    with pytest.raises(admin.InvalidSetting):
        admin.update_organisation(db_session, org, name="Ny", acknowledge_days=10, feedback_days=9)
    with pytest.raises(admin.InvalidSetting):
        admin.update_organisation(db_session, org, slug="taken-over")
    assert _snapshot(org) == before


# -- people ------------------------------------------------------------------------------------


def _invite(client: FlaskClient, org: Any, **fields: Any) -> Any:
    data = {"email": "ny@example.test", "role": "handler", "title": "Verneombud"} | fields
    return client.post(f"/orgs/{org.slug}/admin/people/invite?lang=en", data=data)


def test_admin_invites_a_handler_and_sees_the_link_once(
    app: Flask, client: FlaskClient, org: Any, admin_person: Any, db_session: Session
) -> None:
    mails_before = len(outbox(app.config["TRYGG"]))
    response = _invite(client, org, external="y")
    assert response.status_code == 200
    page = text(response)
    assert "We sent the link to ny@example.test." in page
    link = page.split("data-invitation-link")[0].rsplit('value="', 1)[1].split('"')[0]
    assert link.startswith("http://localhost/invite/")
    invitation = db_session.scalar(select(Invitation))
    assert invitation is not None
    assert (invitation.email, invitation.role, invitation.title, invitation.external) == (
        "ny@example.test", "handler", "Verneombud", True
    )
    assert invitation.created_by_id == admin_person.id
    mails = outbox(app.config["TRYGG"])
    assert len(mails) == mails_before + 1
    assert link in mails[-1].get_content()
    assert mails[-1]["To"] == "ny@example.test"

    people = text(client.get(f"/orgs/{org.slug}/admin/people"))
    assert "ny@example.test" in people
    assert link.rsplit("/", 1)[1] not in people  # the link is not shown again


def test_mail_failure_still_shows_the_link(
    client: FlaskClient, org: Any, admin_person: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accounts import admin_views
    from trygg.mail import MailError

    def broken(*args: Any, **kwargs: Any) -> None:
        raise MailError("SMTPConnectError")

    monkeypatch.setattr(admin_views, "send_mail", broken)
    page = text(_invite(client, org))
    assert "The link could not be sent by email." in page
    assert "/invite/" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "A case handler needs a title that reporters will see."),
        ({"role": "leader", "title": "", "external": "y"},
         "Only a case handler can be an outside advisor."),
        ({"email": "not an address"}, "That does not look like an email address."),
        ({"role": "owner"}, "Not a valid choice"),
    ],
)
def test_bad_invitations_change_nothing(
    client: FlaskClient, org: Any, admin_person: Any, db_session: Session,
    fields: dict[str, str], message: str,
) -> None:
    response = _invite(client, org, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert db_session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_inviting_someone_who_already_has_the_role_is_refused(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any, db_session: Session
) -> None:
    handler = factory.person(org, "handler", title="Verneombud")
    db_session.commit()  # the view rolls back its own work, not the test's setup
    response = _invite(client, org, email=handler.email)
    assert response.status_code == 400
    assert "This person already has that role here." in text(response)
    assert db_session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_a_new_invitation_replaces_the_pending_one_and_can_be_withdrawn(
    client: FlaskClient, org: Any, admin_person: Any, db_session: Session
) -> None:
    first = text(_invite(client, org)).split("/invite/")[1].split('"')[0]
    second = text(_invite(client, org)).split("/invite/")[1].split('"')[0]
    assert client.get(f"/invite/{first}").status_code == 404
    assert client.get(f"/invite/{second}").status_code == 200
    [pending] = db_session.scalars(select(Invitation)).all()
    response = client.post(f"/orgs/{org.slug}/admin/invitations/{pending.public_id}/revoke")
    assert response.status_code == 302
    assert client.get(f"/invite/{second}").status_code == 404
    missing = client.post(f"/orgs/{org.slug}/admin/invitations/{uuid.uuid4()}/revoke")
    assert missing.status_code == 404


def test_people_page_lists_members_and_readiness(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any
) -> None:
    factory.person(org, "handler", title="Verneombud")
    factory.person(org, "handler", title="Uten nøkkel", keys=False)
    factory.person(org, "leader", title="Daglig leder")
    page = text(client.get(f"/orgs/{org.slug}/admin/people?lang=en"))
    assert "Verneombud" in page and "Daglig leder" in page
    assert "Key made" in page
    assert "No key yet: cannot receive reports" in page
    assert "The only administrator" in page


def test_admin_changes_a_title(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any, db_session: Session
) -> None:
    handler = factory.person(org, "handler", title="Verneombud")
    db_session.commit()  # the view rolls back its own work, not the test's setup
    [membership] = handler.memberships
    prefix = f"m-{membership.public_id.hex}"
    url = f"/orgs/{org.slug}/admin/people/{membership.public_id}/title"
    assert client.post(url, data={f"{prefix}-title": "Hovedverneombud"}).status_code == 302
    db_session.refresh(membership)
    assert membership.title == "Hovedverneombud"

    refused = client.post(url + "?lang=en", data={f"{prefix}-title": "  "})
    assert refused.status_code == 400
    assert "A case handler needs a title that reporters will see." in text(refused)
    db_session.refresh(membership)
    assert membership.title == "Hovedverneombud"


def test_a_membership_of_another_organisation_cannot_be_touched(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any, db_session: Session
) -> None:
    stranger = factory.person(factory.org(), "handler", title="Annet verneombud")
    [membership] = stranger.memberships
    base = f"/orgs/{org.slug}/admin/people/{membership.public_id}"
    assert client.post(base + "/title", data={"title": "Kapret"}).status_code == 404
    assert client.get(base + "/remove").status_code == 404
    assert client.post(base + "/remove").status_code == 404
    db_session.refresh(membership)
    assert membership.title == "Annet verneombud"


def test_the_last_admin_cannot_be_removed(
    client: FlaskClient, org: Any, admin_person: Any, db_session: Session
) -> None:
    [membership] = admin_person.memberships
    url = f"/orgs/{org.slug}/admin/people/{membership.public_id}/remove?lang=en"
    response = client.post(url)
    assert response.status_code == 409
    assert "An organisation always needs an administrator." in text(response)
    assert db_session.get(Membership, membership.id) is not None
    with pytest.raises(admin.LastAdmin):
        admin.remove_membership(db_session, org, membership.public_id)


def test_an_admin_can_step_down_when_another_admin_remains(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any, db_session: Session
) -> None:
    factory.person(org, "admin")
    [membership] = admin_person.memberships
    url = f"/orgs/{org.slug}/admin/people/{membership.public_id}/remove"
    assert "Remove the role Administrator from" in text(client.get(url + "?lang=en"))
    response = client.post(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert db_session.get(Membership, membership.id) is None
    # That was their last role, so they are signed out (everywhere).
    assert client.get(f"/orgs/{org.slug}/admin/people").headers["Location"].startswith("/login")


def test_removing_the_last_membership_ends_the_persons_sessions(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any
) -> None:
    leader = factory.person(org, "leader")
    [membership] = leader.memberships
    theirs = client.application.test_client()
    login(theirs, leader)
    assert theirs.get("/home").status_code == 200
    response = client.post(f"/orgs/{org.slug}/admin/people/{membership.public_id}/remove")
    assert response.status_code == 302
    assert theirs.get("/home").headers["Location"].startswith("/login")
    assert client.get(f"/orgs/{org.slug}/admin/people").status_code == 200  # not the admin's


def test_removing_one_of_several_memberships_keeps_the_session(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any, db_session: Session
) -> None:
    from accounts import services

    person = factory.person(org, "leader")
    [membership] = person.memberships
    services.appoint(db_session, factory.org(), person, "leader")  # a role elsewhere stays
    db_session.flush()
    theirs = client.application.test_client()
    login(theirs, person)
    response = client.post(f"/orgs/{org.slug}/admin/people/{membership.public_id}/remove")
    assert response.status_code == 302
    assert theirs.get("/home").status_code == 200


def _case(db_session: Session, org: Any, handler_membership: Membership) -> Any:
    from casework.models import Case, CaseHandler

    case = Case(
        organisation=org,
        received_on=clock.today(),
        acknowledge_by=clock.today(),
        feedback_by=clock.today(),
        reporter_lookup=uuid.uuid4().bytes * 2,
        reporter_public_key=bytes(32),
        report='{"v":1,"recipients":[],"nonce":"SECRETNONCE","ct":"SECRETCIPHERTEXT"}',
    )
    db_session.add(case)
    db_session.flush()
    db_session.add(CaseHandler(case_id=case.id, membership_id=handler_membership.id,
                               added_on=clock.today()))
    db_session.flush()
    return case


def test_removing_a_handler_keeps_their_cases(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any, db_session: Session
) -> None:
    from casework.models import Case, CaseHandler

    handler = factory.person(org, "handler", title="Verneombud")
    [membership] = handler.memberships
    case = _case(db_session, org, membership)
    # A colleague reads the case too (casework refuses to remove a case's last reader).
    colleague = factory.person(org, "handler", title="Verneombud 2")
    db_session.add(CaseHandler(case_id=case.id, membership_id=colleague.memberships[0].id,
                               added_on=clock.today()))
    db_session.flush()
    response = client.post(f"/orgs/{org.slug}/admin/people/{membership.public_id}/remove")
    assert response.status_code == 302
    assert db_session.get(Membership, membership.id) is None
    db_session.expire_all()
    assert db_session.get(Case, case.id) is not None
    assert db_session.get(type(handler), handler.id) is not None  # the account stays


def test_a_removal_guard_can_refuse(
    client: FlaskClient, org: Any, admin_person: Any, factory: Any, db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler = factory.person(org, "handler", title="Verneombud")
    [membership] = handler.memberships
    db_session.commit()  # the view rolls back its own work, not the test's setup
    monkeypatch.setattr(admin, "removal_guards", [lambda s, m: "Hand over the open cases first."])
    response = client.post(f"/orgs/{org.slug}/admin/people/{membership.public_id}/remove")
    assert response.status_code == 409
    assert "Hand over the open cases first." in text(response)
    assert db_session.get(Membership, membership.id) is not None


def test_an_admin_sees_no_case(
    app: Flask, client: FlaskClient, org: Any, admin_person: Any, factory: Any,
    db_session: Session,
) -> None:
    handler = factory.person(org, "handler", title="Verneombud")
    case = _case(db_session, org, handler.memberships[0])
    pages = [
        f"/orgs/{org.slug}/admin/settings",
        f"/orgs/{org.slug}/admin/people",
        f"/orgs/{org.slug}/admin/people/invite",
        f"/orgs/{org.slug}/admin/people/{handler.memberships[0].public_id}/remove",
        "/home",
    ]
    for path in pages:
        page = text(client.get(path))
        assert "SECRETCIPHERTEXT" not in page and str(case.public_id) not in page, path
    # Every case page answers an admin (who is not also a handler) with 404, even with
    # the real case's id in the URL.
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("casework.") and "org_slug" in rule.arguments:
            path = build_path(app, rule, org.slug, fill=case.public_id)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                assert client.open(path, method=method).status_code == 404, (method, path)


def test_other_roles_do_not_get_the_admin_pages(
    client: FlaskClient, org: Any, factory: Any, login_as: Any
) -> None:
    person = factory.person(org, "handler", title="Verneombud")
    factory.person(org, "admin")
    login_as(person)
    for path in ("settings", "people", "people/invite"):
        assert client.get(f"/orgs/{org.slug}/admin/{path}").status_code == 404



def test_inviting_twice_or_a_member_says_so_and_the_mail_says_who_and_what(
    app: Flask, client: FlaskClient, org: Any, admin_person: Any, db_session: Session
) -> None:
    first = text(_invite(client, org, email="to@example.test"))
    assert "earlier link stops working" not in first
    mail = outbox(app.config["TRYGG"])[-1].get_content()
    assert admin_person.name in mail and "sexual harassment" in mail
    second = text(_invite(client, org, email="to@example.test"))
    assert "That earlier link stops working now" in second
    own = text(_invite(client, org, email=admin_person.email, role="leader", title=""))
    assert "is already a member here, as Administrator" in own
