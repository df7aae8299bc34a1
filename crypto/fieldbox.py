"""Server-side sealing of small secrets at rest (for example a TOTP secret).

Not for reporter data: that is sealed to handlers' public keys (crypto.envelope). This
box protects values the server must use itself, so that a leaked database without the
server secret does not leak them. Key: HKDF-SHA256(server secret, info=purpose).
Format: 0x01 ‖ nonce (12) ‖ AES-256-GCM(ciphertext ‖ tag), with the purpose as AAD.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"


class FieldBoxError(ValueError):
    """The sealed value is malformed or was sealed under another key or purpose."""


def _key(server_secret: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"trygg/v1/fieldbox",
        info=purpose.encode(),
    ).derive(server_secret.encode())


def seal(value: bytes, server_secret: str, purpose: str) -> bytes:
    nonce = os.urandom(12)
    return VERSION + nonce + AESGCM(_key(server_secret, purpose)).encrypt(
        nonce, value, purpose.encode()
    )


def open_(sealed: bytes, server_secret: str, purpose: str) -> bytes:
    if len(sealed) < 1 + 12 + 16 or sealed[:1] != VERSION:
        raise FieldBoxError("malformed sealed value")
    try:
        return AESGCM(_key(server_secret, purpose)).decrypt(
            sealed[1:13], sealed[13:], purpose.encode()
        )
    except InvalidTag as exc:
        raise FieldBoxError("sealed value does not open under this key") from exc
