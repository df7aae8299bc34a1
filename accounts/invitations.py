"""Single-use, expiring invitations. Only SHA-256 of the token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import services
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


def redeem(
    session: Session, token: str, *, name: str = "", password: str = ""
) -> tuple[Person, Membership]:
    """Use an invitation: create the person if new (name and password needed) and appoint.

    The caller commits; a second redeem of the same token raises InvitationInvalid.
    """
    invitation = find(session, token)
    person = services.person_by_email(session, invitation.email)
    if person is None:
        if not name.strip() or not password:
            raise services.AccountError("name and password are needed for a new account")
        person = services.create_person(session, invitation.email, name, password)
        session.flush()
    membership = services.appoint(
        session,
        invitation.organisation,
        person,
        invitation.role,
        title=invitation.title,
        external=invitation.external,
    )
    invitation.used_at = datetime.now(UTC)
    return person, membership
