"""The reporter's pages: the organisation's page, the form and the receipt.

Every route lives under `/r/` (left out of access logs, trygg/logs.py). Nothing here stores
an address, a user agent, a referrer or a time of day; the staff `session` cookie is never
set by these pages. The follow-up pages are in reporting/followup.py, the JSON endpoints the
browser uses in reporting/api.py, the admins' referral page in reporting/admin.py; all
register on this blueprint.

Without JavaScript the server seals in memory (reporting.services) before anything is
written, and the form says so before it is sent. With JavaScript only ciphertext arrives.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from accounts import services as accounts
from accounts.models import Organisation
from casework import directory, intake
from casework.models import Case
from reporting import document, guard, replay, services
from reporting.forms import IntakeForm, limit_attrs
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
    "budget_exhausted": _l("This organisation has received as many files today as it can "
                           "take. Nothing was saved. Send your report without files now and "
                           "add the files tomorrow on the follow-up page, or describe them in "
                           "words."),
    "disk_low": _l("The service is short of storage space just now, so it cannot take files. "
                   "Nothing was saved. Send your report without files, or try again later; "
                   "the operator has been told."),
    "conflict": _l("This report could not be saved because its identifier is already in use. "
                   "Nothing was saved. Reload the page and send again."),
    "already_sent": _l("This form was sent before. For your safety its receipt is shown again "
                       "only for a few minutes after sending, and only for exactly the same "
                       "content. If you sent it and noted the receipt, use that. If you lost "
                       "the receipt, you can send the report again below as a new one."),
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
    "too_large": 413, "case_full": 413, "budget_exhausted": 503, "disk_low": 503,
    "conflict": 409, "already_sent": 409, "out_of_order": 409, "already_complete": 409,
    "purged": 410,
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


# A global, not a context value: imported macros (reporting/_limits.html) see only globals.
bp.add_app_template_global(limit_attrs, "limit_attrs")
bp.add_app_template_global(rurl, "rurl")


@bp.app_template_filter("format_number")
def _format_number(value: int) -> str:
    from flask_babel import format_decimal

    return str(format_decimal(value))


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
        "b64url": b64url, "signed_in": guard.sign_out_token(org),
        "choices": {"periods": document.PERIODS, "settings": document.SETTINGS,
                    "roles": document.ROLES, "before": document.BEFORE, "wants": document.WANTS,
            "about": document.ABOUT, "status": document.STATUS},
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


def _form_error(org: Organisation, form: IntakeForm, code: str,
                dropped: list[str] | None = None) -> tuple[Response, int]:
    status = STATUS.get(code, 400)
    html = render_template("reporting/form.html", **_form_context(org, form, error_message(code)),
                           dropped_files=dropped or [])
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
        if form.exclude.errors:  # someone left out was removed while the form was open
            return _form_error(org, form, "unknown_handler", [u.name for u in uploads])
        # A browser cannot be given a file back: say it must be chosen again.
        html = render_template("reporting/form.html", **_form_context(org, form),
                               dropped_files=[u.name for u in uploads])
        return _no_store(make_response(html)), 400
    key = _b64d(form.idempotency_key.data)
    secret = current_app.config["SECRET_KEY"]
    sent = replay.fields_digest(secret, form.fields_for_document(), form.exclude.data or [],
                                [(u.name, u.data) for u in uploads])
    if intake.find_by_idempotency(db.session(), org, key, secret=secret) is not None:
        return _sent_again(org, form, key, sent)
    limits = services.limits()
    if (any(len(u.data) > limits.max_file for u in uploads)
            or sum(len(u.data) for u in uploads) > limits.max_case):
        return _form_error(org, form, "too_large", [u.name for u in uploads])
    names = [u.name for u in uploads]
    try:
        doc = document.build(form.fields_for_document(), current_language())
        excluded = frozenset(uuid.UUID(x) for x in form.exclude.data or [])
    except ValueError:
        return _form_error(org, form, "invalid", names)
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
        replay.remember(db.session(), secret, key, sent)
        notice = services.Notice(org.name, org.slug, tuple(h.email for h in opened.recipients),
                                 "report")
        crash_point("intake-before-commit")
        db.session.commit()
    except intake.IntakeError as exc:
        db.session.rollback()
        if (isinstance(exc, intake.Conflict)  # sent twice at once: the other one filed it
                and intake.find_by_idempotency(db.session(), org, key, secret=secret)):
            return _sent_again(org, form, key, sent)  # the replay rule decides, as below
        return _form_error(org, form, exc.code, names)
    except IntegrityError:
        db.session.rollback()
        if intake.find_by_idempotency(db.session(), org, key, secret=secret) is None:
            return _form_error(org, form, "conflict")
        return _sent_again(org, form, key, sent)
    crash_point("intake-after-commit")
    services.notify(notice)
    return _receipt_page(org, sealed.receipt, sealed.files, repeated=False)


def _sent_again(org: Organisation, form: IntakeForm, key: bytes,
                sent: bytes) -> Response | tuple[Response, int]:
    """This form's one-off key was used before: the same receipt again only for the same
    content within minutes (reporting/replay.py); otherwise a fresh form, and no receipt."""
    secret = current_app.config["SECRET_KEY"]
    if replay.may_show_again(db.session(), secret, key, sent):
        db.session.commit()  # the expired rows it cleared
        return _receipt_page(org, services.receipt_for(key), [], repeated=True)
    db.session.commit()
    form.idempotency_key.data = b64url(os.urandom(32))
    return _form_error(org, form, "already_sent")


def _receipt_page(org: Organisation, receipt: str, files: list[services.SealedFile], *,
                  repeated: bool) -> Response:
    html = render_template("reporting/receipt.html", org=org, receipt=receipt, files=files,
                           repeated=repeated, signed_in=guard.sign_out_token(org))
    return _no_store(make_response(html))


# The follow-up pages, the JSON endpoints and the admins' referral page register on this
# blueprint too.
from reporting import admin, api, checkin, followup, handoff_consent, info, onboarding  # noqa: E402

__all__ = ["admin", "api", "bp", "checkin", "followup", "handoff_consent", "info", "onboarding",
           "rurl"]
