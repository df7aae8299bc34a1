"""Keys derived from the server secret: one per purpose, reproducible, never the secret."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import serverkey

SECRET = "a server secret of some length " * 2


def test_one_key_per_purpose_and_secret() -> None:
    audit_key = serverkey.derive(SECRET, b"trygg/v1/audit-chain")
    assert len(audit_key) == 32
    assert audit_key == serverkey.derive(SECRET, b"trygg/v1/audit-chain")
    assert audit_key != serverkey.derive(SECRET, b"trygg/v1/bundle-signing")
    assert audit_key != serverkey.derive(SECRET + "x", b"trygg/v1/audit-chain")
    assert SECRET.encode()[:32] != audit_key


def test_it_is_hkdf_sha256_without_salt_as_documented() -> None:
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"trygg/v1/audit-chain").derive(SECRET.encode())
    assert serverkey.derive(SECRET, b"trygg/v1/audit-chain") == expected


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        serverkey.derive("", b"trygg/v1/audit-chain")
