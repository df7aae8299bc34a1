"""Handler key enrolment: `/account/keys`.

The key pair is made in the handler's browser (trygg/static/js/key-enrol.js); this page
receives only the public key and the private key wrapped under the handler's key
passphrase and under a recovery code, neither of which the server ever sees.
"""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from accounts import keys
from accounts.blueprint import bp
from accounts.forms import KeyPassphraseForm
from accounts.schemas import KeyEnrolmentSchema, canonical_blob
from crypto.envelope import kid
from trygg import access
from trygg.extensions import db, limiter

PASSPHRASE_MIN = 12


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
    db.session.commit()
    return jsonify(ok=True, kid=kid(data["public_key"])), 201
