"""The handler's workflow forms of issue 12: how they want to be told about new reports and
messages (casework/notices.py), and the case page's follow-ups – interim measures, tasks,
meetings and the support person (casework/followups.py). Same rules as casework/views.py:
a refused action changes nothing and only its refusal is written to the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField
from wtforms.validators import InputRequired, Optional

from casework import followups, labels, links, notices, services, triage, workflow_labels
from casework.errors import CaseworkError
from casework.forms import MultiCheckboxField, options
from casework.views import bp, me
from casework.workflow_models import INTERIM_CODES, NOTICE_MODES, HandlerNotice
from trygg import access
from trygg.database import utcnow
from trygg.extensions import db


class NoticeForm(FlaskForm):
    mode = RadioField(
        "", choices=options((m, workflow_labels.NOTICE_MODES[m]) for m in NOTICE_MODES),
        validators=[InputRequired()],
    )


@bp.app_context_processor
def _workflow_globals() -> dict[str, Any]:
    def notice_form() -> NoticeForm:
        row = db.session.get(HandlerNotice, me().id)
        return NoticeForm(formdata=None, mode=row.mode if row else "immediate")

    def triage_for(rows: Any) -> dict[str, Any]:
        """The inbox's markers and summary line for the signed-in handler."""
        marks = triage.unread(db.session(), me(), [r.case.id for r in rows])
        return {"marks": marks, "summary": triage.summary(db.session(), me(),
                                                          on=services.today())}

    return {"notice_form": notice_form, "triage_for": triage_for}


@bp.post("/notices")
@access.org("handler")
def notice_mode(org_slug: str) -> Response | tuple[str, int]:
    """Immediate mails (coalesced within a short window) or one daily digest."""
    form = NoticeForm()
    if not form.validate_on_submit():
        db.session.rollback()
        flash(_("Choose one of the listed values."), "error")
        from casework.views import inbox_view

        return inbox_view(org_slug), 400
    notices.set_mode(db.session(), me(), form.mode.data, now=utcnow())
    db.session.commit()
    flash(_("Your choice of notification mails is saved."), "success")
    return redirect(url_for("casework.inbox", org_slug=g.org.slug), code=303)


# -- the case page's follow-up sections (casework/followups.py) ---------------------------


class InterimForm(FlaskForm):
    code = SelectField(choices=options((c, labels.REACTIONS[c]) for c in INTERIM_CODES),
                       validators=[InputRequired()])
    starts_on = DateField(validators=[Optional()])
    ends_on = DateField(validators=[Optional()])
    review_on = DateField(validators=[Optional()])


class TaskForm(FlaskForm):
    kind = SelectField(choices=options(workflow_labels.TASK_KINDS.items()),
                       validators=[InputRequired()])
    due_on = DateField(validators=[Optional()])


class MeetingForm(FlaskForm):
    held_on = DateField(validators=[Optional()])
    kind = SelectField(choices=options(workflow_labels.MEETING_KINDS.items()),
                       validators=[InputRequired()])
    participants = MultiCheckboxField(choices=options(workflow_labels.MEETING_ROLES.items()))
    support_present = BooleanField()
    summary = HiddenField()


class SupportForm(FlaskForm):
    role = SelectField(choices=options(workflow_labels.SUPPORT_ROLES.items()),
                       validators=[Optional()])


FIELD_ERRORS = {
    "held_on": _l("Give the date the meeting took place; it cannot be in the future. "
                  "Nothing was saved."),
    "participants": _l("Tick who took part (by role). Nothing was saved."),
    "starts_on": _l("Give the date the measure starts. Nothing was saved."),
    "ends_on": _l("The end cannot be before the start. Nothing was saved."),
    "review_on": _l("Give a review date between the start and the end. Nothing was saved."),
    "due_on": _l("Give a due date, today or later. Nothing was saved."),
}


