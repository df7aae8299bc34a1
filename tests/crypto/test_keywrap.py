"""Handler key custody in Python: wraps exactly as keys.js does (documented blob), unwraps."""

from __future__ import annotations

import base64
import hashlib
import unicodedata

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import keywrap
from crypto.errors import KeyWrapError, MalformedReceiptError, ReceiptTypoError

FAST = 1000  # tests lower the cost explicitly; the default stays 600 000


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def pair() -> tuple[bytes, bytes]:
    return keywrap.generate_key_pair()


def test_default_cost_is_600k_and_recorded(pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    assert keywrap.DEFAULT_ITERATIONS >= 600_000
    blob = keywrap.wrap_private_key(sk, "lang nok passordfrase")
    assert blob["iter"] == keywrap.DEFAULT_ITERATIONS
    assert not keywrap.needs_rewrap(blob)
    assert keywrap.unwrap_private_key(blob, "lang nok passordfrase", pk) == sk


def test_blob_is_the_documented_one(pair: tuple[bytes, bytes]) -> None:
    """Unwrap by hand from SECURITY.md: PBKDF2 → AES-256-GCM with aad = prefix ‖ kind ‖ 0 ‖ kid."""
    sk, pk = pair
    blob = keywrap.wrap_private_key(sk, "blåbærsyltetøy", iterations=FAST)
    assert list(blob) == ["v", "kind", "iter", "salt", "kid", "nonce", "ct"]
    assert (blob["v"], blob["kind"], blob["iter"]) == (1, "passphrase", FAST)
    kid_raw = hashlib.sha256(pk).digest()[:16]
    assert b64d(blob["kid"]) == kid_raw
    assert len(b64d(blob["salt"])) == 16 and len(b64d(blob["nonce"])) == 12
    password = unicodedata.normalize("NFC", "blåbærsyltetøy").encode()
    key = hashlib.pbkdf2_hmac("sha256", password, b64d(blob["salt"]), FAST, 32)
    aad = b"trygg/v1/keywrap/passphrase\x00" + kid_raw
    assert AESGCM(key).decrypt(b64d(blob["nonce"]), b64d(blob["ct"]), aad) == sk


def test_passphrase_is_nfc_normalised(pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    composed = "blåbær"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    blob = keywrap.wrap_private_key(sk, decomposed, iterations=FAST)
    assert keywrap.unwrap_private_key(blob, composed, pk) == sk


def test_wrong_passphrase_wrong_key_and_tampering(pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    _, other_pk = keywrap.generate_key_pair()
    blob = keywrap.wrap_private_key(sk, "riktig", iterations=FAST)
    with pytest.raises(KeyWrapError, match="wrong passphrase"):
        keywrap.unwrap_private_key(blob, "feil", pk)
    with pytest.raises(KeyWrapError, match="another public key"):
        keywrap.unwrap_private_key(blob, "riktig", other_pk)
    # Same ciphertext relabelled for another key: the kid is in the aad.
    with pytest.raises(KeyWrapError):
        keywrap.unwrap_private_key({**blob, "kid": keywrap._kid(other_pk)}, "riktig", other_pk)
    with pytest.raises(KeyWrapError):
        keywrap.unwrap_private_key({**blob, "iter": FAST + 1}, "riktig", pk)
    for field in ("salt", "nonce", "ct"):
        raw = b64d(blob[field])
        flipped = b64e(bytes([raw[0] ^ 1]) + raw[1:])
        with pytest.raises(KeyWrapError):
            keywrap.unwrap_private_key({**blob, field: flipped}, "riktig", pk)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: {**b, "v": 2},
        lambda b: {**b, "v": True},
        lambda b: {**b, "kind": "recovery"},
        lambda b: {**b, "iter": 0},
        lambda b: {**b, "iter": "1000"},
        lambda b: {**b, "iter": keywrap.MAX_ITERATIONS + 1},
        lambda b: {**b, "extra": 1},
        lambda b: {k: v for k, v in b.items() if k != "salt"},
        lambda b: {**b, "ct": b["ct"][:-2]},
        lambda b: {**b, "salt": b["salt"] + "="},
        lambda b: [],
        lambda b: None,
    ],
)
def test_malformed_blobs(pair: tuple[bytes, bytes], mutate: object) -> None:
    sk, pk = pair
    blob = keywrap.wrap_private_key(sk, "riktig", iterations=FAST)
    with pytest.raises(KeyWrapError, match="malformed"):
        keywrap.unwrap_private_key(mutate(blob), "riktig", pk)  # type: ignore[operator]


def test_wrap_arguments_are_checked(pair: tuple[bytes, bytes]) -> None:
    sk, _ = pair
    with pytest.raises(ValueError, match="passphrase"):
        keywrap.wrap_private_key(sk, "", iterations=FAST)
    for bad in (0, -5, 1.5, keywrap.MAX_ITERATIONS + 1):
        with pytest.raises(ValueError, match="iterations"):
            keywrap.wrap_private_key(sk, "x", iterations=bad)  # type: ignore[arg-type]
    assert keywrap.needs_rewrap(keywrap.wrap_private_key(sk, "x", iterations=FAST))


def test_recovery_code_round_trip_and_format(pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    code = keywrap.generate_recovery_code()
    assert len(code) == 35 and code.count("-") == 5
    assert keywrap.parse_recovery_code(code.lower()) == code
    blob = keywrap.wrap_with_recovery_code(sk, code)
    assert list(blob) == ["v", "kind", "salt", "kid", "nonce", "ct"]
    assert keywrap.unwrap_with_recovery_code(blob, code.lower().replace("-", " "), pk) == sk
    # by hand: HKDF-SHA256(ikm = compact code, salt, info) → AES-256-GCM
    key = HKDF(hashes.SHA256(), 32, b64d(blob["salt"]), b"trygg/v1/keywrap/recovery").derive(
        code.replace("-", "").encode()
    )
    aad = b"trygg/v1/keywrap/recovery\x00" + b64d(blob["kid"])
    assert AESGCM(key).decrypt(b64d(blob["nonce"]), b64d(blob["ct"]), aad) == sk


def test_recovery_code_errors(pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    code = keywrap.generate_recovery_code()
    blob = keywrap.wrap_with_recovery_code(sk, code)
    typo = code[:3] + ("0" if code[3] != "0" else "1") + code[4:]
    with pytest.raises(ReceiptTypoError):
        keywrap.unwrap_with_recovery_code(blob, typo, pk)
    with pytest.raises(MalformedReceiptError):
        keywrap.unwrap_with_recovery_code(blob, code[:-1], pk)
    with pytest.raises(KeyWrapError, match="wrong recovery"):
        keywrap.unwrap_with_recovery_code(blob, keywrap.generate_recovery_code(), pk)
    passphrase_blob = keywrap.wrap_private_key(sk, "x", iterations=FAST)
    with pytest.raises(KeyWrapError, match="malformed"):
        keywrap.unwrap_with_recovery_code(passphrase_blob, code, pk)
    with pytest.raises(KeyWrapError, match="malformed"):
        keywrap.unwrap_private_key(blob, "x", pk)


def test_a_blob_whose_key_does_not_match_the_public_key_is_refused(
    pair: tuple[bytes, bytes],
) -> None:
    """Someone with the passphrase-derived key could wrap another private key under pk's kid."""
    sk, pk = pair
    blob = keywrap.wrap_private_key(sk, "riktig", iterations=FAST)
    key = hashlib.pbkdf2_hmac("sha256", b"riktig", b64d(blob["salt"]), FAST, 32)
    aad = b"trygg/v1/keywrap/passphrase\x00" + b64d(blob["kid"])
    forged = {**blob, "ct": b64e(AESGCM(key).encrypt(b64d(blob["nonce"]), bytes(32), aad))}
    with pytest.raises(KeyWrapError, match="does not match"):
        keywrap.unwrap_private_key(forged, "riktig", pk)
