"""What an organisation's admin may change: its public texts, settings, people and roles.

Services take the session explicitly, raise specific exceptions and never commit. Nothing
here reads a case: an admin appoints the people who read cases but is not one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from accounts import appointments, invitations, services
from accounts.models import ROLE_VALUES, Invitation, Membership, Organisation, Person

# The database refuses values outside these (CheckConstraint on Organisation); forms and
# services check them first so that a person gets a message instead of an error.
# stats_k has no upper bound in the schema; 100 is a sanity limit for the form.
SETTING_LIMITS: dict[str, tuple[int, int]] = {
    "acknowledge_days": (1, 90),
    "feedback_days": (7, 365),
    "retention_days": (30, 3650),
    "stats_k": (3, 100),
}
TEXT_FIELDS = ("name", "standpoint", "rules", "routines", "consequences")
TEXT_MAX = 20_000
NAME_MAX = 200
TITLE_MAX = 120


class AdminError(services.AccountError):
    """Base class for refusals an admin sees as a message."""


class InvalidSetting(AdminError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class MembershipNotFound(AdminError):
    """No such membership in this organisation (the view answers 404)."""


class InvitationNotFound(AdminError):
    """No such pending invitation in this organisation (the view answers 404)."""


class LastAdmin(AdminError):
    """Removing this membership would leave the organisation without an admin."""


class AlreadyMember(AdminError):
    """The person already has this role in the organisation."""


class TitleRequired(AdminError):
    """Handlers need a title: it is what reporters choose between."""


class ExternalNotHandler(AdminError):
    """Only a handler can be an outside advisor."""


class RemovalRefused(AdminError):
    """A guard registered by another package refused the removal (message inside)."""


# Other packages may refuse a removal (for example casework, when the person is the only
# reader of an open case). A guard returns None to allow, or a message to refuse.
RemovalGuard = Callable[[Session, Membership], str | None]
removal_guards: list[RemovalGuard] = []

# Other packages may keep a removed handler's membership (ended, invisible to the admin)
# while they still hold something only they can read; the hook also takes away what they
# no longer need. It returns True to keep the membership. The admin's answer is the same
# either way, so a removal reveals nothing derived from cases (docs/accounts.md).
HandlerRetirer = Callable[[Session, Membership], bool]
handler_retirers: list[HandlerRetirer] = []

# Other packages may record what admins do (casework appends it to its audit chain). A
# recorder gets the session, the organisation, the acting admin's membership, an action
# code and a short structured detail: ids, codes, setting names, titles — never free text.
AdminRecorder = Callable[[Session, Organisation, Membership, str, str], None]
admin_recorders: list[AdminRecorder] = []


def record(
    session: Session, org: Organisation, actor: Membership, action: str, detail: str = ""
) -> None:
    """Pass one admin action to the recorders, inside the action's own transaction."""
    for recorder in admin_recorders:
        recorder(session, org, actor, action, detail)


# -- the organisation's page and settings ---------------------------------------------------


def check_settings(values: dict[str, Any]) -> None:
    """Raise InvalidSetting for the first value outside its limits."""
    for field, (low, high) in SETTING_LIMITS.items():
        if field not in values:
            continue
        value = values[field]
        if type(value) is not int or not low <= value <= high:
            raise InvalidSetting(field, f"must be a whole number from {low} to {high}")
    ack, feedback = values.get("acknowledge_days"), values.get("feedback_days")
    if ack is not None and feedback is not None and feedback <= ack:
        raise InvalidSetting("feedback_days", "must be later than the acknowledgement deadline")


def update_organisation(session: Session, org: Organisation, **values: Any) -> list[str]:
    """Change texts and settings; nothing changes unless every value is acceptable.

    Returns the names of the fields whose value changed."""
    unknown = set(values) - set(TEXT_FIELDS) - set(SETTING_LIMITS)
    if unknown:
        raise InvalidSetting(", ".join(sorted(unknown)), "not something an admin can change")
    merged = {field: getattr(org, field) for field in SETTING_LIMITS} | {
        k: v for k, v in values.items() if k in SETTING_LIMITS
    }
    check_settings(merged)
    for field in TEXT_FIELDS:
        if field not in values:
            continue
        text = (values[field] or "").strip()
        limit = NAME_MAX if field == "name" else TEXT_MAX
        if len(text) > limit or (field == "name" and not text):
            raise InvalidSetting(field, f"must be 1 to {limit} characters")
        values[field] = text
    changed = [field for field, value in values.items() if getattr(org, field) != value]
    for field, value in values.items():
        setattr(org, field, value)
    session.flush()
    return changed


# -- people -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    membership: Membership
    person: Person

    @property
    def has_key(self) -> bool:
        return self.person.public_key is not None


