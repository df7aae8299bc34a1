"""Handler key enrolment: `/account/keys`.

The key pair is made in the handler's browser (trygg/static/js/key-enrol.js); this page
receives only the public key and the private key wrapped under the handler's key
passphrase and under a recovery code, neither of which the server ever sees.
"""

from __future__ import annotations

import json

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from accounts import appointments, keys
from accounts.blueprint import bp
from accounts.forms import KeyPassphraseForm, RecoveryForm
from accounts.schemas import KeyEnrolmentSchema, PassphraseRewrapSchema, canonical_blob
from crypto import fieldbox, possession
from crypto._b64 import b64d, b64e
from crypto.envelope import kid
from trygg import access
from trygg.extensions import db, limiter

PASSPHRASE_MIN = 12
CHALLENGE = "key_challenge"


def _is_handler() -> bool:
    return any(m.role == "handler" for m in current_user.memberships)


@bp.get("/account/keys")
@access.login
def keys_page() -> str:
    return render_template(
        "accounts/keys.html",
        form=KeyPassphraseForm(),
        is_handler=_is_handler(),
        has_key=current_user.public_key is not None,
        key_id=kid(current_user.public_key) if current_user.public_key else None,
        fingerprint=(appointments.fingerprint(current_user.public_key)
                     if current_user.public_key else None),
        waiting=[m.organisation.name for m in current_user.memberships
                 if m.role == "handler" and m.ended_at is None
                 and not appointments.is_confirmed(m)],
        iterations=keys.kdf_iterations(current_app.config["TRYGG"]),
        passphrase_min=PASSPHRASE_MIN,
    )


def _refuse(status: int, code: str, message: str, **extra: object) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error=code, message=message, **extra), status


@bp.post("/account/keys")
@access.login
@limiter.limit("10 per minute")
def keys_store() -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refuse(400, "invalid", _("The key could not be read. Nothing was saved."))
    schema = KeyEnrolmentSchema(
        min_iterations=keys.kdf_iterations(current_app.config["TRYGG"])
    )
    try:
        data = schema.load(body)
    except ValidationError as exc:
        return _refuse(400, "invalid", _("The key could not be read. Nothing was saved."),
                       fields=exc.messages)
    try:
        keys.enrol(
            db.session(),
            current_user,
            data["public_key"],
            canonical_blob(data["wrapped_private_key"]),
            canonical_blob(data["recovery_wrapped_key"]),
        )
    except keys.NotAHandler:
        return _refuse(403, "not_handler", _("Only case handlers need a key."))
    except keys.KeyExists:
        return _refuse(409, "key_exists", _(
            "You already have a key. Replacing it would make the cases sealed to it "
            "unreadable for you, so it cannot be done here. Nothing was saved."
        ))
    except keys.KeyInUse:
        return _refuse(409, "key_in_use", _(
            "This key already belongs to someone else. Reload the page to make a new "
            "key of your own. Nothing was saved."
        ))
    db.session.commit()
    base = current_app.config["TRYGG"].base_url
    for membership in current_user.memberships:
        if membership.role == "handler" and membership.ended_at is None:
            appointments.tell_handlers(
                db.session(), membership.organisation, current_user, "key",
                base + url_for("accounts.handler_appointments",
                               org_slug=membership.organisation.slug),
            )
    return jsonify(ok=True, kid=kid(data["public_key"])), 201


@bp.get("/account/keys/recover")
@access.login
def keys_recover() -> str | Response:
    """Forgotten key passphrase: the recovery code opens the key in the browser, which
    wraps it again under a new passphrase. The key pair itself does not change."""
    if current_user.public_key is None:
        return redirect(url_for("accounts.keys_page"))
    blob = current_user.recovery_wrapped_key
    return render_template(
        "accounts/keys_recover.html",
        form=RecoveryForm(),
        recovery_blob=json.loads(blob) if blob else None,
        public_key=b64e(current_user.public_key),
        challenge=b64e(_new_challenge()),
        iterations=keys.kdf_iterations(current_app.config["TRYGG"]),
        passphrase_min=PASSPHRASE_MIN,
    )


def _challenge_purpose() -> str:
    return f"trygg/v1/key-challenge/{current_user.public_id}"


def _new_challenge() -> bytes:
    """A fresh possession challenge (crypto.possession); its private half stays in the
    session, sealed under the server secret for this person."""
    private, public = possession.new_challenge()
    sealed = fieldbox.seal(private, current_app.config["SECRET_KEY"], _challenge_purpose())
    session[CHALLENGE] = b64e(sealed)
    return public


def _proves_possession(blob: dict[str, object], proof: object) -> bool:
    sealed = session.get(CHALLENGE)
    if not isinstance(sealed, str) or not isinstance(proof, str):
        return False
    try:
        private = fieldbox.open_(b64d(sealed), current_app.config["SECRET_KEY"],
                                 _challenge_purpose())
        return possession.check(private, current_user.public_key, blob, b64d(proof))
    except ValueError:
        return False


@bp.post("/account/keys/passphrase")
@access.login
@limiter.limit("10 per minute")
def keys_passphrase() -> tuple[Response, int]:
    if current_user.public_key is None:
        return _refuse(409, "no_key", _("You have no key yet. Nothing was saved."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refuse(400, "invalid", _("The key could not be read. Nothing was saved."))
    proof = body.pop("proof", None)
    schema = PassphraseRewrapSchema(
        public_key=current_user.public_key,
        min_iterations=keys.kdf_iterations(current_app.config["TRYGG"]),
    )
    try:
        data = schema.load(body)
    except ValidationError as exc:
        return _refuse(400, "invalid", _("The key could not be read. Nothing was saved."),
                       fields=exc.messages)
    blob = canonical_blob(data["wrapped_private_key"])
    # A session alone must not be enough to overwrite the wrapped key (with garbage, say):
    # the browser proves it holds the private key (crypto.possession).
    if not _proves_possession(blob, proof):
        return _refuse(403, "no_proof", _(
            "Your browser could not show that it holds your key. Reload the page and try "
            "again. Nothing was saved."))
    keys.rewrap(db.session(), current_user, blob)
    session.pop(CHALLENGE, None)
    db.session.commit()
    return jsonify(ok=True, kid=kid(current_user.public_key)), 200
