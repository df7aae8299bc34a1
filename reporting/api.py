"""JSON endpoints for the reporter's browser: only ciphertext arrives here.

    POST /r/<org>/api/reports                         a sealed report (SubmissionSchema)
    POST /r/<org>/api/session                         receipt login with the lookup token
    GET  /r/<org>/api/case                            the thread, sealed, for the browser to open
    POST /r/<org>/api/messages                        a sealed message, addition or consent
    POST /r/<org>/api/attachments                     announce an attachment stream
    PUT  /r/<org>/api/attachments/<id>/chunks?from=N&last=0|1   consecutive sealed chunks
    GET  /r/<org>/api/attachments/<id>/data           a stored stream, for the browser to open

Errors are `{"error": code, "message": text in the reporter's language}` with a 4xx status;
nothing is stored when one is returned.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Response, abort, current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework import export, intake
from casework.models import Attachment, Case, Message
from casework.services import Replayed, message_digest
from reporting import guard, services
from reporting.schemas import AttachmentSchema, MessageSchema, SessionSchema, SubmissionSchema
from reporting.views import (
    FOLLOW_UP_LIMIT,
    LOGIN_LIMIT,
    STATUS,
    SUBMIT_LIMIT,
    _json_error,
    b64url,
    bp,
    crash_point,
    find_org,
)
from trygg import access
from trygg.database import short_sessions
from trygg.extensions import csrf, db, limiter

MAX_JSON = 4 * 1024 * 1024
MAX_CHUNK_REQUEST = 8 * 1024 * 1024
UPLOAD_LIMIT = "4000 per hour"


def _body(schema: Any) -> dict[str, Any]:
    request.max_content_length = MAX_JSON
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(_json_error("invalid", 400)[0])
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError:
        abort(_json_error("invalid", 400)[0])
    return loaded


def _fail(exc: intake.IntakeError) -> tuple[Response, int]:
    db.session.rollback()
    return _json_error(exc.code, STATUS.get(exc.code, 400))


def _result(case_id: uuid.UUID, *, replayed: bool) -> tuple[Response, int]:
    response = jsonify(status="received", case=str(case_id))
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201


@bp.post("/r/<org_slug>/api/reports")
@access.public
@csrf.exempt
@limiter.shared_limit(SUBMIT_LIMIT, scope="reporter-submit")
def api_submit(org_slug: str) -> tuple[Response, int]:
    # The hot path: the organisation and its handlers in one query, plain INSERTs, no ORM
    # objects (docs/performance.md, "Intake").
    org = intake.destination(db.session(), org_slug)
    if org is None:
        abort(404)
    guard.check_form(org)
    body = _body(SubmissionSchema())
    secret = current_app.config["SECRET_KEY"]
    submission = intake.Submission(
        case_id=body["case"], lookup_token=body["lookup_token"],
        reporter_public_key=body["reporter_public_key"], report=body["report"],
        idempotency_key=body["idempotency_key"], excluded=frozenset(body["excluded"]),
    )
    try:
        opened = intake.open_case(db.session(), org, submission, secret=secret,
                                  today=services.today())
        notice = services.Notice(org.name, org.slug, tuple(h.email for h in opened.recipients),
                                 "report")
        crash_point("intake-before-commit")
        db.session.commit()
    except (intake.IntakeError, IntegrityError) as exc:
        db.session.rollback()
        # The same submission again (a retry after a lost answer): the same result.
        existing = intake.find_by_idempotency(db.session(), org, submission.idempotency_key,
                                              secret=secret)
        if existing is not None:
            return _result(existing.public_id, replayed=True)
        if isinstance(exc, intake.IntakeError):
            return _json_error(exc.code, STATUS.get(exc.code, 400))
        return _json_error("conflict", 409)
    crash_point("intake-after-commit")
    services.notify(notice)
    return _result(opened.public_id, replayed=False)


@bp.post("/r/<org_slug>/api/session")
@access.public
@csrf.exempt
@limiter.shared_limit(LOGIN_LIMIT, scope="receipt-login")
def api_login(org_slug: str) -> Response | tuple[Response, int]:
    """Receipt login from the browser: only the lookup token is sent, never the receipt."""
    org = find_org(org_slug)
    guard.check_form(org)
    body = _body(SessionSchema())
    try:
        intake.case_by_lookup(db.session(), org, body["lookup_token"],
                              secret=current_app.config["SECRET_KEY"])
    except intake.ReceiptNotFound:
        return _json_error("not_found", 401)
    session = guard.ReporterSession(body["lookup_token"])
    # The form token for this session: the browser cannot compute it (it is keyed).
    token = guard.session_token(session)
    if body["page_only"]:
        return jsonify(status="page_only", token=token, session=guard.sealed(org, session))
    response = jsonify(status="signed_in", token=token)
    guard.start(response, org, session)
    # It carries the session's form token and sets the session cookie: never kept by a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _session_case(org_slug: str) -> tuple[Any, Case, guard.ReporterSession]:
    org = find_org(org_slug)
    session = guard.current(org)
    if session is None:
        abort(401)
    try:
        case = intake.case_by_lookup(db.session(), org, session.lookup_token,
                                     secret=current_app.config["SECRET_KEY"])
    except intake.ReceiptNotFound:
        abort(401)
    return org, case, session


def _attachment_json(a: Attachment) -> dict[str, Any]:
    return {
        "id": str(a.public_id), "sender": a.sender, "complete": a.complete, "size": a.size,
        "key": json.loads(a.key) if a.key else None,
        "meta": json.loads(a.meta) if a.meta else None,
        "created_on": a.created_on.isoformat(),
    }


@bp.get("/r/<org_slug>/api/case")
@access.public
def api_case(org_slug: str) -> Response:
    """The case as the reporter may see it, still sealed: the browser opens it."""
    org, case, session = _session_case(org_slug)
    view = intake.reporter_view(db.session(), case)
    intake.mark_read_by_reporter(db.session(), case)
    db.session.commit()
    response = jsonify(
        case=str(case.public_id),
        context=case.context,
        state=case.state,
        received_on=case.received_on.isoformat(),
        recipients=[b64url(k) for k in intake.recipient_keys(db.session(), case)],
        reporter_public_key=b64url(bytes(case.reporter_public_key)),
        handlers=view.handler_titles,
        report=view.report,
        items=[{
            "id": str(i.public_id), "sender": i.sender, "kind": i.kind, "body": i.body,
            "created_on": i.created_on.isoformat(),
            "attachments": [_attachment_json(a) for a in i.attachments],
        } for i in view.items],
        attachments=[_attachment_json(a) for a in view.attachments],
    )
    guard.start(response, org, session)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/r/<org_slug>/api/messages")
@access.public
@csrf.exempt
@limiter.limit(FOLLOW_UP_LIMIT)
def api_message(org_slug: str) -> tuple[Response, int]:
    _, case, session = _session_case(org_slug)
    guard.check_session_form(session)
    body = _body(MessageSchema())
    digest = message_digest(current_app.config["SECRET_KEY"], case, body["idempotency_key"])
    try:
        message = intake.add_reporter_message(db.session(), case, body["body"], kind=body["kind"],
                                              today=services.today(), idempotency=digest)
        notice = services.notice_for_case(db.session(), case, "message")
        message_id = message.public_id
        db.session.commit()
    except Replayed as replay:
        # The same message again (a resend after a lost answer): the same answer, once stored.
        replayed = jsonify(id=str(replay.message.public_id))
        db.session.rollback()
        replayed.headers["Idempotent-Replayed"] = "true"
        return replayed, 201
    except intake.IntakeError as exc:
        return _fail(exc)
    services.notify(notice)
    return jsonify(id=str(message_id)), 201


def _own_message(case: Case, public_id: uuid.UUID | None) -> Message | None:
    if public_id is None:
        return None
    message = db.session.scalar(select(Message).where(
        Message.case_id == case.id, Message.public_id == public_id, Message.sender == "reporter"))
    if message is None:
        abort(_json_error("invalid", 400)[0])
    return message


@bp.post("/r/<org_slug>/api/attachments")
@access.public
@csrf.exempt
@limiter.limit(FOLLOW_UP_LIMIT)
def api_attachment_start(org_slug: str) -> tuple[Response, int]:
    _, case, session = _session_case(org_slug)
    guard.check_session_form(session)
    body = _body(AttachmentSchema())
    try:
        attachment = intake.start_attachment(
            db.session(), case, key=body["key"], meta=body["meta"], header=body["header"],
            size=body["size"], limits=services.limits(), today=services.today(),
            message=_own_message(case, body["message"]),
        )
        db.session.commit()
    except intake.IntakeError as exc:
        return _fail(exc)
    return jsonify(id=str(attachment.public_id), next=0), 201


def _own_attachment(case: Case, file_id: uuid.UUID) -> Attachment:
    attachment = db.session.scalar(select(Attachment).where(
        Attachment.case_id == case.id, Attachment.public_id == file_id,
        Attachment.sender == "reporter"))
    if attachment is None:
        abort(404)
    return attachment


@bp.put("/r/<org_slug>/api/attachments/<uuid:file_id>/chunks")
@access.public
@csrf.exempt
@limiter.limit(UPLOAD_LIMIT)
def api_attachment_chunks(org_slug: str, file_id: uuid.UUID) -> tuple[Response, int]:
    _, case, session = _session_case(org_slug)
    guard.check_session_form(session)
    attachment = _own_attachment(case, file_id)
    try:
        first = int(request.args.get("from", ""))
    except ValueError:
        return _json_error("invalid", 400)
    last = request.args.get("last") == "1"
    request.max_content_length = MAX_CHUNK_REQUEST
    data = request.get_data(cache=False)
    try:
        intake.append_chunks(db.session(), attachment, first, data, last=last,
                             limits=services.limits())
        db.session.commit()
    except intake.OutOfOrder as exc:
        db.session.rollback()
        response, status = _json_error(exc.code, 409)
        response.headers["X-Trygg-Next"] = str(exc.expected)
        return response, status
    except intake.IntakeError as exc:
        return _fail(exc)
    return jsonify(next=attachment.chunk_count, complete=attachment.complete), 200


@bp.get("/r/<org_slug>/api/attachments/<uuid:file_id>/data")
@access.public
def api_attachment_data(org_slug: str, file_id: uuid.UUID) -> Response:
    _, case, _ = _session_case(org_slug)
    try:
        attachment = intake.reporter_attachment(db.session(), case, file_id)
    except intake.AttachmentNotFound:
        abort(404)
    if not attachment.complete:
        abort(404)
    # The body is sent after the request's session is gone: it reads in sessions of its own.
    response = Response(export.attachment_stream(short_sessions(db.session()), attachment),
                        mimetype="application/octet-stream")
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = ["api_attachment_chunks", "api_attachment_data", "api_attachment_start", "api_case",
           "api_login", "api_message", "api_submit"]
