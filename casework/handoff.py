"""Hand-off to the employer: an anonymised summary, released only with the reporter's consent.

The handler writes the summary in the browser, goes through a checklist of identifying
details, and seals it to the reporter and the case's handlers. The reporter can read it on
their follow-up page and agree (a thread message of kind "consent", casework.services.
record_consent). Releasing records that the handler may now give it to the employer; the
handler then prints or downloads it from their own browser. The server never holds the
summary in plaintext and never sends it anywhere (docs/casework.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework import audit
from casework.errors import (
    ChecklistIncomplete,
    ConsentMissing,
    NothingToRelease,
)
from casework.models import Case, Handoff, Message
from casework.services import check_envelope, expected_kids
from casework.vocabulary import HANDOFF_CHECKLIST


def draft(session: Session, case: Case) -> Handoff | None:
    """The summary not yet released, if any."""
    return session.scalar(
        select(Handoff).where(Handoff.case_id == case.id, Handoff.released_on.is_(None))
    )


def save_summary(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    summary: object,
    checklist: Iterable[str],
    on: date,
) -> Handoff:
    """Save the summary (replacing an unreleased draft). Consent given before this moment
    does not count for it: the reporter agrees to what they can read."""
    if set(checklist) != set(HANDOFF_CHECKLIST):
        raise ChecklistIncomplete()
    text = check_envelope(summary, expected_kids(session, case, "message"))
    last = session.scalar(select(func.max(Message.seq)).where(Message.case_id == case.id)) or 0
    handoff = draft(session, case)
    revised = handoff is not None
    if handoff is None:
        handoff = Handoff(case=case)
        session.add(handoff)
    handoff.summary, handoff.after_seq = text, last
    handoff.created_on, handoff.created_by_id = on, membership.id
    session.flush()
    audit.append(
        session, "handoff.revised" if revised else "handoff.written",
        organisation_id=case.organisation_id, case_id=case.id, actor_id=membership.id,
    )
    return handoff


def consent_after(session: Session, case: Case, seq: int) -> Message | None:
    return session.scalar(
        select(Message)
        .where(Message.case_id == case.id, Message.kind == "consent",
               Message.sender == "reporter", Message.seq > seq)
        .order_by(Message.seq)
        .limit(1)
    )


def release(session: Session, case: Case, membership: Membership, *, on: date) -> Handoff:
    handoff = draft(session, case)
    if handoff is None:
        raise NothingToRelease()
    consent = consent_after(session, case, handoff.after_seq)
    if consent is None:
        raise ConsentMissing()
    handoff.released_on, handoff.released_by_id = on, membership.id
    audit.append(
        session, "handoff.released", organisation_id=case.organisation_id, case_id=case.id,
        actor_id=membership.id, detail=f"consent=#{consent.seq}",
    )
    return handoff


def for_reporter(session: Session, case: Case) -> Handoff | None:
    """The summary the reporter is asked to agree to: the unreleased draft, if any.

    The reporter's follow-up page shows it (it is sealed to them, context
    `<case context>/handoff`) next to the consent form.
    """
    return draft(session, case)


def consent_needed(session: Session, case: Case) -> bool:
    """Whether the reporter's consent would release something now: there is a draft and no
    consent after it. The follow-up page offers the consent form again when this is true,
    also to a reporter who agreed to an earlier version."""
    handoff = draft(session, case)
    return handoff is not None and consent_after(session, case, handoff.after_seq) is None
