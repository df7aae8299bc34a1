"""Receipts and the shared code format: generation, parsing, typo detection, derivation."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crypto import _codes, receipt
from crypto.errors import MalformedReceiptError, ReceiptError, ReceiptTypoError

ALPHABET = _codes.ALPHABET
RECEIPT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$")


def compact(text: str) -> str:
    return text.replace("-", "")


def test_generate_shape_and_entropy() -> None:
    seen = {receipt.generate() for _ in range(200)}
    assert len(seen) == 200
    for r in seen:
        assert RECEIPT.fullmatch(r), r
        assert receipt.parse(r) == r
    assert receipt.DATA_SYMBOLS * 5 >= 100
    # Every symbol shows up in every data position over enough draws (uniformity smoke test).
    many = [compact(receipt.generate()) for _ in range(2000)]
    for pos in (0, 11, 23):
        assert {r[pos] for r in many} == set(ALPHABET)


def test_known_check_symbol() -> None:
    """Worked example in SECURITY.md: data 0000…0001 (24 symbols) has check symbol 2."""
    data = "0" * 23 + "1"
    assert _codes.check_symbol(data) == "2"
    assert receipt.parse(data + "2") == "00000-00000-00000-00000-00012"
    assert _codes.check_symbol("0" * 24) == "0"


@pytest.mark.parametrize(
    "variant",
    [
        str.lower,
        lambda r: r.replace("-", " "),
        lambda r: r.replace("-", ""),
        lambda r: "  " + r.replace("-", " - ") + "\n",
        lambda r: r.replace("-", "\u2013"),
        lambda r: r.replace("1", "l").replace("0", "o"),
        lambda r: r.replace("1", "I"),
        lambda r: r.replace("V", "u"),
        lambda r: r.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),
    ],
    ids=["lower", "spaces", "compact", "padded", "en-dash", "l-o", "I", "u", "fullwidth"],
)
def test_parse_is_forgiving_about_presentation(variant: object) -> None:
    r = "1V0K2-AB1CD-00V1E-FGHJK-" + "MNPQ"
    r += _codes.check_symbol(compact(r))
    assert receipt.parse(variant(r)) == r  # type: ignore[operator]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "7Q2MK-9XH4T-ZC0RB-W5D8N-G3JA",
        "7Q2MK-9XH4T-ZC0RB-W5D8N-G3JAPP",
        "7Q2MK-9XH4T-ZC0RB-W5D8N-G3JA*",
        "7Q2MK-9XH4T-ZC0RB-W5D8N-G3JAÆ",
        "x" * 1000,
        None,
        12345,
    ],
)
def test_malformed(text: object) -> None:
    with pytest.raises(MalformedReceiptError):
        receipt.parse(text)  # type: ignore[arg-type]


def _valid(data: list[int]) -> str:
    text = "".join(ALPHABET[v] for v in data)
    return text + _codes.check_symbol(text)


codes = st.lists(st.integers(0, 31), min_size=24, max_size=24).map(_valid)


@settings(max_examples=400)
@given(code=codes, pos=st.integers(0, 24), new=st.integers(0, 31))
def test_any_single_substitution_is_a_typo(code: str, pos: int, new: int) -> None:
    if ALPHABET[new] == code[pos]:
        new = (new + 1) % 32
    typo = code[:pos] + ALPHABET[new] + code[pos + 1 :]
    with pytest.raises(ReceiptTypoError):
        receipt.parse(typo)


@settings(max_examples=400)
@given(code=codes, i=st.integers(0, 24), j=st.integers(0, 24))
@example(code=_valid([1, 2] + [0] * 22), i=0, j=1)
def test_any_transposition_is_a_typo(code: str, i: int, j: int) -> None:
    """Adjacent or not: all 25 positions have distinct weights."""
    if code[i] == code[j]:
        return
    swapped = list(code)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    with pytest.raises(ReceiptTypoError):
        receipt.parse("".join(swapped))


def test_exhaustive_adjacent_transpositions_and_substitutions() -> None:
    """Every symbol pair at every adjacent position, every substitution at every position."""
    checked = 0
    for pos in range(24):  # swap positions pos and pos + 1 (pos + 1 == 24 is the check)
        for s in ALPHABET:
            for t in ALPHABET if pos < 23 else "0":
                data = "7" * pos + s + (t if pos < 23 else "") + "7" * (22 - pos)
                valid = data + _codes.check_symbol(data)
                assert _codes.canonical(valid, 24, "receipt") == valid
                if valid[pos] == valid[pos + 1]:
                    continue
                swapped = valid[:pos] + valid[pos + 1] + valid[pos] + valid[pos + 2 :]
                with pytest.raises(ReceiptTypoError):
                    _codes.canonical(swapped, 24, "receipt")
                checked += 1
    base = _valid([7] * 24)
    for pos in range(25):
        for s in ALPHABET.replace(base[pos], ""):
            with pytest.raises(ReceiptTypoError):
                _codes.canonical(base[:pos] + s + base[pos + 1 :], 24, "receipt")
            checked += 1
    assert checked > 23 * 32 * 31


@settings(max_examples=300)
@given(code=codes)
def test_format_parse_round_trip(code: str) -> None:
    grouped = receipt.parse(code)
    assert compact(grouped) == code
    assert receipt.parse(grouped.lower()) == grouped


@settings(max_examples=500)
@given(st.text(max_size=300) | st.text(alphabet=ALPHABET + "-ilouILOU ", max_size=40))
def test_garbage_never_crashes(text: str) -> None:
    try:
        parsed = receipt.parse(text)
    except ReceiptError as exc:
        assert isinstance(exc, MalformedReceiptError | ReceiptTypoError)
        assert isinstance(exc, ValueError)
    else:
        assert RECEIPT.fullmatch(parsed)


def test_derive_matches_the_documented_hkdf() -> None:
    r = "00000-00000-00000-00000-00012"
    keys = receipt.derive(r.lower().replace("-", " "))
    ikm = b"0000000000000000000000012"

    def hkdf(info: bytes) -> bytes:
        prk = hmac.new(b"trygg/v1/receipt", ikm, hashlib.sha256).digest()
        return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()

    assert keys.lookup_token == hkdf(b"trygg/v1/receipt/lookup")
    assert keys.private_key == hkdf(b"trygg/v1/receipt/x25519")
    pub = X25519PrivateKey.from_private_bytes(keys.private_key).public_key().public_bytes_raw()
    assert keys.public_key == pub
    assert keys.lookup_token.hex() not in repr(keys) and keys.private_key.hex() not in repr(keys)
    assert "lookup_token" not in repr(keys)


def test_derive_separates_receipts_and_refuses_typos() -> None:
    a, b = receipt.generate(), receipt.generate()
    ka, kb = receipt.derive(a), receipt.derive(b)
    assert len({ka.lookup_token, kb.lookup_token, ka.private_key, kb.private_key}) == 4
    assert receipt.derive(a.lower()) == ka
    typo = a[:-1] + ("0" if a[-1] != "0" else "1")
    with pytest.raises(ReceiptTypoError):
        receipt.derive(typo)
