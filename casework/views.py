"""The handler's pages: inbox, case page and the forms on it.

Every view is `@access.org("handler")`; a case is only found through
`services.case_for`, so leaders, admins, other organisations' handlers and handlers the
reporter excluded all get 404. A refused action changes nothing: the view rolls back and
writes only the refusal to the audit log. JSON endpoints and streams are in casework/api.py.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from accounts.models import Membership
from casework import (
    admin_hooks,
    assessing,
    audit,
    handoff,
    handover,
    inbox,
    labels,
    services,
    states,
    triage,
    workflow_labels,
)
from casework.errors import BadAssessment, CaseNotFound, CaseworkError
from casework.forms import (
    AssessmentForm,
    ConfirmForm,
    DecisionsForm,
    EmployerActionsForm,
    HandoffForm,
    StateForm,
    options,
)
from casework.models import Assessment, Case
from trygg import access
from trygg.extensions import db
from trygg.i18n import current_language

bp = Blueprint("casework", __name__, template_folder="templates", url_prefix="/orgs/<org_slug>")
admin_hooks.install()  # the admin pages may not leave a case without a reader

CONFLICTS = ("case_changed", "bad_transition", "already_on_case")


def me() -> Membership:
    """The signed-in handler's membership in the URL's organisation (set by access.org)."""
    membership: Membership = g.membership
    return membership


def key_epoch() -> str:
    """A random value per sign-in: the browser wipes a stored key made in another sign-in."""
    epoch = session.get("casework_key_epoch")
    if not epoch:
        epoch = session["casework_key_epoch"] = secrets.token_urlsafe(16)
    return str(epoch)


@bp.app_context_processor
def _handler_globals() -> dict[str, Any]:
    from casework.presenting import audit_text, audit_time, case_i18n

    return {"casework_labels": labels, "casework_key_epoch": key_epoch,
            "audit_text": audit_text, "audit_time": audit_time, "case_i18n": case_i18n}


def load_case(case_id: uuid.UUID) -> Case:
    """The case if it is sealed to the signed-in handler; 404 otherwise (refusal logged when
    a case of this organisation exists, so its handlers can see who tried)."""
    try:
        return services.case_for(db.session(), me(), case_id)
    except CaseNotFound:
        db.session.rollback()
        other = db.session.scalar(
            db.select(Case).where(Case.public_id == case_id,
                                  Case.organisation_id == me().organisation_id)
        )
        if other is not None:
            services.log_refusal(db.session(), other, me(), "case.denied", "not_on_case")
            db.session.commit()
        abort(404)


def refuse(case: Case | None, action: str, error: CaseworkError) -> int:
    """Undo whatever the action did, log the refusal, return the HTTP status to answer with."""
    db.session.rollback()
    services.log_refusal(db.session(), case, me(), action, error.code)
    db.session.commit()
    return 409 if error.code in CONFLICTS else 400


@bp.get("/cases", endpoint="inbox")
@access.org("handler")
def inbox_view(org_slug: str) -> str:
    page = inbox.inbox(
        db.session(), me(), state=request.args.get("state", "open"),
        sort=request.args.get("sort", "deadline"),
        page=request.args.get("page", 1, type=int), on=services.today(),
    )
    others = [
        m for m in db.session.scalars(
            db.select(Membership).where(Membership.person_id == me().person_id,
                                        Membership.role == "handler",
                                        Membership.id != me().id)
        )
    ]
    return render_template(
        "casework/inbox.html", page=page, counts=page.counts,
        filters=inbox.FILTERS, sorts=inbox.SORTS, others=others, today=services.today(),
    )


def _directory() -> dict[str, Any]:
    from casework import directory

    return {e.code: e for e in directory.entries(db.session(), g.org)}


def _case_page(case: Case, status: int = 200, **forms: Any) -> tuple[str, int]:
    on = services.today()
    assessment = db.session.get(Assessment, case.id)
    result = assessing.result_for(assessment) if assessment else None
    entries = _directory()
    stamp = assessing.stamp(assessment)
    assessment_form = forms.get("assessment_form") or AssessmentForm(
        formdata=None, obj=assessment, seen=stamp,
        aggravating=[a.code for a in assessment.aggravating] if assessment else [],
        context=[c.code for c in assessment.contexts] if assessment else [],
        risk_factors=[r.code for r in assessment.risk_factors] if assessment else [],
    )
    actions = assessment.employer_actions if assessment else []
    employer_form = forms.get("employer_form") or EmployerActionsForm(
        formdata=None, seen=stamp, actions=[a.code for a in actions],
        decided_on=actions[0].decided_on if actions else None,
        source=actions[0].source if actions else "",
    )
    decisions_form = forms.get("decisions_form") or DecisionsForm(
        formdata=None, seen=stamp,
        reactions=[r.code for r in assessment.reactions] if assessment else [],
        referrals=[r.code for r in assessment.referrals] if assessment else [],
        outcome=(assessment.outcome or "") if assessment else "",
    )
    language = current_language()
    decisions_form.referrals.choices = options(
        (code, e.name_in(language)) for code, e in entries.items()
    )
    draft = handoff.draft(db.session(), case)
    consent = draft is not None and handoff.has_consent(draft)
    handoff_form = forms.get("handoff_form") or HandoffForm(formdata=None)
    handoff_form.recipient_person.choices = _recipient_choices(case)
    trail = audit.case_trail(db.session(), case.id)
    people = {m.id: m for m in db.session.scalars(
        db.select(Membership).where(Membership.id.in_({e.actor_id for e in trail if e.actor_id}))
    )}
    return render_template(
        "casework/case.html",
        case=case,
        on=on,
        deadline=states.next_deadline(case),
        transitions=states.allowed(case.state),
        state_form=forms.get("state_form") or StateForm(formdata=None),
        assessment=assessment,
        result=result,
        assessment_form=assessment_form,
        decisions_form=decisions_form,
        employer_form=employer_form,
        directory=entries,
        language=language,
        handlers=services.case_memberships(db.session(), case),
        candidates=handover.candidates(db.session(), case),
        handoffs=case.handoffs,
        draft=draft,
        consent=consent,
        handoff_form=handoff_form,
        handoff_words=workflow_labels,
        confirm_form=ConfirmForm(formdata=None),
        trail=trail,
        people=people,
        me=me(),
        bundle_key=_bundle_key(),
    ), status


def _bundle_key() -> tuple[str, str]:
    """The key that signs this server's bundles, and its fingerprint, to pin when checking."""
    from casework.bundle import b64e, fingerprint, signing_key

    key = bytes(signing_key(current_app.config["SECRET_KEY"]).verify_key)
    return b64e(key), fingerprint(key)


