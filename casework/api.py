"""JSON endpoints and ciphertext streams for the handler's browser (casework/views.py has
the pages). The browser gets envelopes and contexts, opens them with the handler's
unlocked key, and sends back only sealed items; the server checks their shape and
recipients."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Response, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from casework import contexts, handover, services
from casework.errors import BadSealedItem, CaseworkError
from casework.forms import MessageSchema, ResealSchema
from casework.models import Attachment, Case, Handoff, Message
from casework.views import bp, load_case, me, refuse
from trygg import access
from trygg.database import short_sessions
from trygg.extensions import db

NO_STORE = {"Cache-Control": "no-store"}


def _json(data: Any, status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


def _error(case: Case | None, action: str, error: CaseworkError) -> Response:
    status = refuse(case, action, error)
    return _json({"error": error.code, "message": str(error.message)}, status)


def _envelope(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@bp.get("/key")
@access.org("handler")
def wrapped_key(org_slug: str) -> Response:
    """The signed-in handler's wrapped private key: useless without the key passphrase,
    which never leaves the browser. `?download=1` saves it for the offline bundle tool."""
    person = current_user
    if person.public_key is None or person.wrapped_private_key is None:
        return _json({"error": "no_key", "message": _("You have not set up your key yet.")}, 404)
    data = {
        "public_key": services.b64(person.public_key),
        "wrapped_private_key": json.loads(person.wrapped_private_key),
    }
    response = _json(data)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = 'attachment; filename="trygg-key.json"'
    return response


@bp.get("/cases/<uuid:case_id>/sealed")
@access.org("handler")
def sealed(org_slug: str, case_id: uuid.UUID) -> Response:
    """Everything sealed in the case, with the contexts and keys the browser needs."""
    case = load_case(case_id)
    handlers = services.case_memberships(db.session(), case)
    # The page seals new items to every handler given a key here, and the server accepts
    # exactly handler_keys (active handlers only): give keys from that same list.
    recipients = set(services.handler_keys(db.session(), case))
    names = {m.id: m.person.name for m in handlers}
    messages = db.session.scalars(
        select(Message).where(Message.case_id == case.id).order_by(Message.seq)
    ).all()
    for m in messages:
        if m.author_id is not None and m.author_id not in names and m.author is not None:
            names[m.author_id] = m.author.person.name
    message_ids = {m.id: str(m.public_id) for m in messages}
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    ).all()
    handoffs = db.session.scalars(
        select(Handoff).where(Handoff.case_id == case.id).order_by(Handoff.id)
    ).all()
    return _json({
        "case": str(case.public_id),
        "purged": case.purged_on is not None,
        "contexts": {
            "report": contexts.report_context(case),
            "message": contexts.message_context(case),
            "attachment_key": contexts.attachment_key_context(case),
            "attachment_meta": contexts.attachment_meta_context(case),
            "handoff": contexts.handoff_context(case),
        },
        "reporter_public_key": services.b64(case.reporter_public_key),
        "handlers": [
            {"id": str(m.public_id), "name": m.person.name, "title": m.title,
             "public_key": services.b64(m.person.public_key)
             if m.person.public_key is not None and bytes(m.person.public_key) in recipients
             else None,
             "me": m.id == me().id}
            for m in handlers
        ],
        "report": _envelope(case.report),
        "messages": [
            {"id": str(m.public_id), "seq": m.seq, "sender": m.sender, "kind": m.kind,
             "created_on": m.created_on.isoformat(),
             "author": names.get(m.author_id) if m.author_id else None,
             "body": _envelope(m.body)}
            for m in messages
        ],
        "attachments": [
            {"id": str(a.public_id), "sender": a.sender, "created_on": a.created_on.isoformat(),
             "message": message_ids.get(a.message_id) if a.message_id else None,
             "key": _envelope(a.key), "meta": _envelope(a.meta), "complete": a.complete,
             "size": a.size,
             "url": f"/orgs/{g.org.slug}/cases/{case.public_id}/attachments/{a.public_id}"}
            for a in attachments
        ],
        "handoffs": [
            {"id": str(h.public_id), "created_on": h.created_on.isoformat(),
             "released_on": h.released_on.isoformat() if h.released_on else None,
             "summary": _envelope(h.summary)}
            for h in handoffs
        ],
    })


@bp.get("/cases/<uuid:case_id>/attachments/<uuid:attachment_id>")
@access.org("handler")
def attachment(org_slug: str, case_id: uuid.UUID, attachment_id: uuid.UUID) -> Response:
    """The attachment's ciphertext (stream v1), streamed; the browser decrypts it."""
    from casework.export import attachment_stream

    case = load_case(case_id)
    item = db.session.scalar(
        select(Attachment).where(Attachment.case_id == case.id,
                                 Attachment.public_id == attachment_id)
    )
    if item is None or not item.complete:
        services.log_refusal(db.session(), case, me(), "attachment.downloaded", "not_found")
        db.session.commit()
        abort(404)
    services.log_view(db.session(), case, me(), "attachment.downloaded")
    db.session.commit()
    length = len(item.header or b"") + item.size
    return Response(
        attachment_stream(short_sessions(db.session()), item),
        mimetype="application/octet-stream",
        headers={**NO_STORE, "Content-Length": str(length)},
    )


