"""marshmallow schemas for the JSON bodies accounts accepts.

One audience here: a handler's browser uploading the key material made at enrolment. The
shapes follow crypto.keywrap (SECURITY.md "Handler key custody"); the cryptography itself
stays there.
"""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from crypto import keywrap
from crypto._b64 import b64d, b64e
from crypto.envelope import kid

PUBLIC_KEY_LEN = 32
KID_LEN = 16
CT_LEN = 48  # a 32-byte X25519 private key and the 16-byte AES-GCM tag


class Base64Url(fields.Field[bytes]):
    """Canonical unpadded base64url of exactly `length` bytes; deserialises to bytes."""

    def __init__(self, length: int, **kwargs: Any) -> None:
        super().__init__(required=True, **kwargs)
        self.length = length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        try:
            raw = b64d(value)
        except ValueError:
            raise ValidationError("Not canonical unpadded base64url.") from None
        if len(raw) != self.length:
            raise ValidationError(f"Must encode exactly {self.length} bytes.")
        return raw


class _WrappedKey(Schema):
    class Meta:
        unknown = RAISE

    v = fields.Integer(required=True, strict=True, validate=validate.Equal(keywrap.VERSION))
    salt = Base64Url(keywrap.SALT_LEN)
    kid = Base64Url(KID_LEN)
    nonce = Base64Url(keywrap.NONCE_LEN)
    ct = Base64Url(CT_LEN)


class PassphraseWrappedKey(_WrappedKey):
    kind = fields.String(required=True, validate=validate.Equal("passphrase"))
    iter = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, keywrap.MAX_ITERATIONS)
    )


class RecoveryWrappedKey(_WrappedKey):
    kind = fields.String(required=True, validate=validate.Equal("recovery"))


class KeyEnrolmentSchema(Schema):
    """What enrolment uploads: the public key and the private key wrapped twice.

    `min_iterations` refuses a passphrase wrap weaker than the deployment's work factor.
    Loading gives `public_key` as bytes and each blob with its binary fields as bytes;
    `canonical_blob` turns a loaded blob back into the JSON the browser will unwrap.
    """

    class Meta:
        unknown = RAISE

    def __init__(self, *, min_iterations: int = keywrap.DEFAULT_ITERATIONS, **kwargs: Any):
        super().__init__(**kwargs)
        self.min_iterations = min_iterations

    public_key = Base64Url(PUBLIC_KEY_LEN)
    wrapped_private_key = fields.Nested(PassphraseWrappedKey, required=True)
    recovery_wrapped_key = fields.Nested(RecoveryWrappedKey, required=True)

    @validates_schema(skip_on_field_errors=True)
    def _belongs_together(self, data: dict[str, Any], **kwargs: Any) -> None:
        expected = b64d(kid(data["public_key"]))
        for name in ("wrapped_private_key", "recovery_wrapped_key"):
            if data[name]["kid"] != expected:
                raise ValidationError("Wrapped for another public key.", field_name=name)
        if data["wrapped_private_key"]["iter"] < self.min_iterations:
            raise ValidationError(
                f"Use at least {self.min_iterations} iterations.",
                field_name="wrapped_private_key",
            )


class PassphraseRewrapSchema(Schema):
    """A new passphrase wrap of the handler's existing key (after recovery, or a new
    passphrase). It must belong to `public_key` and meet the work factor."""

    class Meta:
        unknown = RAISE

    wrapped_private_key = fields.Nested(PassphraseWrappedKey, required=True)

    def __init__(
        self, *, public_key: bytes, min_iterations: int = keywrap.DEFAULT_ITERATIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.expected_kid = b64d(kid(public_key))
        self.min_iterations = min_iterations

    @validates_schema(skip_on_field_errors=True)
    def _fits_the_key(self, data: dict[str, Any], **kwargs: Any) -> None:
        blob = data["wrapped_private_key"]
        if blob["kid"] != self.expected_kid:
            raise ValidationError("Wrapped for another public key.",
                                  field_name="wrapped_private_key")
        if blob["iter"] < self.min_iterations:
            raise ValidationError(f"Use at least {self.min_iterations} iterations.",
                                  field_name="wrapped_private_key")


def canonical_blob(loaded: dict[str, Any]) -> dict[str, Any]:
    """A loaded wrapped key as JSON again, in crypto.keywrap's key order and types."""
    blob: dict[str, Any] = {"v": keywrap.VERSION, "kind": loaded["kind"]}
    if loaded["kind"] == "passphrase":
        blob["iter"] = int(loaded["iter"])
    for name in ("salt", "kid", "nonce", "ct"):
        blob[name] = b64e(loaded[name])
    return blob


__all__ = [
    "KeyEnrolmentSchema",
    "PassphraseRewrapSchema",
    "PassphraseWrappedKey",
    "RecoveryWrappedKey",
    "canonical_blob",
]
