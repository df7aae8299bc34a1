"""What casework asks of the organisation admin's pages (accounts/admin.py).

accounts cannot depend on casework, so casework registers hooks there when its views are
imported (at app creation):

- a retirer: a removed handler who is the only one left who can read a case whose content
  still exists keeps those cases (their membership is ended, not deleted) until they hand
  them over; deleting it would leave the case with nobody able to read it or add anyone.
  The admin is not told which happened: a refusal would reveal that a report left out
  every other handler;
- a recorder: every admin action (settings, invitations, titles, removals, the referral
  directory) becomes an entry in the audit chain, with the admin's membership as actor.
"""

from __future__ import annotations

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


def retire_handler(session: Session, membership: Membership) -> bool:
    """A handler's membership is being removed: take them off every case someone else can
    read, and say whether they must be kept (ended) for the cases only they can read.

    The admin's answer does not depend on this (accounts.admin.remove_membership): refusing
    would tell the admin that some report left out every other handler.
    """
    sole = sole_reader_cases(session, membership)
    for link in session.scalars(
        select(CaseHandler).where(CaseHandler.membership_id == membership.id)
    ):
        if link.case_id not in sole:
            session.delete(link)
    session.flush()
    return bool(sole)


def record_admin_action(
    session: Session, org: Organisation, actor: Membership, action: str, detail: str
) -> None:
    audit.append(session, action, organisation_id=org.id, actor_id=actor.id, detail=detail)


def install() -> None:
    """Register the hooks once (importing casework.views calls this)."""
    if retire_handler not in admin.handler_retirers:
        admin.handler_retirers.append(retire_handler)
    if record_admin_action not in admin.admin_recorders:
        admin.admin_recorders.append(record_admin_action)
