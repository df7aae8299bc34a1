"""What casework asks of the organisation admin's pages (accounts/admin.py).

accounts cannot depend on casework, so casework registers hooks there when its views are
imported (at app creation):

- a removal guard: a handler's membership cannot be removed while they are the only one
  left who can read a case whose content still exists. Removing it would cascade away their
  CaseHandler rows and leave the case with nobody able to read it or add anyone;
- a recorder: every admin action (settings, invitations, titles, removals, the referral
  directory) becomes an entry in the audit chain, with the admin's membership as actor.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import admin
from accounts.models import Membership, Organisation, Person
from casework import audit
from casework.models import Case, CaseHandler


def sole_reader_cases(session: Session, membership: Membership) -> set[int]:
    """Cases with content (not purged) that no other active handler can read."""
    mine = (
        select(CaseHandler.case_id)
        .join(Case, Case.id == CaseHandler.case_id)
        .where(CaseHandler.membership_id == membership.id, Case.purged_on.is_(None))
    )
    # Lock the cases' handler rows (PostgreSQL), so that two admins removing a case's two
    # handlers at once cannot each count on the other.
    rows = session.execute(
        select(CaseHandler.case_id, CaseHandler.membership_id, Person.active)
        .join(Membership, Membership.id == CaseHandler.membership_id)
        .join(Person, Person.id == Membership.person_id)
        .where(CaseHandler.case_id.in_(mine))
        .with_for_update(of=CaseHandler)
    ).all()
    cases = {case_id for case_id, _m, _a in rows}
    covered = {case_id for case_id, m, active in rows if m != membership.id and active}
    return cases - covered


def last_reader_guard(session: Session, membership: Membership) -> str | None:
    if membership.role != "handler" or not sole_reader_cases(session, membership):
        return None
    return _(
        "%(name)s is the only case handler left on at least one case. Ask them to hand "
        "those cases over to another case handler first (on the case page), then remove "
        "the role. Nothing was changed.",
        name=membership.person.name,
    )


def record_admin_action(
    session: Session, org: Organisation, actor: Membership, action: str, detail: str
) -> None:
    audit.append(session, action, organisation_id=org.id, actor_id=actor.id, detail=detail)


def install() -> None:
    """Register the hooks once (importing casework.views calls this)."""
    if last_reader_guard not in admin.removal_guards:
        admin.removal_guards.append(last_reader_guard)
    if record_admin_action not in admin.admin_recorders:
        admin.admin_recorders.append(record_admin_action)
