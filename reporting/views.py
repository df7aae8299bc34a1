"""The reporter's pages: the organisation's page, the form, the receipt and the follow-up.

Every route lives under `/r/` (left out of access logs, trygg/logs.py). Nothing here stores
an address, a user agent, a referrer or a time of day; the staff `session` cookie is never
set by these pages. The JSON endpoints the browser uses are in reporting/api.py, the admins'
referral page in reporting/admin.py; both register on this blueprint.

Without JavaScript the server seals in memory (reporting.services) before anything is
written, and the form says so before it is sent. With JavaScript only ciphertext arrives.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import uuid
from typing import Any

from flask import (
    Blueprint,
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
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from accounts import services as accounts
from accounts.models import Organisation
from casework import directory, intake
from casework.models import Case
from crypto import envelope as envelope_v1
from crypto import receipt as receipts
from crypto import stream as stream_v1
from crypto.errors import EnvelopeError, ReceiptError, ReceiptTypoError
from reporting import document, guard, services
from reporting.forms import ConsentForm, IntakeForm, MessageForm, ReceiptForm
from trygg import access
from trygg.extensions import csrf, db, limiter
from trygg.i18n import current_language

bp = Blueprint("reporting", __name__, template_folder="templates")

SUBMIT_LIMIT = "20 per hour;60 per day"
LOGIN_LIMIT = "5 per minute;30 per hour"
FOLLOW_UP_LIMIT = "60 per hour"

ERRORS: dict[str, Any] = {
    "invalid": _l("Something in what was sent was not as expected. Nothing was saved. "
                  "Reload the page and try again."),
    "no_handlers": _l("This organisation cannot receive reports yet: nobody has been appointed "
                      "to read them. Nothing was saved. Use the advice contacts below instead."),
    "everyone_excluded": _l("You have left out everyone who could read the report. At least one "
                            "person must be able to read it. Nothing was saved."),
    "unknown_handler": _l("One of the people you left out is no longer a safety representative "
                          "here. Nothing was saved. Reload the page and choose again."),
    "unknown_recipient": _l("The report was encrypted for someone who is not a safety "
                            "representative here (now). Nothing was saved. Reload the page and "
                            "send again."),
    "missing_recipient": _l("The report was not encrypted for everyone who must be able to read "
                            "it. Nothing was saved. Reload the page and send again."),
    "malformed_envelope": _l("The encrypted report was damaged on the way. Nothing was saved. "
                             "Reload the page and send again."),
    "too_large": _l("That is too large. Nothing was saved."),
    "case_full": _l("The files for this report together would be larger than allowed. "
                    "Nothing was saved."),
    "conflict": _l("This report could not be saved because its identifier is already in use. "
                   "Nothing was saved. Reload the page and send again."),
    "not_found": _l("We could not find a report with that receipt. Check each character and try "
                    "again."),
    "purged": _l("This case was closed, and its content has been deleted after the organisation's "
                 "retention period. Nothing more can be added."),
    "out_of_order": _l("Part of a file arrived out of order. Sending it again."),
    "already_complete": _l("This file has already been received in full."),
    "bad_stream": _l("The encrypted file was damaged on the way. Nothing more was saved. "
                     "Send the file again."),
}

STATUS = {
    "invalid": 400, "malformed_envelope": 400, "bad_stream": 400,
    "no_handlers": 422, "everyone_excluded": 422, "unknown_handler": 422,
    "unknown_recipient": 422, "missing_recipient": 422,
    "too_large": 413, "case_full": 413,
    "conflict": 409, "out_of_order": 409, "already_complete": 409, "purged": 410,
    "not_found": 401,
}


def error_message(code: str) -> str:
    return str(ERRORS.get(code, ERRORS["invalid"]))


# -- helpers ------------------------------------------------------------------------------


@bp.before_request
def _reporter_request() -> None:
    # Before anything reads the form: uploads stay in memory, never in a temporary file.
    guard.keep_uploads_in_memory()


def rurl(endpoint: str, **values: Any) -> str:
    """url_for that keeps an explicitly chosen language (links and form actions)."""
    from flask import url_for

    lang = request.args.get("lang")
    if lang in ("nb", "en") and "lang" not in values:
        values["lang"] = lang
    return url_for(endpoint, **values)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"rurl": rurl}


@bp.app_template_filter("report_labels")
def _report_labels(codes: list[str] | None, labels: dict[str, Any]) -> list[str]:
    """The labels of chosen codes, in the form's order (for showing a report document)."""
    return [str(labels[c]) for c in (codes or []) if c in labels]


