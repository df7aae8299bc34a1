"""The reporter's answer to a retaliation check-in (casework/checkins.py).

A plain form, with or without JavaScript: the answer (and any words) is sealed on the server
in memory to the case's handlers and the reporter – as a message without JavaScript is – and
stored as a thread message; nothing about it is logged. An answer whose case is not the
signed-in reporter's, or to a step that is not asked now, is refused and changes nothing.
"""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from casework import checkins
from casework.errors import CaseworkError
from reporting import document, guard, services
from reporting.forms import _NoCsrf
from reporting.views import FOLLOW_UP_LIMIT, bp, find_org
from trygg import access
from trygg.extensions import csrf, db, limiter
from trygg.i18n import current_language

ANSWERS = {
    "no": _l("No, I have not met negative reactions."),
    "yes": _l("Yes, I have met negative reactions after I spoke up."),
}


class CheckInForm(_NoCsrf):
    case = HiddenField(validators=[InputRequired()])
    step = IntegerField(validators=[InputRequired()])
    answer = RadioField(choices=[SelectChoice(k, v) for k, v in ANSWERS.items()],
                        validators=[InputRequired()])
    text = TextAreaField(validators=[Length(max=document.MAX_WHAT)])


@bp.post("/r/<org_slug>/follow-up/check-in")
@access.public
@csrf.exempt
@limiter.limit(FOLLOW_UP_LIMIT)
def followup_check_in(org_slug: str) -> Response | tuple[Response, int]:
    from reporting.followup import _case_page, _require_case

    org = find_org(org_slug)
    case, session = _require_case(org)
    guard.check_session_form(session)
    form = CheckInForm()
    try:
        if not form.validate():
            raise CaseworkError("invalid")
        if form.case.data != str(case.public_id):
            raise CaseworkError("not_yours")
        words = "\n\n".join(t for t in (str(ANSWERS[form.answer.data]), form.text.data or "") if t)
        body = services.seal_for_case(db.session(), case,
                                      document.message(words, current_language()))
        checkins.answer(db.session(), case, step=form.step.data or 0, envelope=body,
                        on=services.today())
        notice = services.notice_for_case(db.session(), case, "message")
        db.session.commit()
    except (CaseworkError, ValueError) as error:
        db.session.rollback()
        detail = getattr(error, "detail", "")
        message = (_("This check-in is not about your case. Nothing was recorded.")
                   if detail == "not_yours" else
                   _("Choose an answer to the question that is asked now. Nothing was recorded."))
        return _case_page(org, case, session, error=message, status=400)
    services.notify(notice)
    return _case_page(org, case, session, notice=_(
        "Thank you. Your answer is sent to the safety representative."))
