"""Links between cases of one organisation (issue 12): "same person", "same production".

Only a handler of *both* cases can link them, so a link never tells anyone about a case
they do not handle; the reason is sealed like a note (handlers of the case it was written
in only). A link is shown on each case page to the handlers of that case, naming the other
case only to those who handle it too. Cross-organisation matching is out of scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework import audit
from casework.errors import CaseNotFound, CaseworkError
from casework.models import Case, CaseHandler
from casework.services import add_message, case_for, check_envelope, expected_kids
from casework.workflow_models import LINK_KINDS, CaseLink


class BadLink(CaseworkError):
    code = "bad_link"


@dataclass(frozen=True)
class Linked:
    link: CaseLink
    other: Case | None  # None: a case this handler does not handle


def link(session: Session, case: Case, membership: Membership, *, other_id: uuid.UUID,
         kind: str, reason: object, on: object) -> CaseLink:
    if kind not in LINK_KINDS:
        raise BadLink("kind")
    if other_id == case.public_id:
        raise BadLink("self")
    other = case_for(session, membership, other_id)  # CaseNotFound unless theirs too
    if other.organisation_id != case.organisation_id:
        raise CaseNotFound()
    existing = session.scalar(select(CaseLink).where(
        or_((CaseLink.from_case_id == case.id) & (CaseLink.to_case_id == other.id),
            (CaseLink.from_case_id == other.id) & (CaseLink.to_case_id == case.id))))
    if existing is not None:
        raise BadLink("exists")
    note_id = None
    if reason:
        text = check_envelope(reason, expected_kids(session, case, "note"))
        note_id = add_message(session, case, sender="handler", kind="note", body=text,
                              author=membership).id
    row = CaseLink(organisation_id=case.organisation_id, from_case_id=case.id,
                   to_case_id=other.id, kind=kind, note_id=note_id)
    session.add(row)
    session.flush()
    for c in (case, other):
        audit.append(session, "link.added", organisation_id=c.organisation_id, case_id=c.id,
                     actor_id=membership.id, detail=kind)
    return row


def links_for(session: Session, case: Case, membership: Membership) -> list[Linked]:
    rows = session.scalars(select(CaseLink).where(
        or_(CaseLink.from_case_id == case.id, CaseLink.to_case_id == case.id))
        .order_by(CaseLink.id)).all()
    mine = set(session.scalars(select(CaseHandler.case_id)
                               .where(CaseHandler.membership_id == membership.id)))
    out = []
    for row in rows:
        other_id = row.to_case_id if row.from_case_id == case.id else row.from_case_id
        out.append(Linked(row, session.get(Case, other_id) if other_id in mine else None))
    return out


def candidates(session: Session, case: Case, membership: Membership) -> list[Case]:
    """The handler's other cases in the same organisation."""
    return list(session.scalars(
        select(Case).join(CaseHandler, CaseHandler.case_id == Case.id)
        .where(CaseHandler.membership_id == membership.id,
               Case.organisation_id == case.organisation_id, Case.id != case.id)
        .order_by(Case.received_on.desc())))


__all__ = ["BadLink", "Linked", "candidates", "link", "links_for"]