def find_org(slug: str) -> Organisation:
    try:
        return accounts.organisation_by_slug(db.session(), slug)
    except accounts.UnknownOrganisation:
        abort(404)


@bp.errorhandler(404)
def _not_found(error: Exception) -> tuple[str, int] | tuple[Response, int]:
    if _wants_json():
        return _json_error("not_found_page", 404)
    return render_template("reporting/not_found.html"), 404


def _wants_json() -> bool:
    return "/api/" in request.path or request.accept_mimetypes.best == "application/json"


def _json_error(code: str, status: int) -> tuple[Response, int]:
    from flask import jsonify

    message = (_("There is no reporting page at this address.") if code == "not_found_page"
               else error_message(code))
    response = jsonify(error=code, message=message)
    response.status_code = status  # also right when raised with abort(response)
    return response, status


def crash_point(name: str) -> None:
    """Test hook: a worker killed at a chosen point (TRYGG_TEST_CRASH_POINT, testing only)."""
    if (os.environ.get("TRYGG_TEST_CRASH_POINT") == name
            and current_app.config["TRYGG"].env == "testing"):
        os._exit(70)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        abort(400)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the organisation's page --------------------------------------------------------------


@bp.get("/r/<org_slug>")
@access.public
def org_page(org_slug: str) -> Response:
    org = find_org(org_slug)
    html = render_template(
        "reporting/org.html", org=org, entries=directory.entries(db.session(), org),
        can_report=bool(intake.handlers(db.session(), org)),
    )
    return _no_store(make_response(html))


# -- the form -----------------------------------------------------------------------------


def _form_context(org: Organisation, form: IntakeForm, error: str | None = None) -> dict[str, Any]:
    available = intake.handlers(db.session(), org)
    config = current_app.config["TRYGG"]
    return {
        "org": org, "form": form, "error": error,
        "internal": [h for h in available if not h.external],
        "external": [h for h in available if h.external],
        "form_token": guard.form_token(org),
        "max_file_mb": config.attachment_max_file // (1024 * 1024),
        "max_case_mb": config.attachment_max_case // (1024 * 1024),
        "b64url": b64url,
        "choices": {"periods": document.PERIODS, "settings": document.SETTINGS,
                    "roles": document.ROLES, "before": document.BEFORE, "wants": document.WANTS},
    }


def _intake_form(org: Organisation) -> IntakeForm:
    form = IntakeForm()
    form.exclude.choices = [SelectChoice(str(h.public_id), h.title)
                            for h in intake.handlers(db.session(), org)]
    return form


@bp.get("/r/<org_slug>/report")
@access.public
def report_form(org_slug: str) -> Response:
    org = find_org(org_slug)
    form = _intake_form(org)
    form.idempotency_key.data = b64url(os.urandom(32))
    return _no_store(make_response(render_template("reporting/form.html",
                                                   **_form_context(org, form))))


def _uploads(field_name: str = "attachments") -> list[services.Upload]:
    files = [f for f in request.files.getlist(field_name) if f.filename]
    return [services.Upload(f.filename or "file", f.mimetype or "application/octet-stream",
                            f.read()) for f in files]


def _form_error(org: Organisation, form: IntakeForm, code: str) -> tuple[Response, int]:
    status = STATUS.get(code, 400)
    html = render_template("reporting/form.html", **_form_context(org, form, error_message(code)))
    return _no_store(make_response(html)), status


