"""Hand-off to the employer: a summary released only with the reporter's consent to that text.

Two kinds (design.md section 6): an *anonymised* summary (no names, no identifying roles)
and an *identified* one (names the person the report is about, and the reporter only when
`names_reporter` is set and the reporter ticked that separately). The handler writes the
summary in the browser and seals it to the reporter and the case's handlers (context
`<case context>/handoff`); every save is a new `version`. The reporter reads that exact text
on their follow-up page and agrees to *that version* (`consent`); a changed text needs
consent again, and consent can be withdrawn until release. Thread messages of kind
"consent" (an early, general yes) are kept as the reporter's words but never release
anything and never hide the question. A closed case no longer asks.

The handler chooses the recipient (daglig leder, styreleder, HR, owner, other) and may name
a person of the organisation; a person the reporter excluded from the case can never be it.
Releasing records that the handler may now give it to that recipient; the handler prints or
saves it from their own browser. The server never holds the summary in plaintext and never
sends it anywhere (docs/casework.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Membership, Person
from casework import audit
from casework.errors import (
    CaseClosed,
    ChecklistIncomplete,
    ConsentMissing,
    ConsentNotAsked,
    ConsentOutdated,
    NothingToRelease,
    RecipientExcluded,
    RecipientMissing,
    ReporterNameConsentMissing,
)
from casework.models import Case, CaseExclusion, Handoff, Message
from casework.services import check_envelope, expected_kids
from casework.vocabulary import HANDOFF_KINDS, HANDOFF_RECIPIENTS, handoff_checklist


@dataclass(frozen=True)
class Recipient:
    role: str  # one of HANDOFF_RECIPIENTS
    person_id: int | None = None  # a person of the organisation, optional
    above_accused: bool = False  # in the same line as, and above, the person concerned


def draft(session: Session, case: Case) -> Handoff | None:
    """The summary not yet released, if any."""
    return session.scalar(
        select(Handoff).where(Handoff.case_id == case.id, Handoff.released_on.is_(None))
    )


def excluded_people(session: Session, case: Case) -> set[int]:
    return set(session.scalars(
        select(CaseExclusion.person_id).where(CaseExclusion.case_id == case.id)))


def recipient_choices(session: Session, case: Case) -> list[Person]:
    """People of the case's organisation who may receive a summary: never one the reporter
    excluded. Shown only to the case's handlers."""
    excluded = excluded_people(session, case)
    people = session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.organisation_id == case.organisation_id, Person.active.is_(True))
        .distinct().order_by(Person.name)
    ).all()
    return [p for p in people if p.id not in excluded]


def _check_recipient(session: Session, case: Case, recipient: Recipient) -> None:
    if recipient.role not in HANDOFF_RECIPIENTS:
        raise RecipientMissing()
    if recipient.person_id is None:
        return
    if recipient.person_id in excluded_people(session, case):
        raise RecipientExcluded()
    member = session.scalar(select(Membership.id).where(
        Membership.person_id == recipient.person_id,
        Membership.organisation_id == case.organisation_id).limit(1))
    if member is None:
        raise RecipientMissing("person")


def save_summary(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    summary: object,
    checklist: Iterable[str],
    on: date,
    kind: str = "anonymised",
    names_reporter: bool = False,
    recipient: Recipient | None = None,
) -> Handoff:
    """Save the summary (a new version of an unreleased draft). Consent to an earlier
    version does not count for it: the reporter agrees to what they can read."""
    if case.state == "closed":
        raise CaseClosed()
    if kind not in HANDOFF_KINDS:
        raise ChecklistIncomplete("kind")
    if not set(handoff_checklist(kind)) <= set(checklist):
        raise ChecklistIncomplete()
    if recipient is None:
        raise RecipientMissing()
    _check_recipient(session, case, recipient)
    text = check_envelope(summary, expected_kids(session, case, "message"))
    last = session.scalar(select(func.max(Message.seq)).where(Message.case_id == case.id)) or 0
    handoff = draft(session, case)
    revised = handoff is not None
    if handoff is None:
        handoff = Handoff(case=case, version=0)
        session.add(handoff)
    handoff.summary, handoff.after_seq = text, last
    handoff.version = (handoff.version or 0) + 1
    handoff.kind = kind
    handoff.names_reporter = kind == "identified" and names_reporter
    handoff.recipient, handoff.recipient_person_id = recipient.role, recipient.person_id
    handoff.recipient_above_accused = recipient.above_accused
    handoff.consent_version = handoff.consented_on = handoff.consent_withdrawn_on = None
    handoff.created_on, handoff.created_by_id = on, membership.id
    session.flush()
    audit.append(
        session, "handoff.revised" if revised else "handoff.written",
        organisation_id=case.organisation_id, case_id=case.id, actor_id=membership.id,
        detail=f"kind={kind} v={handoff.version} to={recipient.role}",
    )
    return handoff


