"""Who may read is never one person's decision (design.md section 5).

A handler receives reports only while their public key is the key an existing handler of
the organisation confirmed (`Membership.confirmed_key`); an organisation's first handler is
confirmed by the operator (`flask trygg confirm-handler`). Existing handlers are told by
mail when a handler is appointed or enrols a key. An admin is never also a handler in the
same organisation, so an admin who invites their own address as a handler still needs a
colleague's confirmation before any report reaches that address.

Services take the session explicitly, raise specific exceptions and never commit.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import services
from accounts.models import Membership, Organisation, Person

log = logging.getLogger(__name__)

# Roles one person may not hold together in one organisation.
EXCLUSIVE = frozenset({"admin", "handler"})


class RolesConflict(services.AccountError):
    """An admin cannot be a handler in the same organisation, nor a handler an admin."""


class NotConfirmable(services.AccountError):
    """Not a pending handler appointment of this organisation (or no key yet)."""


class NotAConfirmedHandler(services.AccountError):
    """Only a handler whose own appointment is confirmed may confirm another."""


class OwnAppointment(services.AccountError):
    """Nobody confirms their own appointment."""


def fingerprint(public_key: bytes) -> str:
    """A short fingerprint people can compare by eye: 16 hex digits in four groups.

    The first 64 bits of SHA-256 of the raw public key. Shown on the reporting form beside
    each handler and on the handler's key page, so a swapped key can be noticed.
    """
    digest = hashlib.sha256(bytes(public_key)).hexdigest()[:16].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def check_roles(person: Person | None, org: Organisation, role: str) -> None:
    """Refuse a role that would make one person both admin and handler here."""
    if person is None or role not in EXCLUSIVE:
        return
    if (person.roles_in(org) & EXCLUSIVE) - {role}:
        raise RolesConflict()


def is_confirmed(membership: Membership) -> bool:
    key = membership.person.public_key
    return (
        membership.role == "handler"
        and membership.ended_at is None
        and key is not None
        and membership.confirmed_key is not None
        and bytes(membership.confirmed_key) == bytes(key)
    )


def handlers(session: Session, org: Organisation) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .join(Person, Person.id == Membership.person_id)
            .where(
                Membership.organisation_id == org.id,
                Membership.role == "handler",
                Membership.ended_at.is_(None),
                Person.active.is_(True),
            )
            .order_by(Membership.id)
        )
    )


def pending(session: Session, org: Organisation) -> list[Membership]:
    """Handlers with a key that nobody has confirmed yet (or whose key changed)."""
    return [m for m in handlers(session, org)
            if m.person.public_key is not None and not is_confirmed(m)]


def confirmed(session: Session, org: Organisation) -> list[Membership]:
    return [m for m in handlers(session, org) if is_confirmed(m)]


def confirm(
    session: Session, org: Organisation, public_id: object, by: Membership | None
) -> Membership:
    """Confirm a pending appointment for the key it has now.

    `by` is the confirming handler's membership, or None for the operator's CLI command.
    """
    target = session.scalar(
        select(Membership).where(
            Membership.organisation_id == org.id,
            Membership.public_id == public_id,
            Membership.role == "handler",
            Membership.ended_at.is_(None),
        )
    )
    if target is None or target.person.public_key is None or is_confirmed(target):
        raise NotConfirmable()
    if by is not None:
        if by.organisation_id != org.id or not is_confirmed(by):
            raise NotAConfirmedHandler()
        if by.person_id == target.person_id:
            raise OwnAppointment()
    target.confirmed_key = bytes(target.person.public_key)
    target.confirmed_at = datetime.now(UTC)
    target.confirmed_by_id = by.id if by is not None else None
    session.flush()
    return target


def confirm_now(membership: Membership) -> None:
    """Mark a membership confirmed for its current key (demo seed and test factories)."""
    assert membership.person.public_key is not None  # noqa: S101 - callers gave a key
    membership.confirmed_key = bytes(membership.person.public_key)
    membership.confirmed_at = datetime.now(UTC)


def tell_handlers(
    session: Session, org: Organisation, about: Person, what: str, link: str
) -> int:
    """Mail every confirmed handler of `org` (except `about`) that a handler was appointed
    (`what="appointed"`) or enrolled a key (`what="key"`). Returns how many were told.

    The mail names the person, their title and fingerprint; never a case.
    """
    from trygg.mail import MailError, send_mail_later

    memberships = [m for m in confirmed(session, org) if m.person_id != about.id]
    mine = next((m for m in about.memberships
                 if m.organisation_id == org.id and m.role == "handler"), None)
    title = mine.title if mine else ""
    if what == "key" and about.public_key is not None:
        subject = _("A case handler in %(org)s has a new key", org=org.name)
        body = _(
            "%(name)s (%(title)s) in %(org)s made a new key with the fingerprint "
            "%(fingerprint)s. Reports reach them only after a case handler confirms it.\n\n"
            "If you do not know about this, contact them by phone or in person before you "
            "confirm, and tell the organisation's administrator.\n\n%(link)s",
            name=about.name, title=title, org=org.name,
            fingerprint=fingerprint(about.public_key), link=link,
        )
    else:
        subject = _("A new case handler was appointed in %(org)s", org=org.name)
        body = _(
            "%(name)s (%(email)s) was appointed case handler in %(org)s with the title "
            "%(title)s. Reports reach them only after a case handler confirms the "
            "appointment.\n\nIf you do not know about this, tell the organisation's "
            "administrator and do not confirm it.\n\n%(link)s",
            name=about.name, email=about.email, title=title, org=org.name, link=link,
        )
    told = 0
    for membership in memberships:
        try:
            send_mail_later(membership.person.email, subject, body)
        except (MailError, ValueError):
            log.warning("a handler could not be told of an appointment")
            continue
        told += 1
    return told
