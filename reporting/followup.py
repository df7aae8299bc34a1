"""The reporter's follow-up: receipt login, the case page, replies, consent and files.

Without JavaScript the receipt is typed into a form; the server derives the keys in memory
and keeps the private key only inside the sealed session cookie (reporting/guard.py), so it
can open the thread for each page of that short session. With JavaScript the browser does
all of that itself (report-followup.js, reporting/api.py) and the server never sees the key.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from accounts.models import Organisation
from casework import intake
from casework.models import Case
from casework.services import case_memberships
from crypto import envelope as envelope_v1
from crypto import receipt as receipts
from crypto import stream as stream_v1
from crypto.errors import EnvelopeError, ReceiptError, ReceiptTypoError
from reporting import document, guard, services
from reporting.forms import ConsentForm, MessageForm, ReceiptForm
from reporting.views import (
    FOLLOW_UP_LIMIT,
    LOGIN_LIMIT,
    STATUS,
    _no_store,
    _uploads,
    _wants_json,
    bp,
    error_message,
    find_org,
    rurl,
)
from trygg import access
from trygg.extensions import csrf, db, limiter
from trygg.i18n import current_language

STATE_TEXT = {
    "received": _l("Received. The safety representative will confirm that they have read it."),
    "acknowledged": _l("Read and confirmed. The safety representative is following it up."),
    "assessing": _l("The safety representative is looking into what happened and what should "
                    "be done."),
    "measures": _l("Measures are being taken."),
    "closed": _l("The case is closed."),
}


def _expect(case: Case) -> str:
    """When the reporter can expect to hear something, in words (dates only)."""
    if case.state == "received":
        return _("You should get an answer by %(date)s.",
                 date=format_date(case.acknowledge_by, "long"))
    if case.state == "closed":
        return (_("Closed on %(date)s.", date=format_date(case.closed_on, "long"))
                if case.closed_on else "")
    return _("You should hear what is being done by %(date)s.",
             date=format_date(case.feedback_by, "long"))


def _case_for_session(org: Organisation) -> tuple[Case, guard.ReporterSession] | None:
    session = guard.current(org)
    if session is None:
        return None
    try:
        case = intake.case_by_lookup(db.session(), org, session.lookup_token,
                                     secret=current_app.config["SECRET_KEY"])
    except intake.ReceiptNotFound:
        return None
    return case, session


def _login_page(
    org: Organisation, form: ReceiptForm, error: str | None, status: int
) -> tuple[Response, int]:
    html = render_template("reporting/login.html", org=org, form=form, error=error,
                           form_token=guard.form_token(org))
    response = _no_store(make_response(html))
    if request.cookies.get(guard.COOKIE):
        guard.end(response, org)
    return response, status


def _open(envelope: dict[str, Any] | None, key: bytes | None, context: str) -> Any:
    """Open one envelope in memory for this response only; None when it cannot be opened."""
    if envelope is None or key is None:
        return None
    try:
        return json.loads(envelope_v1.unseal(envelope, key, context))
    except (EnvelopeError, ValueError):
        return None


def _display(report: Any) -> dict[str, Any] | None:
    return None if report is None else document.for_display(report)


def _case_page(
    org: Organisation,
    case: Case,
    session: guard.ReporterSession,
    *,
    message_form: MessageForm | None = None,
    consent_form: ConsentForm | None = None,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[Response, int]:
    view = intake.reporter_view(db.session(), case)
    key = session.private_key
    opened = None
    if key is not None:  # a login without JavaScript: open in memory, for this page only
        files = [*view.attachments, *[a for i in view.items for a in i.attachments]]
        opened = {
            "report": _display(_open(view.report, key, intake.case_context(case, intake.REPORT))),
            "items": {i.public_id: _open(i.body, key, intake.case_context(case, intake.MESSAGE))
                      for i in view.items},
            "files": {a.public_id: _open(json.loads(a.meta) if a.meta else None, key,
                                         intake.case_context(case, intake.ATTACHMENT_META))
                      for a in files},
        }
    intake.mark_read_by_reporter(db.session(), case)
    db.session.commit()
    from reporting import handoff_consent  # imports this module: not at the top

    config = current_app.config["TRYGG"]
    html = render_template(
        "reporting/case.html", org=org, case=case, view=view, opened=opened,
        state_text=STATE_TEXT.get(case.state, ""), expect=_expect(case),
        token=guard.session_token(session), message_form=message_form or MessageForm(),
        consent_form=consent_form or ConsentForm(), notice=notice, error=error,
        received=format_date(case.received_on, "long"), choices=_form_context_choices(),
        max_file_mb=config.attachment_max_file // (1024 * 1024), format_date=format_date,
        consented=any(i.kind == "consent" for i in view.items),
        **handoff_consent.page_context(case, key),
        readers=[(m.title, m.external) for m in case_memberships(db.session(), case)],
    )
    response = _no_store(make_response(html))
    guard.start(response, org, session)  # slide the idle timeout
    return response, status


def _form_context_choices() -> dict[str, Any]:
    return {"periods": document.PERIODS, "settings": document.SETTINGS, "roles": document.ROLES,
            "before": document.BEFORE, "wants": document.WANTS,
            "about": document.ABOUT, "status": document.STATUS}


@bp.get("/r/<org_slug>/follow-up")
@access.public
def followup(org_slug: str) -> tuple[Response, int]:
    org = find_org(org_slug)
    found = _case_for_session(org)
    if found is None:
        return _login_page(org, ReceiptForm(formdata=None), None, 200)
    return _case_page(org, *found)


@bp.post("/r/<org_slug>/follow-up")
@access.public
@csrf.exempt
@limiter.shared_limit(LOGIN_LIMIT, scope="receipt-login")
def followup_login(org_slug: str) -> BaseResponse | tuple[Response, int]:
    """Receipt login without JavaScript: the server derives the keys in memory."""
    org = find_org(org_slug)
    guard.check_form(org)
    form = ReceiptForm()
    if not form.validate():
        return _login_page(org, ReceiptForm(formdata=None), _("Type your receipt."), 400)
    try:
        keys = receipts.derive(form.receipt.data)
    except ReceiptTypoError:
        return _login_page(org, ReceiptForm(formdata=None), _(
            "That receipt has a typo: one character is wrong or two have swapped places. "
            "Check it against what you wrote down."), 400)
    except ReceiptError:
        return _login_page(org, ReceiptForm(formdata=None), _(
            "A receipt has 25 letters and digits, in five groups. Check what you typed."), 400)
    try:
        intake.case_by_lookup(db.session(), org, keys.lookup_token,
                              secret=current_app.config["SECRET_KEY"])
    except intake.ReceiptNotFound:
        return _login_page(org, ReceiptForm(formdata=None), error_message("not_found"), 401)
    response = redirect(rurl("reporting.followup", org_slug=org.slug), 303)
    guard.start(response, org, guard.ReporterSession(keys.lookup_token, keys.private_key))
    response.headers["Cache-Control"] = "no-store"
    return response


def _require_case(org: Organisation) -> tuple[Case, guard.ReporterSession]:
    found = _case_for_session(org)
    if found is None:
        abort(401)
    return found


@bp.errorhandler(401)
def _signed_out(error: Exception) -> tuple[Response, int]:
    message = _(
        "You have been signed out (after 30 minutes without activity). Type your receipt again."
    )
    if _wants_json():
        from flask import jsonify

        return jsonify(error="signed_out", message=message), 401
    org = find_org((request.view_args or {}).get("org_slug", ""))
    return _login_page(org, ReceiptForm(formdata=None), message, 401)


@bp.post("/r/<org_slug>/follow-up/message")
@access.public
@csrf.exempt
@limiter.limit(FOLLOW_UP_LIMIT)
def followup_message(org_slug: str) -> Response | tuple[Response, int]:
    """A message or an addition without JavaScript: sealed in memory to the case's readers."""
    org = find_org(org_slug)
    case, session = _require_case(org)
    guard.check_session_form(session)
    form = MessageForm()
    try:
        uploads = _uploads()
    except RequestEntityTooLarge:
        abort(413)
    if not form.validate():
        return _case_page(org, case, session, message_form=form, status=400)
    limits = services.limits()
    if any(len(u.data) > limits.max_file for u in uploads):
        return _case_page(org, case, session, message_form=form,
                          error=error_message("too_large"), status=413)
    try:
        body = services.seal_for_case(db.session(), case, document.message(form.text.data,
                                                                          current_language()))
        files = services.seal_files_for_case(db.session(), case, uploads)
        del uploads
        message = intake.add_reporter_message(db.session(), case, body, kind=form.kind.data,
                                              today=services.today())
        services.store_files(db.session(), case, files, message=message)
        notice = services.notice_for_case(db.session(), case, "message")
        db.session.commit()
    except (intake.IntakeError, ValueError) as exc:
        db.session.rollback()
        code = exc.code if isinstance(exc, intake.IntakeError) else "invalid"
        return _case_page(org, case, session, message_form=form, error=error_message(code),
                          status=STATUS.get(code, 400))
    services.notify(notice)
    return _case_page(org, case, session, notice=_("Sent. The safety representative has been told "
                                                   "that you wrote."))


