"""Handler key custody on the server side: store what browser enrolment produced.

The server receives the public key and the two wrapped private keys (crypto.keywrap);
it never sees the passphrase, the recovery code or the private key. `enrol_demo_keys`
performs the browser's steps in Python for the development demo only.

A key is enrolled once. Replacing it would leave every case sealed to the old key
unreadable to this handler until a colleague re-seals it, so `enrol` refuses when a key
exists (docs/accounts.md, "Handler keys").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import services
from accounts.models import Person
from trygg.config import Config


class KeyExists(services.AccountError):
    """The person already has a key pair; replacing it is refused."""


class NotAHandler(services.AccountError):
    """Only case handlers hold a key pair."""


class KeyInUse(services.AccountError):
    """Another person already has this public key (public keys are public, so anyone
    could upload a colleague's); refused, as seals to both would fail."""


def kdf_iterations(config: Config) -> int:
    """PBKDF2 iterations for wrapping a key under a passphrase in this deployment.

    Production uses crypto.keywrap's default; tests lower it through `extra`.
    """
    from crypto import keywrap

    return int(config.extra.get("kdf_iterations", keywrap.DEFAULT_ITERATIONS))


def _compact(blob: dict[str, Any]) -> str:
    return json.dumps(blob, separators=(",", ":"))


def enrol(
    session: Session,
    person: Person,
    public_key: bytes,
    wrapped_private_key: dict[str, Any],
    recovery_wrapped_key: dict[str, Any],
) -> None:
    """Store a handler's new key pair (validated by accounts.schemas.KeyEnrolmentSchema)."""
    if not any(m.role == "handler" for m in person.memberships):
        raise NotAHandler()
    if person.public_key is not None:
        raise KeyExists()
    # The unique constraint on person.public_key is the backstop for a race.
    if session.scalar(select(Person.id).where(Person.public_key == bytes(public_key))):
        raise KeyInUse()
    person.public_key = bytes(public_key)
    person.wrapped_private_key = _compact(wrapped_private_key)
    person.recovery_wrapped_key = _compact(recovery_wrapped_key)
    person.key_created_at = datetime.now(UTC)
    session.flush()


class NoKey(services.AccountError):
    """The person has no key pair to re-wrap."""


def rewrap(session: Session, person: Person, wrapped_private_key: dict[str, Any]) -> None:
    """Replace the passphrase wrap of the same key (validated by PassphraseRewrapSchema).

    The key pair and the recovery wrap stay as they are, so every case stays readable and
    the recovery code keeps working.
    """
    if person.public_key is None:
        raise NoKey()
    person.wrapped_private_key = _compact(wrapped_private_key)
    session.flush()


def enrol_demo_keys(person: Any, passphrase: str, *, kdf_iterations: int | None = None) -> None:
    from crypto import keywrap

    private, public = keywrap.generate_key_pair()
    kwargs = {} if kdf_iterations is None else {"iterations": kdf_iterations}
    wrapped = keywrap.wrap_private_key(private, passphrase, **kwargs)
    assert isinstance(person, Person)  # noqa: S101 - narrowing for mypy
    person.public_key = public
    person.wrapped_private_key = _compact(wrapped)
    person.recovery_wrapped_key = None
    person.key_created_at = datetime.now(UTC)