@bp.post("/cases/<uuid:case_id>/messages")
@access.org("handler")
def post_message(org_slug: str, case_id: uuid.UUID) -> Response:
    case = load_case(case_id)
    try:
        data = MessageSchema().load(request.get_json(silent=True) or {})
    except ValidationError:
        return _error(case, "message.sent", BadSealedItem("schema"))
    digest = services.message_digest(current_app.config["SECRET_KEY"], case,
                                     data["idempotency_key"].encode())
    try:
        message = services.post_message(db.session(), case, me(), kind=data["kind"],
                                        body=data["body"], feedback=data["feedback"],
                                        idempotency=digest)
    except services.Replayed as replay:
        # The same reply again (a resend after a lost answer): stored and audited once.
        replayed = _json({"id": str(replay.message.public_id), "seq": replay.message.seq}, 201)
        db.session.rollback()
        replayed.headers["Idempotent-Replayed"] = "true"
        return replayed
    except CaseworkError as error:
        return _error(case, "message.sent" if data["kind"] == "message" else "note.added", error)
    db.session.commit()
    return _json({"id": str(message.public_id), "seq": message.seq}, 201)


@bp.get("/cases/<uuid:case_id>/handlers/<uuid:membership_id>/key")
@access.org("handler")
def candidate_key(org_slug: str, case_id: uuid.UUID, membership_id: uuid.UUID) -> Response:
    """The public key of a handler who may be added (the browser re-seals to it)."""
    case = load_case(case_id)
    try:
        target = handover.candidate(db.session(), case, membership_id)
    except CaseworkError as error:
        return _error(case, "handler.added", error)
    assert target.person.public_key is not None  # noqa: S101 - candidate() checked it
    return _json({"id": str(target.public_id),
                  "public_key": services.b64(target.person.public_key)})


@bp.post("/cases/<uuid:case_id>/handlers")
@access.org("handler")
def add_handler(org_slug: str, case_id: uuid.UUID) -> Response:
    case = load_case(case_id)
    try:
        data = ResealSchema().load(request.get_json(silent=True) or {})
    except ValidationError:
        return _error(case, "handler.added", BadSealedItem("schema"))
    try:
        target = handover.add_handler(
            db.session(), case, me(), new_handler=data["handler"], resealed=data["items"],
            leave=data["leave"], on=services.today(),
        )
    except CaseworkError as error:
        return _error(case, "handler.added", error)
    db.session.commit()
    return _json({"id": str(target.public_id), "left": data["leave"]}, 201)


@bp.get("/cases/<uuid:case_id>/export")
@access.org("handler")
def export(org_slug: str, case_id: uuid.UUID) -> Response:
    """A signed case bundle (casework/bundle.py), streamed."""
    from casework import audit
    from casework.bundle import signing_key
    from casework.export import stream_bundle
    from trygg.database import utcnow

    case = load_case(case_id)
    case_key, exporter_key, public_id = case.id, me().id, case.public_id
    audit.append(db.session(), "case.exported", organisation_id=case.organisation_id,
                 case_id=case_key, actor_id=exporter_key)
    db.session.commit()
    created = utcnow()
    key = signing_key(current_app.config["SECRET_KEY"])
    name = f"trygg-case-{str(public_id)[:8]}-{created:%Y%m%d}.json"
    return Response(
        stream_bundle(
            short_sessions(db.session()), case_key, exporter_key, key=key, created_at=created,
            server=current_app.config["TRYGG"].base_url,
        ),
        mimetype="application/json",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )

