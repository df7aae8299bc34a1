"""Staff accounts that can be recovered: a new password, one-time backup codes, a second
factor reset by the admin (a new single-use link by mail), and deactivation.

Services take the session explicitly, raise specific exceptions and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from accounts import passwords, services
from accounts.models import Membership, Organisation, Person

BACKUP_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
_BACKUP = re.compile(r"^\s*([a-z2-9]{5})[-\s]?([a-z2-9]{5})\s*$", re.IGNORECASE)
RESET_VALID = timedelta(days=7)


class WrongPassword(services.AccountError):
    pass


class WeakPassword(services.AccountError):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class ResetInvalid(services.AccountError):
    """Unknown, expired or used reset link: the same answer for each."""


class CannotDeactivate(services.AccountError):
    """Themselves, the last active admin, or someone with roles in other organisations."""


# -- backup codes ---------------------------------------------------------------------------


def _digest(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"trygg/v1/backup-code\x00" + code.encode(), hashlib.sha256).hexdigest()


def _normal(code: str) -> str | None:
    found = _BACKUP.match(code)
    return (found.group(1) + found.group(2)).lower() if found else None


def looks_like_backup_code(code: str) -> bool:
    return _normal(code) is not None


def generate_backup_codes() -> list[str]:
    """Ten fresh one-time codes, as shown: "abcde-fghjk"."""
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(BACKUP_CODES)]
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def store_backup_codes(person: Person, codes: list[str]) -> None:
    """Keep keyed hashes of `codes` (never the codes); any earlier codes stop working."""
    person.backup_codes = json.dumps(sorted(_digest(_normal(c) or "") for c in codes))


def new_backup_codes(person: Person) -> list[str]:
    codes = generate_backup_codes()
    store_backup_codes(person, codes)
    return codes


def backup_codes_left(person: Person) -> int:
    return len(json.loads(person.backup_codes)) if person.backup_codes else 0


def use_backup_code(session: Session, person: Person, code: str) -> bool:
    """Spend one backup code. A conditional UPDATE: two requests with one code, one wins."""
    normal = _normal(code)
    if normal is None or not person.backup_codes:
        return False
    stored = person.backup_codes
    digests = json.loads(stored)
    wanted = _digest(normal)
    if not any(hmac.compare_digest(wanted, d) for d in digests):
        return False
    left = json.dumps([d for d in digests if d != wanted])
    spent = session.execute(
        update(Person).where(Person.id == person.id, Person.backup_codes == stored)
        .values(backup_codes=left, totp_failures=0, totp_locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.expire(person, ["backup_codes", "totp_failures", "totp_locked_until"])
    return spent.rowcount == 1  # type: ignore[attr-defined]


# -- password -------------------------------------------------------------------------------


def change_password(session: Session, person: Person, current: str, new: str) -> None:
    """Set a new password and end every other session (the caller signs this one in again)."""
    if not passwords.verify_password(person.password_hash, current):
        raise WrongPassword()
    problem = passwords.password_problem(new)
    if problem:
        raise WeakPassword(problem)
    person.password_hash = passwords.hash_password(new)
    session.flush()
    services.end_sessions(session, person.id)
    session.refresh(person)


# -- second factor reset ----------------------------------------------------------------------


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def reset_second_factor(session: Session, person: Person) -> str:
    """Remove the person's second factor and backup codes, sign them out everywhere, and
    return a single-use link token (mailed to them, never shown to the admin). Only with
    that link can they set up a new second factor: a password alone is not enough."""
    token = secrets.token_urlsafe(32)
    person.totp_secret = None
    person.totp_last_step = 0
    person.backup_codes = None
    person.totp_reset_hash = _hash(token)
    person.totp_reset_expires = datetime.now(UTC) + RESET_VALID
    session.flush()
    services.end_sessions(session, person.id)
    return token


def person_for_reset(session: Session, token: str) -> Person:
    person = session.scalar(select(Person).where(Person.totp_reset_hash == _hash(token)))
    if (person is None or person.totp_reset_expires is None
            or person.totp_reset_expires <= datetime.now(UTC) or not person.active):
        raise ResetInvalid()
    return person


def needs_reset_link(person: Person) -> bool:
    return person.totp_reset_hash is not None


def finish_reset(person: Person) -> None:
    person.totp_reset_hash = None
    person.totp_reset_expires = None


# -- deactivation -----------------------------------------------------------------------------


def deactivate(session: Session, org: Organisation, person: Person, by: Person) -> None:
    """Stop a person signing in and receiving reports, keeping their roles and cases (for a
    lost phone or a compromised account; reactivate undoes it)."""
    if person.id == by.id:
        raise CannotDeactivate("yourself")
    elsewhere = session.scalar(select(func.count()).select_from(Membership).where(
        Membership.person_id == person.id, Membership.organisation_id != org.id))
    if elsewhere:
        raise CannotDeactivate("other organisations")
    if "admin" in person.roles_in(org):
        active_admins = session.scalar(
            select(func.count()).select_from(Membership)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.organisation_id == org.id, Membership.role == "admin",
                   Person.active.is_(True)))
        if (active_admins or 0) <= 1:
            raise CannotDeactivate("last admin")
    person.active = False
    session.flush()
    services.end_sessions(session, person.id)


def reactivate(person: Person) -> None:
    person.active = True
