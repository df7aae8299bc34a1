"""What casework asks of the admin pages: no removal that leaves a case without a reader."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from accounts.models import Membership
from casework.models import CaseHandler


def _remove(client: Any, team: Any, membership: Any) -> Any:
    return client.post(f"/orgs/{team.org.slug}/admin/people/{membership.public_id}/remove"
                       "?lang=en")


def test_the_last_handler_of_a_case_cannot_be_removed(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)  # sealed to Vera alone (the internal handler)
    vera = team.membership(team.vera)
    assert [h.membership_id for h in opened.case.handlers] == [vera.id]
    db_session.commit()  # the view rolls back its own work, not the test's setup
    login_as(team.admin)
    response = _remove(client, team, vera)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Ask them to hand those cases over to another case handler first" in page
    assert db_session.get(Membership, vera.id) is not None
    assert db_session.scalar(select(CaseHandler).where(
        CaseHandler.case_id == opened.case.id, CaseHandler.membership_id == vera.id))
    # In bokmål by default.
    norsk = client.post(f"/orgs/{team.org.slug}/admin/people/{vera.public_id}/remove?lang=nb")
    assert norsk.status_code == 409
    assert "Be vedkommende overlevere de sakene" in norsk.get_data(as_text=True)


def test_a_handler_can_be_removed_once_someone_else_reads_their_cases(
    client: Any, login_as: Any, team: Any, cases: Any, db_session: Any
) -> None:
    opened = cases.open(team.org)
    purged = cases.open(team.org)
    purged.case.purged_on = date.today()  # nothing left to read: it does not hold her
    db_session.add(CaseHandler(case_id=opened.case.id, membership_id=team.membership(team.rolf).id,
                               added_on=date.today()))
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
                               added_on=date.today()))
    team.rolf.active = False
    db_session.commit()
    login_as(team.admin)
    assert _remove(client, team, team.membership(team.vera)).status_code == 409


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