def members(session: Session, org: Organisation) -> list[Member]:
    rows = session.execute(
        select(Membership, Person)
        .join(Person, Membership.person_id == Person.id)
        .where(Membership.organisation_id == org.id, Membership.ended_at.is_(None))
        .order_by(Membership.role, func.lower(Person.name), Membership.id)
    ).all()
    return [Member(m, p) for m, p in rows]


def pending_invitations(session: Session, org: Organisation) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == org.id,
                Invitation.used_at.is_(None),
                Invitation.expires_at > datetime.now(UTC),
            )
            .order_by(Invitation.created_at, Invitation.id)
        )
    )


def _check_role_details(role: str, title: str, external: bool) -> str:
    title = title.strip()
    if role not in ROLE_VALUES:
        raise InvalidSetting("role", f"must be one of {', '.join(ROLE_VALUES)}")
    if len(title) > TITLE_MAX:
        raise InvalidSetting("title", f"must be at most {TITLE_MAX} characters")
    if role == "handler" and not title:
        raise TitleRequired()
    if external and role != "handler":
        raise ExternalNotHandler()
    return title


def invite(
    session: Session,
    org: Organisation,
    email: str,
    role: str,
    *,
    title: str = "",
    external: bool = False,
    invited_by: Person | None = None,
) -> str:
    """Create an invitation and return its token (show it once; only its hash is kept).

    An earlier pending invitation for the same address and role stops working, so only the
    newest link is valid.
    """
    title = _check_role_details(role, title, external)
    email = services.normalise_email(email)
    person = services.person_by_email(session, email)
    if person is not None and role in person.roles_in(org):
        raise AlreadyMember()
    appointments.check_roles(person, org, role)
    session.execute(
        delete(Invitation).where(
            Invitation.organisation_id == org.id,
            Invitation.email == email,
            Invitation.role == role,
            Invitation.used_at.is_(None),
        )
    )
    return invitations.create(
        session, org, email, role, title=title, external=external, created_by=invited_by
    )


def revoke_invitation(session: Session, org: Organisation, public_id: Any) -> Invitation:
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.organisation_id == org.id,
            Invitation.public_id == public_id,
            Invitation.used_at.is_(None),
        )
    )
    if invitation is None:
        raise InvitationNotFound()
    session.delete(invitation)
    session.flush()
    return invitation


def membership(session: Session, org: Organisation, public_id: Any) -> Membership:
    found = session.scalar(
        select(Membership).where(
            Membership.organisation_id == org.id, Membership.public_id == public_id,
            Membership.ended_at.is_(None),
        )
    )
    if found is None:
        raise MembershipNotFound()
    return found


def change_title(session: Session, org: Organisation, public_id: Any, title: str) -> Membership:
    found = membership(session, org, public_id)
    found.title = _check_role_details(found.role, title, found.external)
    session.flush()
    return found


def remove_membership(session: Session, org: Organisation, public_id: Any) -> Membership:
    """End one role of one person in the organisation.

    The person's account stays (they may belong elsewhere), but removing their last role
    signs them out everywhere. Cases belong to the organisation, not to a handler, so none
    is deleted; guards registered by other packages may refuse first.
    """
    found = membership(session, org, public_id)
    if found.role == "admin":
        # Lock the admin rows (PostgreSQL) so two admins cannot remove each other at once.
        admins = session.scalars(
            select(Membership.id)
            .where(Membership.organisation_id == org.id, Membership.role == "admin")
            .with_for_update()
        ).all()
        if len(admins) <= 1:
            raise LastAdmin()
    for guard in removal_guards:
        message = guard(session, found)
        if message:
            raise RemovalRefused(message)
    keep = False
    if found.role == "handler":
        for retirer in handler_retirers:
            keep = retirer(session, found) or keep
    if keep:
        # They keep only the cases nobody else can read, until they hand them over.
        found.ended_at = datetime.now(UTC)
        session.flush()
        return found
    session.delete(found)
    session.flush()
    remaining = session.scalar(
        select(func.count()).select_from(Membership).where(Membership.person_id == found.person_id)
    )
    if not remaining:
        services.end_sessions(session, found.person_id)
    return found


__all__ = [
    "SETTING_LIMITS",
    "AdminError",
    "AlreadyMember",
    "ExternalNotHandler",
    "InvalidSetting",
    "InvitationNotFound",
    "LastAdmin",
    "Member",
    "MembershipNotFound",
    "RemovalRefused",
    "TitleRequired",
    "admin_recorders",
    "change_title",
    "check_settings",
    "handler_retirers",
    "invite",
    "members",
    "membership",
    "pending_invitations",
    "record",
    "removal_guards",
    "remove_membership",
    "revoke_invitation",
    "update_organisation",
]
