"""Unpadded base64url (RFC 4648 §5), decoded strictly: only the canonical encoding of some
byte string is accepted (no padding, no whitespace, no `+` or `/`, zero trailing bits)."""

from __future__ import annotations

import base64
import binascii


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: object) -> bytes:
    """Decode canonical unpadded base64url; raise ValueError for anything else."""
    if not isinstance(text, str) or len(text) % 4 == 1:
        raise ValueError("not canonical unpadded base64url")
    try:
        raw = text.encode("ascii")
        data = base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError("not canonical unpadded base64url") from exc
    # Re-encoding rejects `+`, `/`, `=` and non-zero trailing bits, which decode "fine".
    if b64e(data) != text:
        raise ValueError("not canonical unpadded base64url")
    return data
