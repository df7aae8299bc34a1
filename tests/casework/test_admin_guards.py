"""What casework asks of the admin pages: no removal leaves a case without a reader, and
none tells the admin anything derived from cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from accounts.models import Membership
from casework.models import CaseHandler
from trygg import clock


def _remove(client: Any, team: Any, membership: Any) -> Any:
    return client.post(f"/orgs/{team.org.slug}/admin/people/{membership.public_id}/remove"
                       "?lang=en")


def _flash_and_audit(client: Any, db_session: Any, response: Any) -> tuple[str, str, str]:
    from casework.models import AuditEntry

    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    flash = page[page.index('class="flash'):].split("</", 1)[0]
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    return flash, entry.action, entry.outcome


def test_removing_the_external_advisor_reveals_nothing_about_cases(
    client: Any, login_as: Any, team: Any, cases: Any, factory: Any, db_session: Any
) -> None:
    """The review's attack: a report left out every internal handler, so the external
    advisor is its only reader. Removing the advisor used to be refused with "the only case
    handler left on a case". Now the answer is the one a handler without cases gets, and the
    case stays readable by the advisor until they hand it over."""
    vera_m = team.membership(team.vera)
    opened = cases.open(team.org, excluded=(vera_m,))
    rolf = team.membership(team.rolf)
    assert [h.membership_id for h in opened.case.handlers] == [rolf.id]
    idle = factory.person(team.org, "handler", title="Ekstern rådgiver 2", external=True)
    idle_m = team.membership(idle)
    db_session.commit()
    login_as(team.admin)
    with_case = _flash_and_audit(client, db_session, _remove(client, team, rolf))
    without = _flash_and_audit(client, db_session, _remove(client, team, idle_m))
    assert with_case[1:] == without[1:] == ("membership.removed", "ok")
    assert with_case[0].replace(team.rolf.name, "X") == without[0].replace(idle.name, "X")
    people = client.get(f"/orgs/{team.org.slug}/admin/people?lang=en").get_data(as_text=True)
    assert team.rolf.email not in people and idle.email not in people
    # The case is not left without a reader; the advisor receives nothing new.
    db_session.expire_all()
    kept = db_session.get(Membership, rolf.id)
    assert kept is not None and kept.ended_at is not None
    assert db_session.get(Membership, idle_m.id) is None
    assert db_session.scalar(select(CaseHandler).where(
        CaseHandler.case_id == opened.case.id, CaseHandler.membership_id == rolf.id))
    from casework import intake

    receiving = intake.destination(db_session, team.org.slug)
    assert receiving is not None and team.rolf.email not in {h.email for h in receiving.handlers}


def test_a_removed_sole_reader_goes_once_they_hand_over(
    team: Any, cases: Any, factory: Any, db_session: Any
) -> None:
    from accounts import admin
    from casework import handover

    opened = cases.open(team.org)  # Vera alone
    vera = team.membership(team.vera)
    admin.remove_membership(db_session, team.org, vera.public_id)
    assert vera.ended_at is not None
    db_session.add(CaseHandler(case_id=opened.case.id, membership_id=team.membership(team.rolf).id,
                               added_on=clock.today()))
    db_session.flush()
    handover.leave_case(db_session, opened.case, vera)
    db_session.expire_all()
    assert db_session.get(Membership, vera.id) is None


def test_a_refused_removal_is_audited(
    client: Any, login_as: Any, team: Any, db_session: Any
) -> None:
    from casework.models import AuditEntry

    db_session.commit()
    login_as(team.admin)
    me = team.admin.memberships[0]
    response = client.post(f"/orgs/{team.org.slug}/admin/people/{me.public_id}/remove")
    assert response.status_code == 409
    db_session.expire_all()
    entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert entry.action == "membership.remove_refused"
    assert entry.detail.endswith("reason=last_admin")
    assert db_session.get(Membership, me.id) is not None


def test_a_handler_can_be_removed_once_someone_else_reads_their_cases(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)
    purged = cases.open(team.org)
    purged.case.purged_on = clock.today()  # nothing left to read: it does not hold her
    db_session.add(CaseHandler(case_id=opened.case.id, membership_id=team.membership(team.rolf).id,
                               added_on=clock.today()))
    db_session.commit()
    login_as(team.admin)
    vera = team.membership(team.vera)
    assert _remove(client, team, vera).status_code == 302
    assert db_session.get(Membership, vera.id) is None


def test_a_deactivated_colleague_does_not_count_as_a_reader(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)
    db_session.add(CaseHandler(case_id=opened.case.id, membership_id=team.membership(team.rolf).id,
                               added_on=clock.today()))
    team.rolf.active = False
    db_session.commit()
    login_as(team.admin)
    vera = team.membership(team.vera)
    assert _remove(client, team, vera).status_code == 302
    db_session.expire_all()
    kept = db_session.get(Membership, vera.id)
    assert kept is not None and kept.ended_at is not None  # kept for the case


# -- what admins do is in the audit chain ---------------------------------------------------


def test_every_admin_action_is_in_the_audit_chain(
    app: Any, client: Any, login_as: Any, team: Any, factory: Any, db_session: Any
) -> None:
    from accounts.models import Invitation
    from casework import audit
    from casework.directory import local_referrals
    from casework.models import AuditEntry

    org, me = team.org, team.admin.memberships[0]
    kari = factory.person(org, "handler", title="Verneombud 2")
    kari_m = kari.memberships[0]
    db_session.commit()
    login_as(team.admin)
    base = f"/orgs/{org.slug}/admin"

    def newest() -> AuditEntry:
        db_session.expire_all()
        entry = db_session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert entry is not None
        assert (entry.organisation_id, entry.actor_id, entry.case_id, entry.outcome) == (
            org.id, me.id, None, "ok")
        return entry

    settings = {"name": "Teater Test", "standpoint": "", "rules": "Nei betyr nei.",
                "routines": "", "consequences": "", "acknowledge_days": "5",
                "feedback_days": "60", "retention_days": "730", "stats_k": "7"}
    assert client.post(f"{base}/settings", data=settings).status_code == 302
    entry = newest()
    assert entry.action == "org.updated"
    assert "acknowledge_days" in entry.detail and "rules" in entry.detail
    assert "Nei betyr nei" not in entry.detail  # names of settings, never the texts

    response = client.post(f"{base}/people/invite", data={
        "email": "ny@example.test", "role": "handler", "title": "Verneombud 3"})
    assert response.status_code == 200
    invitation = db_session.scalar(select(Invitation).where(Invitation.email == "ny@example.test"))
    entry = newest()
    assert entry.action == "invitation.created"
    assert f"invitation={invitation.id}" in entry.detail and "role=handler" in entry.detail
    assert "ny@example.test" not in entry.detail

    assert client.post(f"{base}/invitations/{invitation.public_id}/revoke").status_code == 302
    entry = newest()
    assert (entry.action, entry.detail) == ("invitation.revoked",
                                            f"invitation={invitation.id} role=handler")

    prefix = f"m-{kari_m.public_id.hex}"
    assert client.post(f"{base}/people/{kari_m.public_id}/title",
                       data={f"{prefix}-title": "Hovedverneombud"}).status_code == 302
    entry = newest()
    assert (entry.action, entry.detail) == ("membership.title",
                                            f"membership={kari_m.id} title=Hovedverneombud")

    assert client.post(f"{base}/people/{kari_m.public_id}/remove").status_code == 302
    entry = newest()
    assert (entry.action, entry.detail) == (
        "membership.removed", f"membership={kari_m.id} person={kari.id} role=handler")

    assert client.post(f"{base}/referrals", data={
        "code": "bht", "name": "BHT", "role": "Helse", "phone": "22 00 00 00",
        "source": "Avtalen", "checked": "2026-11-20"}).status_code == 303
    entry = newest()
    assert (entry.action, entry.detail) == ("referral.saved", "code=bht")
    [local] = local_referrals(db_session, org)
    assert client.post(f"{base}/referrals/{local.public_id}/delete").status_code == 303
    entry = newest()
    assert (entry.action, entry.detail) == ("referral.deleted", "code=bht")

    assert audit.verify(db_session).ok
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
