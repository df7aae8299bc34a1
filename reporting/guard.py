"""The reporter's session and the checks on every reporter request.

Reporter session: a cookie of its own, `trygg_reporter`, set only after a receipt login,
path-scoped to `/r/<org-slug>/`, HttpOnly, SameSite=Strict (Secure outside development), and
short-lived (idle timeout, `IDLE`). It never touches the staff `session` cookie. Its value is
sealed with the server secret (crypto.fieldbox, AES-256-GCM, purpose bound to the
organisation) and holds:

- the receipt's lookup token (what finds the case), never the receipt;
- when the login came without JavaScript: the receipt-derived private key as well, so that
  the server can open the thread in memory for each page of that short session (with
  JavaScript the browser keeps that key and the server never sees it);
- the expiry.

Nothing about the session is stored on the server.

Forms: reporter pages do not use the staff CSRF machinery (it needs the `session` cookie,
and the public pages must set none). Instead:
- forms before a receipt login carry a stateless token, HMAC(secret, organisation, day):
  the same for everyone that day, so a page carries nothing that singles a visitor out;
- forms after a receipt login carry HMAC(secret, lookup token);
- every POST must come from our own origin (trygg/origin.py: Sec-Fetch-Site and Origin),
  and the session cookie is SameSite=Strict on top.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import struct
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Protocol

from flask import abort, current_app, request
from werkzeug.wrappers import Response

from crypto import fieldbox
from trygg.origin import same_origin


class Org(Protocol):
    """What the guard needs of an organisation (an Organisation or an intake.Destination)."""

    @property
    def public_id(self) -> uuid.UUID: ...

    @property
    def slug(self) -> str: ...

COOKIE = "trygg_reporter"
IDLE = timedelta(minutes=30)
TOKEN_FIELD = "form_token"  # noqa: S105 - a field name, not a secret
TOKEN_HEADER = "X-Trygg-Token"  # noqa: S105 - a header name, not a secret
# A session that lives only in the page that asked for it (the file uploads right after a
# report): the same sealed value as the cookie, sent in a header, never stored by the browser.
SESSION_HEADER = "X-Trygg-Session"


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(purpose: str, data: bytes) -> str:
    digest = hmac.new(_secret().encode(), f"trygg/v1/{purpose}\x00".encode() + data, hashlib.sha256)
    return _b64e(digest.digest()[:24])


# -- the reporter session -----------------------------------------------------------------


@dataclass(frozen=True)
class ReporterSession:
    lookup_token: bytes = field(repr=False)
    private_key: bytes | None = field(repr=False, default=None)  # only after a no-JS login

    @property
    def server_can_read(self) -> bool:
        return self.private_key is not None


def cookie_path(org: Org) -> str:
    return f"/r/{org.slug}/"


def _purpose(org: Org) -> str:
    return f"reporter-session/{org.public_id}"


def _secure() -> bool:
    config = current_app.config["TRYGG"]
    return not config.is_development and config.env != "testing"


def sealed(org: Org, session: ReporterSession) -> str:
    """The session sealed for this organisation, valid for `IDLE` from now."""
    expires = int(time.time() + IDLE.total_seconds())
    payload = struct.pack(">Q", expires) + session.lookup_token + (session.private_key or b"")
    return _b64e(fieldbox.seal(payload, _secret(), _purpose(org)))


def start(response: Response, org: Org, session: ReporterSession) -> None:
    """Set (or refresh) the reporter cookie on a response."""
    value = sealed(org, session)
    response.set_cookie(
        COOKIE, value, max_age=int(IDLE.total_seconds()), path=cookie_path(org),
        secure=_secure(), httponly=True, samesite="Strict",
    )


def end(response: Response, org: Org) -> None:
    response.delete_cookie(COOKIE, path=cookie_path(org), secure=_secure(), httponly=True,
                           samesite="Strict")


def sign_out_token(org: Org) -> str | None:
    """For a browser still signed in by cookie, the form token its sign-out needs (the
    sign-out checks it, so no other site can sign the reporter out); else None."""
    session = _open_session(org, request.cookies.get(COOKIE))
    return session_token(session) if session is not None else None


def current(org: Org) -> ReporterSession | None:
    """The reporter session of this request for this organisation, if valid and fresh: the
    cookie, or else the page-only session header."""
    return _open_session(org, request.cookies.get(COOKIE) or request.headers.get(SESSION_HEADER))


def _open_session(org: Org, raw: str | None) -> ReporterSession | None:
    if not raw or len(raw) > 400:
        return None
    try:
        payload = fieldbox.open_(_b64d(raw), _secret(), _purpose(org))
    except (ValueError, fieldbox.FieldBoxError):
        return None
    if len(payload) not in (40, 72):
        return None
    (expires,) = struct.unpack(">Q", payload[:8])
    if expires < time.time():
        return None
    token, key = payload[8:40], payload[40:] or None
    return ReporterSession(token, key)


# -- form tokens --------------------------------------------------------------------------


def _day(offset: int = 0) -> str:
    return (datetime.now(UTC) - timedelta(days=offset)).strftime("%Y-%m-%d")


def form_token(org: Org) -> str:
    """The token for forms shown before a receipt login (the same for everyone today)."""
    return _mac("reporter-form", f"{org.public_id}/{_day()}".encode())


def session_token(session: ReporterSession) -> str:
    """The token for forms shown after a receipt login."""
    return _mac("reporter-csrf", session.lookup_token)


def _checks_on() -> bool:
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def _same_origin() -> bool:
    return same_origin(request)


def _sent_token() -> str:
    return request.headers.get(TOKEN_HEADER) or request.form.get(TOKEN_FIELD, "")


def check_form(org: Org) -> None:
    """A POST before the receipt login: our origin and today's (or yesterday's) form token."""
    if not _checks_on():
        return
    sent = _sent_token()
    good = [_mac("reporter-form", f"{org.public_id}/{_day(d)}".encode()) for d in (0, 1)]
    if not _same_origin() or not any(hmac.compare_digest(sent, g) for g in good):
        abort(400)


def check_session_form(session: ReporterSession) -> None:
    """A POST after the receipt login: our origin and the session's token."""
    if not _checks_on():
        return
    if not _same_origin() or not hmac.compare_digest(_sent_token(), session_token(session)):
        abort(400)


# -- uploads stay in memory ---------------------------------------------------------------


def _memory_stream(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None = None,
    content_length: int | None = None,
) -> IO[bytes]:
    return io.BytesIO()


def keep_uploads_in_memory() -> None:
    """Werkzeug spools uploads over 500 KB to a temporary file; a reporter's plaintext
    (the form without JavaScript) must never touch the disk. Call before reading the form;
    the request size limit bounds the memory."""
    request._get_file_stream = _memory_stream  # type: ignore[method-assign]


__all__ = [
    "COOKIE",
    "IDLE",
    "SESSION_HEADER",
    "ReporterSession",
    "check_form",
    "check_session_form",
    "cookie_path",
    "current",
    "end",
    "form_token",
    "keep_uploads_in_memory",
    "sealed",
    "session_token",
    "sign_out_token",
    "start",
]
