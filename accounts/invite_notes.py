"""What an admin should be told when inviting an address: that it already belongs to a
member here (with which roles), and that an earlier link for the same role stops working."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import services
from accounts.models import Invitation, Membership, Organisation, Person


@dataclass(frozen=True)
class InviteNotes:
    member_roles: tuple[str, ...]  # the roles this address already has here
    replaces_pending: bool  # an unused invitation for the same role stops working


def before_invite(session: Session, org: Organisation, email: str, role: str) -> InviteNotes:
    address = services.normalise_email(email)
    roles = session.scalars(
        select(Membership.role).join(Person, Membership.person_id == Person.id)
        .where(Membership.organisation_id == org.id, Person.email == address)
    ).all()
    pending = session.scalar(
        select(Invitation.id).where(
            Invitation.organisation_id == org.id, Invitation.email == address,
            Invitation.role == role, Invitation.used_at.is_(None)).limit(1))
    return InviteNotes(tuple(roles), pending is not None)


__all__ = ["InviteNotes", "before_invite"]