@bp.get("/cases/<uuid:case_id>")
@access.org("handler")
def case_page(org_slug: str, case_id: uuid.UUID) -> tuple[str, int]:
    case = load_case(case_id)
    services.log_view(db.session(), case, me(), "case.viewed")
    triage.mark_seen(db.session(), case, me())
    db.session.commit()
    return _case_page(case)


def _back(case: Case, anchor: str) -> Response:
    return redirect(url_for("casework.case_page", org_slug=g.org.slug, case_id=case.public_id,
                            _anchor=anchor), code=303)


@bp.post("/cases/<uuid:case_id>/state")
@access.org("handler")
def change_state(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    case = load_case(case_id)
    form = StateForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the listed reasons for this state change. Nothing was changed."),
              "error")
        return _case_page(case, refuse(case, "case.state", CaseworkError("bad_form")),
                          state_form=form)
    try:
        if form.note.data:  # checked, stored and logged (note.added) like any other note
            services.post_message(db.session(), case, me(), kind="note", body=form.note.data)
        states.transition(db.session(), case, me(), to=form.to.data, reason=form.reason.data,
                          from_state=form.from_state.data, on=services.today())
    except CaseworkError as error:
        flash(str(error.message), "error")
        return _case_page(case, refuse(case, "case.state", error), state_form=form)
    db.session.commit()
    flash(_("The case is now: %(state)s.", state=labels.label(labels.STATES, case.state)),
          "success")
    return _back(case, "state")


