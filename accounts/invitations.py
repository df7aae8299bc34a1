"""Single-use, expiring invitations. Only SHA-256 of the token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts import appointments, passwords, services
from accounts.models import Invitation, Membership, Organisation, Person

VALID_DAYS = 7


class InvitationInvalid(services.AccountError):
    """Unknown, expired or already used: the same answer for each."""


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create(
    session: Session,
    org: Organisation,
    email: str,
    role: str,
    *,
    title: str = "",
    external: bool = False,
    created_by: Person | None = None,
) -> str:
    """Store an invitation and return its token (to be sent, never stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            organisation=org,
            email=services.normalise_email(email),
            role=role,
            title=title.strip(),
            external=external,
            token_hash=_hash(token),
            expires_at=datetime.now(UTC) + timedelta(days=VALID_DAYS),
            created_by_id=created_by.id if created_by else None,
        )
    )
    return token


def find(session: Session, token: str) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= datetime.now(UTC)
    ):
        raise InvitationInvalid()
    return invitation


class SignInFirst(services.AccountError):
    """The invited address already has an account: its owner signs in, then accepts."""


class WrongPerson(services.AccountError):
    """Someone else is signed in: the invitation is for another address."""


class NewAccountNeeded(services.AccountError):
    """A new account needs a name and an acceptable password (message inside)."""


def redeem(
    session: Session,
    token: str,
    *,
    name: str = "",
    password: str = "",
    person: Person | None = None,
) -> tuple[Person, Membership]:
    """Use an invitation and appoint its person; the caller commits.

    `person` is whoever is signed in. An address that already has an account can only be
    accepted by that person, signed in; a new address gets an account from `name` and
    `password`. The invitation is claimed with a conditional update, so of two
    simultaneous redeems only one succeeds and the other raises InvitationInvalid.
    """
    invitation = find(session, token)
    existing = services.person_by_email(session, invitation.email)
    if existing is not None:
        if person is None:
            raise SignInFirst()
        if person.id != existing.id:
            raise WrongPerson()
        appointments.check_roles(existing, invitation.organisation, invitation.role)
    else:
        if person is not None:
            raise WrongPerson()
        problem = passwords.password_problem(password)
        if not name.strip() or problem:
            raise NewAccountNeeded(problem or "a name is needed")
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvitationInvalid()
    if existing is None:
        existing = services.create_person(session, invitation.email, name, password)
        session.flush()

    membership = services.appoint(
        session,
        invitation.organisation,
        existing,
        invitation.role,
        title=invitation.title,
        external=invitation.external,
    )
    session.flush()
    session.refresh(invitation)
    return existing, membership
