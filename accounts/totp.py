"""Time-based one-time passwords (RFC 6238) with replay protection."""

from __future__ import annotations

import base64
import time

import pyotp
import segno
from flask import current_app

from crypto import fieldbox

PURPOSE = "totp-secret"
ISSUER = "Trygg"


def new_secret() -> str:
    return pyotp.random_base32()


def seal_secret(secret: str) -> bytes:
    return fieldbox.seal(secret.encode(), current_app.config["SECRET_KEY"], PURPOSE)


def open_secret(sealed: bytes) -> str:
    return fieldbox.open_(sealed, current_app.config["SECRET_KEY"], PURPOSE).decode()


def _enrolment_purpose(person_id: object) -> str:
    return f"trygg/v1/totp-enrol/{person_id}"


def seal_enrolment(secret: str, person_id: object) -> str:
    """The secret being enrolled, sealed for the session cookie (which is signed, not
    encrypted): readable only with the server secret, and only for this person."""
    sealed = fieldbox.seal(secret.encode(), current_app.config["SECRET_KEY"],
                           _enrolment_purpose(person_id))
    return base64.urlsafe_b64encode(sealed).decode()


def open_enrolment(value: object, person_id: object) -> str | None:
    """The secret from seal_enrolment, or None (absent, another person's, or tampered)."""
    if not isinstance(value, str):
        return None
    try:
        sealed = base64.urlsafe_b64decode(value.encode())
        return fieldbox.open_(sealed, current_app.config["SECRET_KEY"],
                              _enrolment_purpose(person_id)).decode()
    except ValueError:  # FieldBoxError, bad base64 and bad UTF-8 are all ValueErrors
        return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An SVG of the QR code, drawn on the server so enrolment needs no JavaScript."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def matching_step(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step the code belongs to (±1 step of drift), if it is newer than last_step.

    Returning the step lets the caller store it, so the same code cannot be used twice.
    """
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // totp.interval)
    for step in (current - 1, current, current + 1):
        if step > last_step and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
