"""Exception types of the crypto package.

Every failure to open an envelope or an attachment stream is an `EnvelopeError`, whatever
the cause (malformed JSON shape, wrong key, wrong context, tampering, truncation), so that
callers have one thing to catch and attackers learn nothing from the type.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class for every error raised by `crypto`."""


class EnvelopeError(CryptoError):
    """An envelope v1 or attachment stream v1 could not be opened. No plaintext escapes."""


class KeyWrapError(CryptoError):
    """A wrapped handler key could not be unwrapped (wrong secret, wrong key, bad blob)."""


class ReceiptError(CryptoError, ValueError):
    """A receipt or recovery code could not be parsed."""


class MalformedReceiptError(ReceiptError):
    """Wrong length or characters outside the alphabet: not a receipt at all."""


class ReceiptTypoError(ReceiptError):
    """Well-formed, but the check character does not match: almost certainly a typo."""
