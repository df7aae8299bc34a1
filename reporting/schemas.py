"""JSON bodies the reporter's browser sends, validated at the boundary (marshmallow).

One schema per request; unknown keys are refused. Binary values are unpadded base64url.
Envelopes are only checked for being JSON objects here; their strict shape, size and
recipients are checked by casework.intake (which knows who they must be sealed to).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate


class B64Bytes(fields.Field):
    """Canonical unpadded base64url of exactly (or at least) `size` bytes."""

    def __init__(self, size: int, *, at_least: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = size
        self.at_least = at_least

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, str) or len(value) > 4 * self.size or "=" in value:
            raise ValidationError("not base64url")
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raise ValidationError("not base64url") from None
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != value:
            raise ValidationError("not canonical base64url")
        if len(raw) != self.size and not (self.at_least and len(raw) >= self.size):
            raise ValidationError(f"{self.size} bytes expected")
        return raw


class Envelope(fields.Dict):
    """An envelope v1 object (shape checked later, strictly, by crypto.envelope)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), **kwargs)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class SubmissionSchema(_Strict):
    """POST /r/<org>/api/reports: a report sealed in the browser."""

    case = fields.UUID(required=True)
    idempotency_key = B64Bytes(32, required=True)
    lookup_token = B64Bytes(32, required=True)
    reporter_public_key = B64Bytes(32, required=True)
    excluded = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=64))
    report = Envelope(required=True)


class SessionSchema(_Strict):
    """POST /r/<org>/api/session: a receipt login with the lookup token only."""

    lookup_token = B64Bytes(32, required=True)
    # True: no cookie; the sealed session comes back in the answer for this page alone (the
    # file uploads right after a report leave nothing signed in behind them).
    page_only = fields.Boolean(load_default=False)


class MessageSchema(_Strict):
    """POST /r/<org>/api/messages: a message, an addition or a consent, sealed."""

    kind = fields.String(required=True, validate=validate.OneOf(("message", "addition", "consent")))
    body = Envelope(required=True)
    # Made once per message in the browser: a resend after a lost answer is stored once.
    idempotency_key = B64Bytes(32, required=True)


class AttachmentSchema(_Strict):
    """POST /r/<org>/api/attachments: announce an attachment stream before its chunks."""

    key = Envelope(required=True)
    meta = Envelope(required=True)
    header = B64Bytes(13, required=True)
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    message = fields.UUID(load_default=None)


__all__ = ["AttachmentSchema", "MessageSchema", "SessionSchema", "SubmissionSchema"]
