"""Strict unpadded base64url: only canonical encodings decode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto._b64 import b64d, b64e


@given(st.binary(max_size=100))
def test_round_trip(data: bytes) -> None:
    text = b64e(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64d(text) == data


@pytest.mark.parametrize("text", ["A", "AA=", "AA==", "AB", "A+", "A/", " AA", "AA\n", "ÅA", 5])
def test_non_canonical_is_rejected(text: object) -> None:
    with pytest.raises(ValueError, match="canonical"):
        b64d(text)


def test_non_zero_trailing_bits_are_rejected() -> None:
    assert b64d("AA") == b"\x00"
    with pytest.raises(ValueError):
        b64d("AB")  # same byte, but a bit set in the unused tail
