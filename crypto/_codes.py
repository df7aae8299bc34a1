"""Human-typed codes (receipts, recovery codes): Crockford base32 with a GF(32) check character.

A code is `data_len` random symbols followed by one check symbol, shown in groups of five.
Symbols are Crockford's base32 alphabet (no I, L, O, U); parsing is case-insensitive, maps
I/L to 1, O to 0 and U to V, and ignores spaces and hyphens.

Check symbol: treat the symbols as elements of GF(32) = GF(2)[x]/(x^5 + x^2 + 1) and choose
c so that sum(u_j * a^(n-j)) = 0 over the whole code u_0 … u_n (a = x, a primitive element of
order 31, n = data_len). Every position has a distinct non-zero weight while the code is at
most 31 symbols long, so any single substitution (error e*a^k != 0) and any transposition
of two different symbols, adjacent or not ((s - t)(a^j - a^k) != 0), is detected. A base-32
Luhn or plain mod-32 sum cannot promise both because 32 is not prime; Crockford's mod-37
check needs five extra symbols (* ~ $ = U) that are hard to read out.
"""

from __future__ import annotations

import os
import unicodedata

from crypto.errors import MalformedReceiptError, ReceiptTypoError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP = 5
_POLY = 0b100101  # x^5 + x^2 + 1
_SEPARATORS = frozenset(" \t\r\n-\u2010\u2011\u2012\u2013\u2014\u2212")
_MAX_INPUT = 200
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_VALUES.update({"I": 1, "L": 1, "O": 0, "U": _VALUES["V"]})


def _times_a(v: int) -> int:
    v <<= 1
    return v ^ _POLY if v & 0b100000 else v


def _horner(values: list[int]) -> int:
    acc = 0
    for v in values:
        acc = _times_a(acc) ^ v
    return acc


def check_symbol(data: str) -> str:
    """The check symbol for canonical data symbols."""
    return ALPHABET[_times_a(_horner([_VALUES[c] for c in data]))]


def group(compact: str) -> str:
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))


def generate(data_len: int) -> str:
    """A fresh code with 5 * data_len bits of entropy, grouped for reading."""
    # 256 is a multiple of 32, so the low five bits of a random byte are uniform.
    data = "".join(ALPHABET[b & 31] for b in os.urandom(data_len))
    return group(data + check_symbol(data))


def canonical(text: object, data_len: int, what: str) -> str:
    """Compact canonical form (upper case, no separators, check symbol included).

    MalformedReceiptError when it cannot be a code (type, length, alphabet);
    ReceiptTypoError when it looks like one but the check symbol disagrees.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise MalformedReceiptError(f"not a {what}")
    text = unicodedata.normalize("NFKC", text)
    symbols = [c for c in text.upper() if c not in _SEPARATORS]
    if len(symbols) != data_len + 1:
        raise MalformedReceiptError(f"a {what} has {data_len + 1} characters")
    try:
        values = [_VALUES[c] for c in symbols]
    except KeyError:
        raise MalformedReceiptError(f"a {what} uses only 0-9 and A-Z") from None
    if _horner(values) != 0:
        raise ReceiptTypoError(f"this {what} has a typo")
    return "".join(ALPHABET[v] for v in values)
