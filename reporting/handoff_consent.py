"""The reporter's answer to a summary for the employer: consent to one version, or withdraw it.

The summary is on the follow-up page: with JavaScript the browser opens it
(report-handoff.js); without, the server opens it in memory for that response only, as it
does for the thread (reporting/followup.py). The reporter agrees to the version they read
(the form carries it); a text changed since then is refused with a clear message, and a
summary that names the reporter needs a separate tick. Consent can be withdrawn until the
summary is released. Nothing here is written to the audit log or any other log: these are
reporter actions (design.md section 2). The answer itself is plaintext on purpose (a version
number and a date), like the kind of a thread message: the release needs to check it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask_babel import gettext as _
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import InputRequired

from casework import contexts, handoff
from casework.errors import CaseworkError
from casework.models import Case, Handoff
from reporting import guard, services
from reporting.forms import _NoCsrf
from reporting.views import FOLLOW_UP_LIMIT, bp, find_org
from trygg import access
from trygg.extensions import csrf, db, limiter


class HandoffConsentForm(_NoCsrf):
    handoff = HiddenField(validators=[InputRequired()])
    version = IntegerField(validators=[InputRequired()])
    agree = BooleanField()
    may_name_me = BooleanField()


def _open_summary(item: Handoff, key: bytes | None, case: Case) -> dict[str, Any] | None:
    from reporting.followup import _open

    if item.summary is None:
        return None
    opened = _open(json.loads(item.summary), key, contexts.handoff_context(case))
    return opened if isinstance(opened, dict) else None


def page_context(case: Case, key: bytes | None) -> dict[str, Any]:
    """What the follow-up page needs about summaries: the one waiting for an answer, those
    already released, and (no-JavaScript login) their text opened in memory."""
    session = db.session()
    ask = handoff.for_reporter(session, case)
    released = handoff.released_for_reporter(session, case)
    opened = {}
    if key is not None:
        for item in [*([ask] if ask else []), *released]:
            opened[item.public_id] = _open_summary(item, key, case)
    return {
        "handoff_ask": ask,
        "handoff_agreed": ask is not None and handoff.has_consent(ask),
        "handoff_released": released,
        "handoff_opened": opened,
        "handoff_recipients": _recipient_words(),
        **_after(case),
    }


def _after(case: Case) -> dict[str, Any]:
    """The retaliation check-in that is due, and until when the page stays open."""
    from datetime import timedelta

    from casework import checkins

    keep_until = None
    if case.state == "closed" and case.closed_on is not None:
        keep_until = case.closed_on + timedelta(days=case.organisation.retention_days)
    return {"checkin_step": checkins.due_step(db.session(), case, on=services.today()),
            "keep_until": keep_until}


def _recipient_words() -> dict[str, str]:
    from casework.workflow_labels import HANDOFF_RECIPIENTS

    return {code: str(words) for code, words in HANDOFF_RECIPIENTS.items()}


def _answer(org_slug: str, withdraw: bool) -> Response | tuple[Response, int]:
    from reporting.followup import _case_page, _require_case

    org = find_org(org_slug)
    case, session = _require_case(org)
    guard.check_session_form(session)
    form = HandoffConsentForm()
    try:
        if not form.validate():
            raise CaseworkError("invalid")
        if withdraw:
            handoff.withdraw_consent(db.session(), case, handoff_id=form.handoff.data,
                                     on=services.today())
        else:
            if not form.agree.data:
                raise CaseworkError("agree")
            handoff.give_consent(db.session(), case, handoff_id=form.handoff.data,
                                 version=form.version.data or 0,
                                 may_name_me=bool(form.may_name_me.data), on=services.today())
        notice = services.notice_for_case(db.session(), case, "message")
        db.session.commit()
    except CaseworkError as error:
        db.session.rollback()
        if error.detail == "agree":
            message = _("Tick the box to agree to this text, or leave the page without "
                        "answering. Nothing was recorded.")
        elif error.code == "refused":
            message = _("Something in what was sent was not as expected. Nothing was recorded. "
                        "Reload the page and try again.")
        else:
            message = str(error.message)
        status = 409 if error.code == "consent_outdated" else 400
        return _case_page(org, case, session, error=message, status=status)
    services.notify(notice)
    text = (_("Your consent is withdrawn. The summary will not be given to the employer "
              "unless you agree again.") if withdraw
            else _("Your consent to this version is recorded. You can withdraw it until the "
                   "safety representative gives it to the employer."))
    return _case_page(org, case, session, notice=text)


@bp.post("/r/<org_slug>/follow-up/handoff/consent")
@access.public
@csrf.exempt
@limiter.limit(FOLLOW_UP_LIMIT)
def followup_handoff_consent(org_slug: str) -> Response | tuple[Response, int]:
    """The reporter agrees to the version of the summary they read."""
    return _answer(org_slug, withdraw=False)


@bp.post("/r/<org_slug>/follow-up/handoff/withdraw")
@access.public
@csrf.exempt
@limiter.limit(FOLLOW_UP_LIMIT)
def followup_handoff_withdraw(org_slug: str) -> Response | tuple[Response, int]:
    """The reporter takes their consent back (until the summary is released)."""
    return _answer(org_slug, withdraw=True)


__all__ = ["HandoffConsentForm", "page_context"]
