"""Keys the server derives from its secret (TRYGG_SECRET_KEY), one per purpose.

HKDF-SHA256 (RFC 5869) with no salt and the purpose as `info`, as casework.bundle derives
the bundle signing key: nothing extra to store or back up, and a key for one purpose says
nothing about the secret or about the keys for other purposes. Rotating the secret rotates
every derived key.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive(server_secret: str, purpose: bytes, length: int = 32) -> bytes:
    """The server's key for `purpose` (for example b"trygg/v1/audit-chain")."""
    if not server_secret:
        raise ValueError("the server secret is empty")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(
        server_secret.encode("utf-8")
    )