@bp.post("/r/<org_slug>/report")
@access.public
@csrf.exempt
@limiter.shared_limit(SUBMIT_LIMIT, scope="reporter-submit")
def report_submit(org_slug: str) -> Response | tuple[Response, int]:
    """The form without JavaScript: seal in memory, then file the case."""
    org = find_org(org_slug)
    try:
        guard.check_form(org)
        form = _intake_form(org)
        valid = form.validate()
        uploads = _uploads()
    except RequestEntityTooLarge:
        abort(413)
    if not valid:
        form.idempotency_key.data = form.idempotency_key.data or b64url(os.urandom(32))
        html = render_template("reporting/form.html", **_form_context(org, form))
        return _no_store(make_response(html)), 400
    key = _b64d(form.idempotency_key.data)
    secret = current_app.config["SECRET_KEY"]
    if intake.find_by_idempotency(db.session(), org, key, secret=secret) is not None:
        return _receipt_page(org, services.receipt_for(key), [], repeated=True)
    limits = services.limits()
    if (any(len(u.data) > limits.max_file for u in uploads)
            or sum(len(u.data) for u in uploads) > limits.max_case):
        return _form_error(org, form, "too_large")
    try:
        doc = document.build(form.fields_for_document(), current_language())
        excluded = frozenset(uuid.UUID(x) for x in form.exclude.data or [])
    except ValueError:
        return _form_error(org, form, "invalid")
    destination = intake.Destination.of(db.session(), org)
    try:
        sealed = services.seal_report(destination, doc, excluded=excluded,
                                      idempotency_key=key, uploads=uploads)
        del doc, uploads  # plaintext is not needed any more
        opened = intake.open_case(db.session(), destination, sealed.submission, secret=secret,
                                  today=services.today())
        case = db.session.get(Case, opened.case_id)
        assert case is not None  # noqa: S101 - inserted just above
        services.store_files(db.session(), case, sealed.files)
        notice = services.Notice(org.name, org.slug, tuple(h.email for h in opened.recipients),
                                 "report")
        crash_point("intake-before-commit")
        db.session.commit()
    except intake.IntakeError as exc:
        db.session.rollback()
        return _form_error(org, form, exc.code)
    except IntegrityError:
        db.session.rollback()
        if intake.find_by_idempotency(db.session(), org, key, secret=secret) is None:
            return _form_error(org, form, "conflict")
        return _receipt_page(org, services.receipt_for(key), [], repeated=True)
    crash_point("intake-after-commit")
    services.notify(notice)
    return _receipt_page(org, sealed.receipt, sealed.files, repeated=False)


def _receipt_page(org: Organisation, receipt: str, files: list[services.SealedFile], *,
                  repeated: bool) -> Response:
    html = render_template("reporting/receipt.html", org=org, receipt=receipt, files=files,
                           repeated=repeated)
    return _no_store(make_response(html))


# -- follow-up ----------------------------------------------------------------------------


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
    config = current_app.config["TRYGG"]
    html = render_template(
        "reporting/case.html", org=org, case=case, view=view, opened=opened,
        state_text=STATE_TEXT.get(case.state, ""), expect=_expect(case),
        token=guard.session_token(session), message_form=message_form or MessageForm(),
        consent_form=consent_form or ConsentForm(), notice=notice, error=error,
        received=format_date(case.received_on, "long"), choices=_form_context_choices(),
        max_file_mb=config.attachment_max_file // (1024 * 1024), format_date=format_date,
        consented=any(i.kind == "consent" for i in view.items),
    )
    response = _no_store(make_response(html))
    guard.start(response, org, session)  # slide the idle timeout
    return response, status


def _form_context_choices() -> dict[str, Any]:
    return {"periods": document.PERIODS, "settings": document.SETTINGS, "roles": document.ROLES,
            "before": document.BEFORE, "wants": document.WANTS}


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
    return response


def _require_case(org: Organisation) -> tuple[Case, guard.ReporterSession]:
    found = _case_for_session(org)
    if found is None:
        abort(401)
    return found


@bp.errorhandler(401)
def _signed_out(error: Exception) -> tuple[Response, int]:
    if _wants_json():
        from flask import jsonify

        return jsonify(error="signed_out", message=_(
            "You have been signed out (after 30 minutes without activity). Type your receipt "
            "again.")), 401
    org = find_org((request.view_args or {}).get("org_slug", ""))
    return _login_page(org, ReceiptForm(formdata=None), _(
        "You have been signed out (after 30 minutes without activity). Type your receipt "
        "again."), 401)


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
        import io

        data = io.BytesIO(b"".join(pieces))  # complete and authenticated before any byte is sent
    except EnvelopeError:
        abort(404)
    name = os.path.basename(str(meta.get("name") or "file"))
    response = send_file(data, mimetype="application/octet-stream", as_attachment=True,
                         download_name=name, max_age=0)
    return _no_store(response)


# JSON endpoints and the admins' referral page register on this blueprint.
from reporting import admin, api  # noqa: E402

__all__ = ["admin", "api", "bp", "rurl"]
