"""Join codes and participant tokens: made, normalised, hashed, sealed.

A join code is 10 characters of Crockford's base32 (no I, L, O, U): 50 bits. The database
keeps HMAC(server secret, code) to look a code up, and the code itself only sealed under
the server secret (crypto.fieldbox) for the facilitators' pages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from crypto import fieldbox
from exercise.models import ExerciseSession

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """The canonical code from what someone typed (case, spaces, dashes, O/0, I/L/1), or
    None if it cannot be a code."""
    if not text or len(text) > 40:
        return None
    cleaned = text.upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def _mac(secret: str, purpose: str, data: bytes) -> bytes:
    return hmac.new(secret.encode(), f"trygg/v1/exercise-{purpose}\x00".encode() + data,
                    hashlib.sha256).digest()


def code_hash(code: str, secret: str) -> bytes:
    return _mac(secret, "code", code.encode())


def token_hash(token: str, secret: str) -> bytes:
    return _mac(secret, "participant", token.encode())


def code_of(ex: ExerciseSession, secret: str) -> str:
    return fieldbox.open_(ex.code_sealed, secret, "exercise-code").decode()
