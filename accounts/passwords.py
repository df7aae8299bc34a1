"""Password hashing with Argon2id; equal work for unknown accounts."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


def hasher() -> PasswordHasher:
    config = current_app.config["TRYGG"]
    return _hasher(config.argon2_time_cost, config.argon2_memory_cost)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password. With no stored hash, do the same work and fail (timing)."""
    ph = hasher()
    target = stored_hash or _dummy_hash(ph.time_cost, ph.memory_cost)
    try:
        ok = ph.verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    return _hasher(time_cost, memory_cost).hash("no such account: equal work")


def password_problem(password: str) -> str | None:
    """A reason the password is unacceptable, or None."""
    from flask_babel import gettext as _

    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if password.strip() != password:
        return _("The password may not begin or end with a space.")
    return None
