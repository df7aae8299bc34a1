"""Account services: sign-in steps, second factor, people and organisations.

Services take the session explicitly, raise specific exceptions and never commit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from accounts import passwords, totp
from accounts.models import Membership, Organisation, Person


class AccountError(Exception):
    """Base class for account failures that views turn into messages."""


class BadCredentials(AccountError):
    pass


class BadCode(AccountError):
    pass


class CodesLocked(AccountError):
    """Too many wrong codes in a row: second-factor attempts wait until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


# Wrong codes in a row (from any address) before code sign-in pauses, and for how long.
TOTP_MAX_FAILURES = 10
TOTP_LOCK = timedelta(minutes=15)
_TOTP_STATE = ["totp_last_step", "totp_failures", "totp_locked_until"]


class UnknownOrganisation(AccountError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def person_by_email(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(func.lower(Person.email) == normalise_email(email)))


def check_password(session: Session, email: str, password: str) -> Person:
    """The person whose password this is. Unknown emails cost the same and fail the same."""
    person = person_by_email(session, email)
    ok = passwords.verify_password(person.password_hash if person else None, password)
    if not ok or person is None or not person.active:
        raise BadCredentials()
    return person


def end_sessions(session: Session, person_id: int) -> None:
    """Sign a person out everywhere: every session made before this stops working."""
    session.execute(
        update(Person)
        .where(Person.id == person_id)
        .values(session_version=Person.session_version + 1)
    )


def codes_locked(person: Person) -> bool:
    return person.totp_locked_until is not None and person.totp_locked_until > datetime.now(UTC)


def check_code(session: Session, person: Person, code: str) -> None:
    """Accept a TOTP code once; a replayed or wrong code raises BadCode.

    The code is accepted by a conditional UPDATE, so two requests with one code cannot
    both succeed even if both read the person before either wrote. Every refusal counts
    (the caller commits it); TOTP_MAX_FAILURES in a row raise CodesLocked, and so does
    every attempt until the lock ends. A right code resets the count.
    """
    now = datetime.now(UTC)
    if person.totp_locked_until is not None and person.totp_locked_until > now:
        raise CodesLocked(person.totp_locked_until)
    if person.totp_secret is None:
        raise BadCode()
    step = totp.matching_step(totp.open_secret(person.totp_secret), code, person.totp_last_step)
    if step is not None:
        accepted = session.execute(
            update(Person)
            .where(
                Person.id == person.id,
                Person.totp_last_step < step,
                or_(Person.totp_locked_until.is_(None), Person.totp_locked_until <= now),
            )
            .values(totp_last_step=step, totp_failures=0, totp_locked_until=None)
            .execution_options(synchronize_session=False)
        )
        session.expire(person, _TOTP_STATE)
        if accepted.rowcount == 1:  # type: ignore[attr-defined]
            return
    session.execute(
        update(Person)
        .where(Person.id == person.id)
        .values(totp_failures=Person.totp_failures + 1)
        .execution_options(synchronize_session=False)
    )
    until = now + TOTP_LOCK
    locked = session.execute(
        update(Person)
        .where(Person.id == person.id, Person.totp_failures >= TOTP_MAX_FAILURES)
        .values(totp_failures=0, totp_locked_until=until)
        .execution_options(synchronize_session=False)
    )
    session.expire(person, _TOTP_STATE)
    if locked.rowcount == 1:  # type: ignore[attr-defined]
        raise CodesLocked(until)
    raise BadCode()


def enrol_totp(person: Person, secret: str, code: str) -> None:
    """Store a new TOTP secret once the person proves their app shows the right code."""
    step = totp.matching_step(secret, code, 0)
    if step is None:
        raise BadCode()
    person.totp_secret = totp.seal_secret(secret)
    person.totp_last_step = step


def create_person(session: Session, email: str, name: str, password: str) -> Person:
    person = Person(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=passwords.hash_password(password),
    )
    session.add(person)
    return person


class SlugTaken(AccountError):
    pass


class BadSlug(AccountError):
    pass


def create_organisation(
    session: Session, *, slug: str, name: str, **settings: object
) -> Organisation:
    import re

    from accounts.models import SLUG_PATTERN

    slug = slug.strip().lower()
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise BadSlug(f"{slug!r}: use 1–48 lowercase letters, digits and hyphens")
    if session.scalar(select(Organisation).where(Organisation.slug == slug)) is not None:
        raise SlugTaken(f"the slug {slug!r} is taken")
    org = Organisation(slug=slug, name=name.strip(), **settings)
    session.add(org)
    session.flush()
    return org


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise UnknownOrganisation(slug)
    return org


def appoint(
    session: Session,
    org: Organisation,
    person: Person,
    role: str,
    title: str = "",
    external: bool = False,
) -> Membership:
    """Give a person a role in an organisation (idempotent: updates title/external)."""
    existing = session.scalar(
        select(Membership).where(
            Membership.person_id == person.id,
            Membership.organisation_id == org.id,
            Membership.role == role,
        )
    )
    if existing is not None:
        existing.title, existing.external = title, external
        if existing.ended_at is not None:
            # Appointed again after a removal: a new appointment, confirmed anew.
            existing.ended_at = None
            existing.confirmed_key = existing.confirmed_at = existing.confirmed_by_id = None
        return existing
    membership = Membership(
        person=person, organisation=org, role=role, title=title, external=external
    )
    session.add(membership)
    return membership