@bp.post("/cases/<uuid:case_id>/assessment")
@access.org("handler")
def save_assessment(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    case = load_case(case_id)
    form = AssessmentForm()
    if not form.validate_on_submit():
        unanswered = any(not form[name].data for name in form.errors if name in form)
        flash(_("Some questions are not answered yet; they are marked in the assessment below. "
                "Nothing was saved.") if unanswered else
              _("The assessment had a value that is not one of the choices. Nothing was saved."),
              "error")
        return _case_page(case, refuse(case, "assessment.recorded",
                                       CaseworkError("bad_assessment")), assessment_form=form)
    try:
        result = assessing.record_assessment(
            db.session(), case, me(), nature=form.nature.data, frequency=form.frequency.data,
            relation=form.relation.data, power=form.power.data,
            consequences=form.consequences.data, aggravating=form.aggravating.data or [],
            criminal=bool(form.criminal.data), on=services.today(), seen=form.seen.data,
            kind=form.kind.data, explicitness=form.explicitness.data, prior=form.prior.data,
            context=form.context.data or [], risk_factors=form.risk_factors.data or [],
            minor_involved=bool(form.minor_involved.data),
        )
    except CaseworkError as error:
        flash(str(error.message), "error")
        if isinstance(error, BadAssessment) and error.detail in form:
            form[error.detail].errors = [*form[error.detail].errors, str(error.message)]
        return _case_page(case, refuse(case, "assessment.recorded", error), assessment_form=form)
    db.session.commit()
    flash(_("Assessment saved: level %(level)d, %(name)s.", level=result.level,
            name=result.level_name), "success")
    return _back(case, "assessment")


@bp.post("/cases/<uuid:case_id>/decisions")
@access.org("handler")
def save_decisions(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    case = load_case(case_id)
    form = DecisionsForm()
    entries = _directory()
    form.referrals.choices = options((code, code) for code in entries)
    if not form.validate_on_submit():
        flash(_("The assessment had a value that is not one of the choices. Nothing was saved."),
              "error")
        return _case_page(case, refuse(case, "decisions.recorded",
                                       CaseworkError("bad_assessment")), decisions_form=form)
    try:
        assessing.record_decisions(
            db.session(), case, me(), reactions=form.reactions.data or [],
            referrals=form.referrals.data or [], outcome=form.outcome.data or None,
            known_referrals=entries, seen=form.seen.data,
        )
    except CaseworkError as error:
        flash(str(error.message), "error")
        return _case_page(case, refuse(case, "decisions.recorded", error), decisions_form=form)
    db.session.commit()
    flash(_("Recommendations, referrals and outcome saved."), "success")
    return _back(case, "decisions")


@bp.post("/cases/<uuid:case_id>/employer-actions")
@access.org("handler")
def save_employer_actions(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    case = load_case(case_id)
    form = EmployerActionsForm()
    if not form.validate_on_submit():
        flash(_("What the employer did had a value that is not one of the choices. "
                "Nothing was saved."), "error")
        return _case_page(case, refuse(case, "employer_actions.recorded",
                                       CaseworkError("bad_assessment")), employer_form=form)
    try:
        assessing.record_employer_actions(
            db.session(), case, me(), actions=form.actions.data or [],
            decided_on=form.decided_on.data, source=form.source.data or None,
            on=services.today(), seen=form.seen.data,
        )
    except CaseworkError as error:
        message = str(error.message)
        if isinstance(error, BadAssessment) and error.detail == "decided_on":
            message = _("Give the date the employer decided; it cannot be in the future. "
                        "Nothing was saved.")
        elif isinstance(error, BadAssessment) and error.detail == "source":
            message = _("Say where you learnt what the employer did. Nothing was saved.")
        flash(message, "error")
        if isinstance(error, BadAssessment) and error.detail in form:
            form[error.detail].errors = [*form[error.detail].errors, message]
        return _case_page(case, refuse(case, "employer_actions.recorded", error),
                          employer_form=form)
    db.session.commit()
    flash(_("What the employer did is saved."), "success")
    return _back(case, "employer-actions")


def _recipient_choices(case: Case) -> list[tuple[str, str]]:
    people = handoff.recipient_choices(db.session(), case)
    return [("", _("Nobody in particular")), *((str(p.public_id), p.name) for p in people)]


def _recipient(form: HandoffForm) -> handoff.Recipient | None:
    """The recipient as the form names it; a person by their public id (never a row id)."""
    from accounts.models import Person
    from casework.errors import RecipientMissing

    if not form.recipient.data:
        return None
    person_id = None
    if form.recipient_person.data:
        try:
            wanted = uuid.UUID(form.recipient_person.data)
        except ValueError:
            raise RecipientMissing("person") from None
        person_id = db.session.scalar(db.select(Person.id).where(Person.public_id == wanted))
        if person_id is None:
            raise RecipientMissing("person")
    return handoff.Recipient(form.recipient.data, person_id, bool(form.above_accused.data))


@bp.post("/cases/<uuid:case_id>/handoff")
@access.org("handler")
def save_handoff(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    case = load_case(case_id)
    form = HandoffForm()
    try:
        if not form.validate_on_submit():
            from casework.errors import BadSealedItem

            raise BadSealedItem("form")
        handoff.save_summary(db.session(), case, me(), summary=form.summary.data,
                             checklist=form.checklist.data or [], on=services.today(),
                             kind=form.kind.data, names_reporter=form.names_reporter.data,
                             recipient=_recipient(form))
    except CaseworkError as error:
        flash(str(error.message), "error")
        return _case_page(case, refuse(case, "handoff.written", error), handoff_form=form)
    db.session.commit()
    flash(_("The summary is saved. It can be released once the reporter has agreed to it."),
          "success")
    return _back(case, "handoff")


@bp.post("/cases/<uuid:case_id>/handoff/release")
@access.org("handler")
def release_handoff(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    case = load_case(case_id)
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            raise CaseworkError("bad_form")
        handoff.release(db.session(), case, me(), on=services.today())
    except CaseworkError as error:
        flash(str(error.message), "error")
        return _case_page(case, refuse(case, "handoff.released", error))
    db.session.commit()
    flash(_("Released. Open the summary to print it or save it for the employer."), "success")
    return _back(case, "handoff")


@bp.get("/cases/<uuid:case_id>/handoff/<uuid:handoff_id>")
@access.org("handler")
def print_handoff(org_slug: str, case_id: uuid.UUID, handoff_id: uuid.UUID) -> str:
    case = load_case(case_id)
    item = next((h for h in case.handoffs if h.public_id == handoff_id), None)
    if item is None or item.summary is None:
        services.log_refusal(db.session(), case, me(), "handoff.printed", "not_found")
        db.session.commit()
        abort(404)
    return render_template("casework/handoff.html", case=case, item=item)


@bp.post("/cases/<uuid:case_id>/leave")
@access.org("handler")
def leave(org_slug: str, case_id: uuid.UUID) -> Response | tuple[str, int]:
    case = load_case(case_id)
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            raise CaseworkError("bad_form")
        handover.leave_case(db.session(), case, me())
    except CaseworkError as error:
        flash(str(error.message), "error")
        return _case_page(case, refuse(case, "handler.left", error))
    db.session.commit()
    flash(_("You no longer handle this case."), "success")
    return redirect(url_for("casework.inbox", org_slug=g.org.slug), code=303)


# The JSON and stream endpoints, and issue 12's workflow pages, register on bp too.
from casework import api, workflow_views  # noqa: E402,F401