def has_consent(handoff: Handoff) -> bool:
    """The reporter agreed to the current version and has not withdrawn it."""
    return handoff.consent_version is not None and handoff.consent_version == handoff.version


def release(session: Session, case: Case, membership: Membership, *, on: date) -> Handoff:
    handoff = draft(session, case)
    if handoff is None:
        raise NothingToRelease()
    if not has_consent(handoff):
        raise ConsentMissing()
    if handoff.recipient_person_id is not None and \
            handoff.recipient_person_id in excluded_people(session, case):
        raise RecipientExcluded()  # an exclusion added after the summary was saved
    handoff.released_on, handoff.released_by_id = on, membership.id
    audit.append(
        session, "handoff.released", organisation_id=case.organisation_id, case_id=case.id,
        actor_id=membership.id, detail=f"kind={handoff.kind} v={handoff.version}",
    )
    return handoff


# -- the reporter's side (no audit entries: no reporter action is ever logged) -------------


def for_reporter(session: Session, case: Case) -> Handoff | None:
    """The summary the reporter is asked about: the unreleased draft, unless the case is
    closed (a closed case no longer asks)."""
    if case.state == "closed":
        return None
    return draft(session, case)


def released_for_reporter(session: Session, case: Case) -> list[Handoff]:
    return list(session.scalars(
        select(Handoff).where(Handoff.case_id == case.id, Handoff.released_on.is_not(None),
                              Handoff.summary.is_not(None)).order_by(Handoff.id)))


def _asked(session: Session, case: Case, public_id: object) -> Handoff:
    handoff = for_reporter(session, case)
    if handoff is None or str(handoff.public_id) != str(public_id):
        raise ConsentNotAsked()
    return handoff


def give_consent(
    session: Session, case: Case, *, handoff_id: object, version: int, may_name_me: bool,
    on: date,
) -> Handoff:
    """The reporter agrees to `version` of the current draft, which they have read."""
    handoff = _asked(session, case, handoff_id)
    if version != handoff.version:
        raise ConsentOutdated()
    if handoff.names_reporter and not may_name_me:
        raise ReporterNameConsentMissing()
    handoff.consent_version, handoff.consented_on = handoff.version, on
    handoff.consent_withdrawn_on = None
    return handoff


def withdraw_consent(session: Session, case: Case, *, handoff_id: object, on: date) -> Handoff:
    """The reporter takes their consent back; possible until the summary is released."""
    handoff = _asked(session, case, handoff_id)
    if handoff.consent_version is None:
        raise ConsentNotAsked("nothing to withdraw")
    handoff.consent_version, handoff.consented_on = None, None
    handoff.consent_withdrawn_on = on
    return handoff


def consent_needed(session: Session, case: Case) -> bool:
    """Whether the follow-up page should ask: a draft the reporter has not agreed to (in its
    current version), on a case that is not closed. An early general consent in the thread
    does not change this."""
    handoff = for_reporter(session, case)
    return handoff is not None and not has_consent(handoff)


def consent_after(session: Session, case: Case, seq: int) -> Message | None:
    """A general consent message in the thread after `seq` (the reporter's own words; it
    releases nothing by itself since issue 12)."""
    return session.scalar(
        select(Message)
        .where(Message.case_id == case.id, Message.kind == "consent",
               Message.sender == "reporter", Message.seq > seq)
        .order_by(Message.seq)
        .limit(1)
    )