@bp.app_context_processor
def _followup_globals() -> dict[str, Any]:
    def followup_data(case: Any) -> dict[str, Any]:
        session = db.session()
        return {
            "interims": followups.interims(session, case),
            "tasks": followups.tasks(session, case),
            "meetings": followups.meetings(session, case),
            "support": followups.support(session, case),
            "interim_form": InterimForm(formdata=None),
            "task_form": TaskForm(formdata=None),
            "meeting_form": MeetingForm(formdata=None),
            "support_form": SupportForm(formdata=None, role=followups.support(session, case)),
            "words": workflow_labels,
            "links": links.links_for(session, case, me()),
            "link_form": _link_form(case),
        }

    def _link_form(case: Any) -> Any:
        form = LinkForm(formdata=None)
        form.other.choices = options((str(c.public_id), _("Case %(id)s", id=str(c.public_id)[:8]))
                                     for c in links.candidates(db.session(), case, me()))
        return form

    return {"followup_data": followup_data}


def _followup(case_id: uuid.UUID, form_class: type[FlaskForm], action: str,
              anchor: str, save: Callable[[Any, Any], object],
              done: str) -> Response | tuple[str, int]:
    from casework.views import _back, _case_page, load_case, refuse

    case = load_case(case_id)
    form = form_class()
    try:
        if not form.validate_on_submit():
            field = next(iter(form.errors), "form")
            raise followups.BadFollowUp(field)
        save(case, form)
    except CaseworkError as error:
        message = FIELD_ERRORS.get(error.detail, error.message)
        flash(str(message), "error")
        return _case_page(case, refuse(case, action, error))
    db.session.commit()
    flash(done, "success")
    return _back(case, anchor)


@bp.post("/cases/<uuid:case_id>/interim")
@access.org("handler")
def add_interim(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    return _followup(case_id, InterimForm, "interim.recorded", "followups", lambda case, f: (
        followups.add_interim(db.session(), case, me(), code=f.code.data,
                              starts_on=f.starts_on.data, ends_on=f.ends_on.data,
                              review_on=f.review_on.data, on=services.today())),
        _("The interim measure is saved."))


@bp.post("/cases/<uuid:case_id>/tasks")
@access.org("handler")
def add_task(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    return _followup(case_id, TaskForm, "task.added", "followups", lambda case, f: (
        followups.add_task(db.session(), case, me(), kind=f.kind.data, due_on=f.due_on.data,
                           on=services.today())),
        _("The task is saved."))


@bp.post("/cases/<uuid:case_id>/tasks/<uuid:task_id>/done")
@access.org("handler")
def complete_task(org_slug: str, case_id: uuid.UUID,
                  task_id: uuid.UUID) -> Response | tuple[str, int]:
    return _followup(case_id, FlaskForm, "task.done", "followups", lambda case, f: (
        followups.complete_task(db.session(), case, me(), task_id, on=services.today())),
        _("The task is done."))


@bp.post("/cases/<uuid:case_id>/meetings")
@access.org("handler")
def record_meeting(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    return _followup(case_id, MeetingForm, "meeting.recorded", "followups", lambda case, f: (
        followups.record_meeting(db.session(), case, me(), held_on=f.held_on.data,
                                 kind=f.kind.data, participants=f.participants.data or [],
                                 support_present=bool(f.support_present.data),
                                 summary=f.summary.data or None, on=services.today())),
        _("The meeting is saved."))


@bp.post("/cases/<uuid:case_id>/support")
@access.org("handler")
def set_support(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    return _followup(case_id, SupportForm, "support.set", "followups", lambda case, f: (
        followups.set_support(db.session(), case, me(), f.role.data or "")),
        _("The support person is saved."))


class LinkForm(FlaskForm):
    other = SelectField(choices=[], validators=[InputRequired()], validate_choice=False)
    kind = SelectField(choices=options(workflow_labels.LINK_KINDS.items()),
                       validators=[InputRequired()])
    summary = HiddenField()  # the reason, sealed in the browser like a note


@bp.post("/cases/<uuid:case_id>/links")
@access.org("handler")
def add_link(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    """Link this case to another of the handler's cases in the organisation."""

    def save(case: Any, f: Any) -> object:
        try:
            other = uuid.UUID(f.other.data)
        except ValueError:
            raise links.BadLink("other") from None
        return links.link(db.session(), case, me(), other_id=other, kind=f.kind.data,
                          reason=f.summary.data or None, on=services.today())

    return _followup(case_id, LinkForm, "link.added", "links", save, _("The cases are linked."))