@bp.post("/r/<org_slug>/follow-up/consent")
@access.public
@csrf.exempt
@limiter.limit(FOLLOW_UP_LIMIT)
def followup_consent(org_slug: str) -> Response | tuple[Response, int]:
    org = find_org(org_slug)
    case, session = _require_case(org)
    guard.check_session_form(session)
    form = ConsentForm()
    if not form.validate():
        return _case_page(org, case, session, consent_form=form, status=400)
    statement = str(form.agree.label.text)
    try:
        consent = document.consent(statement, form.note.data or "", current_language())
        body = services.seal_for_case(db.session(), case, consent)
        intake.record_consent(db.session(), case, body, today=services.today())
        notice = services.notice_for_case(db.session(), case, "message")
        db.session.commit()
    except (intake.IntakeError, ValueError) as exc:
        db.session.rollback()
        code = exc.code if isinstance(exc, intake.IntakeError) else "invalid"
        return _case_page(org, case, session, consent_form=form, error=error_message(code),
                          status=STATUS.get(code, 400))
    services.notify(notice)
    return _case_page(org, case, session, notice=_("Your consent is recorded."))


@bp.post("/r/<org_slug>/follow-up/sign-out")
@access.public
@csrf.exempt
def followup_logout(org_slug: str) -> BaseResponse:
    org = find_org(org_slug)
    session = guard.current(org)
    if session is not None:  # signed in: only our own page's form may sign the reporter out
        guard.check_session_form(session)
    response = redirect(rurl("reporting.org_page", org_slug=org.slug), 303)
    guard.end(response, org)
    return response


@bp.get("/r/<org_slug>/follow-up/files/<uuid:file_id>")
@access.public
def followup_file(org_slug: str, file_id: uuid.UUID) -> Response:
    """A file without JavaScript: opened in memory for this download only."""
    org = find_org(org_slug)
    case, session = _require_case(org)
    if session.private_key is None:
        abort(404)
    try:
        attachment = intake.reporter_attachment(db.session(), case, file_id)
    except intake.AttachmentNotFound:
        abort(404)
    if not attachment.complete or attachment.key is None:
        abort(404)
    meta = _open(json.loads(attachment.meta) if attachment.meta else None, session.private_key,
                 intake.case_context(case, intake.ATTACHMENT_META)) or {}
    try:
        pieces = stream_v1.decrypt_stream(
            json.loads(attachment.key), intake.attachment_stream(db.session(), attachment),
            session.private_key, intake.case_context(case, intake.ATTACHMENT))
        data = io.BytesIO(b"".join(pieces))  # complete and authenticated before any byte is sent
    except EnvelopeError:
        abort(404)
    name = os.path.basename(str(meta.get("name") or "file"))
    response = send_file(data, mimetype="application/octet-stream", as_attachment=True,
                         download_name=name, max_age=0)
    return _no_store(response)
