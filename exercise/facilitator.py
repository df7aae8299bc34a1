"""The facilitator's side: start a session, run it, close it (pages and JSON API).

A facilitator is a signed-in leader, handler or admin of the organisation (a
"coordinator" role does not exist yet). Any facilitator of the organisation may run any
of its sessions, so two people can share the job.

    GET  /orgs/<org>/exercises                        sessions, and the form to start one
    POST /orgs/<org>/exercises                        start (form)
    GET  /orgs/<org>/exercises/<code>                 the control page
    POST /orgs/<org>/exercises/<code>/advance|reveal|close      (forms)
    POST /orgs/<org>/exercises/<code>/proposals[/<id>/delete]   rule proposals
    POST /orgs/<org>/api/exercises                    {"scenarios": "brochure", …} → 201
    POST /orgs/<org>/api/exercises/<code>/advance|reveal|close   → 200 with the state

The JSON API takes the staff CSRF token in `X-CSRFToken` (the pages' `csrf-token` meta).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from exercise import common, content, services
from exercise.models import ExerciseSession
from exercise.views import screen_context
from trygg import access
from trygg.extensions import db

bp = Blueprint("exercise_facilitator", __name__, template_folder="templates")
FACILITATORS = ("admin", "coordinator", "handler", "leader")
ACTIONS = ("advance", "reveal", "close")


def _session(code: str, lock: str | None = None) -> ExerciseSession:
    try:
        return services.find(db.session(), code, secret=common.secret(), org_id=g.org.id,
                             closed_too=True, lock=lock)
    except services.SessionNotFound:
        abort(404)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _production(raw: str) -> Any:
    """The production a session is for (a public id from the start form), or None for the
    whole organisation; an id that is not one of this organisation's productions is 404."""
    if not raw:
        return None
    from prevention.productions import production

    try:
        found = production(db.session(), g.org, uuid.UUID(raw))
    except ValueError:
        found = None
    if found is None:
        abort(404)
    return found


# -- pages --------------------------------------------------------------------------------


@bp.get("/orgs/<org_slug>/exercises")
@access.org(*FACILITATORS)
def sessions(org_slug: str) -> Response:
    from prevention.productions import productions

    found = services.for_org(db.session(), g.org.id)
    listed = [(ex, services.code_of(ex, common.secret())) for ex in found]
    return _private(make_response(render_template(
        "exercise/sessions.html", org=g.org, sessions=listed,
        productions=productions(db.session(), g.org), k=max(3, int(g.org.stats_k)))))


@bp.post("/orgs/<org_slug>/exercises")
@access.org(*FACILITATORS)
def start(org_slug: str) -> Response:
    scope = _production(request.form.get("production", ""))
    brochure = request.form.getlist("scenario")
    custom = [line for line in request.form.get("custom", "").splitlines() if line.strip()]
    try:
        scenarios = services.scenario_list(brochure, custom)
        perspectives = services.perspective_list(request.form.getlist("perspective"))
        code = services.create(db.session(), g.org, current_user, scenarios, perspectives,
                               secret=common.secret(), production=scope)[1]
    except services.InvalidInput:
        db.session.rollback()
        flash(_("Choose at least one situation and one perspective. Your own situations: at "
                "most %(n)d, one per line, up to %(chars)d characters each. Nothing was "
                "started.", n=content.MAX_CUSTOM, chars=content.CUSTOM_MAX_CHARS), "error")
        return redirect(url_for(".sessions", org_slug=org_slug))  # type: ignore[return-value]
    db.session.commit()
    return redirect(url_for(".control", org_slug=org_slug, code=code))  # type: ignore[return-value]


@bp.get("/orgs/<org_slug>/exercises/<code>")
@access.org(*FACILITATORS)
def control(org_slug: str, code: str) -> Response:
    ex = _session(code)
    code = services.code_of(ex, common.secret())
    if ex.status == "closed":
        kept = [(i, content.scenario_text(ex.scenarios[i]), common.figure_context(ex, i))
                for i in ex.revealed] if ex.kept_results else []
        return _private(make_response(render_template(
            "exercise/closed.html", ex=ex, org=g.org, code=code, kept=kept,
            proposals=services.proposals(db.session(), ex))))
    return _private(make_response(render_template(
        "exercise/control.html", **screen_context(ex, code))))


def _move(ex: ExerciseSession, action: str, keep: bool) -> None:
    if action == "advance":
        services.advance(db.session(), ex)
    elif action == "reveal":
        services.reveal(db.session(), ex)
    else:
        services.close(db.session(), ex, keep=keep)


MESSAGES = {
    "under_k": lambda ex: _("Not shown: fewer than %(k)d have answered this situation. Wait "
                            "for more answers, or go on to the next.", k=ex.k),
    "invalid_transition": lambda ex: _("That step is not available now. Nothing changed."),
}


def _form_action(org_slug: str, code: str, action: str) -> Response:
    ex = _session(code, lock="update")
    if ex.status == "closed":
        abort(404)
    try:
        _move(ex, action, request.form.get("keep") == "1")
    except services.ExerciseError as exc:
        db.session.rollback()
        flash(MESSAGES.get(exc.code, MESSAGES["invalid_transition"])(ex), "error")
    else:
        db.session.commit()
        if action == "close":
            flash(_("The session is closed. Every answer has been deleted."), "info")
    return redirect(url_for(".control", org_slug=org_slug, code=code))  # type: ignore[return-value]


def _register_form_actions() -> None:
    for action in ACTIONS:
        def view(org_slug: str, code: str, action: str = action) -> Response:
            return _form_action(org_slug, code, action)

        view.__name__ = f"form_{action}"
        bp.add_url_rule(f"/orgs/<org_slug>/exercises/<code>/{action}", view.__name__,
                        access.org(*FACILITATORS)(view), methods=["POST"])


_register_form_actions()


@bp.post("/orgs/<org_slug>/exercises/<code>/proposals")
@access.org(*FACILITATORS)
def add_proposal(org_slug: str, code: str) -> Response:
    ex = _session(code)
    if ex.status == "closed":
        abort(404)
    try:
        services.add_proposal(db.session(), ex, request.form.get("text", ""))
    except services.InvalidInput:
        db.session.rollback()
        flash(_("A proposal has 1–%(n)d characters. Nothing was saved.",
                n=services.PROPOSAL_MAX_CHARS), "error")
    else:
        db.session.commit()
    return redirect(url_for(".control", org_slug=org_slug, code=code, _anchor="proposals"))  # type: ignore[return-value]


@bp.post("/orgs/<org_slug>/exercises/<code>/proposals/<int:proposal_id>/delete")
@access.org(*FACILITATORS)
def remove_proposal(org_slug: str, code: str, proposal_id: int) -> Response:
    ex = _session(code)
    if ex.status == "closed":
        abort(404)
    services.remove_proposal(db.session(), ex, proposal_id)
    db.session.commit()
    return redirect(url_for(".control", org_slug=org_slug, code=code, _anchor="proposals"))  # type: ignore[return-value]


# The roles that may edit the organisation's rules (prevention/views.py EDIT).
RULE_EDITORS = ("admin", "coordinator", "leader")


@bp.post("/orgs/<org_slug>/exercises/<code>/proposals/<int:proposal_id>/to-rules")
@access.org(*RULE_EDITORS)
def proposal_to_rules(org_slug: str, code: str, proposal_id: int) -> Response:
    """A proposal becomes a rule in the organisation's draft rules, to be agreed and
    published there (prevention): the group proposes, the organisation decides."""
    ex = _session(code)
    try:
        version = services.proposal_to_rules(db.session(), ex, proposal_id,
                                             request.form.get("question", ""), g.org)
    except services.InvalidInput:
        db.session.rollback()
        flash(_("Choose which of the six questions the rule answers. Nothing was changed."),
              "error")
    else:
        db.session.commit()
        flash(_("The proposal is now in the draft rules (version %(version)d). Agree and "
                "publish them on the prevention pages.", version=version), "success")
    return redirect(url_for(".control", org_slug=org_slug, code=code, _anchor="proposals"))  # type: ignore[return-value]


# -- JSON API -----------------------------------------------------------------------------


def _json_error(code: str, status: int, **extra: Any) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error=code, **extra), status


@bp.post("/orgs/<org_slug>/api/exercises")
@access.org(*FACILITATORS)
def api_create(org_slug: str) -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - {"scenarios", "custom", "perspectives"}:
        return _json_error("invalid", 400)
    chosen = body.get("scenarios", "brochure")
    custom = body.get("custom", [])
    perspectives = body.get("perspectives")
    if chosen == "brochure":
        chosen = list(content.BROCHURE)
    elif chosen == "none":
        chosen = []
    if (not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen)
            or not isinstance(custom, list) or not all(isinstance(c, str) for c in custom)
            or (perspectives is not None and (not isinstance(perspectives, list) or not all(
                isinstance(p, str) for p in perspectives)))):
        return _json_error("invalid", 400)
    try:
        scenarios = services.scenario_list(chosen, custom)
        code = services.create(db.session(), g.org, current_user, scenarios,
                               services.perspective_list(perspectives),
                               secret=common.secret())[1]
    except services.InvalidInput:
        return _json_error("invalid", 400)
    db.session.commit()
    return jsonify(code=code, screen=url_for("exercise.screen", code=code)), 201


def _api_action(org_slug: str, code: str, action: str) -> tuple[Response, int]:
    ex = _session(code, lock="update")
    if ex.status == "closed":
        return _json_error("not_found", 404)
    body = request.get_json(silent=True) if request.content_length else {}
    keep = isinstance(body, dict) and body.get("keep_results") is True
    try:
        _move(ex, action, keep)
    except services.UnderK:
        answered = services.answered(db.session(), ex, ex.scenario_idx)
        return _json_error("under_k", 409, k=ex.k, answered=answered)
    except services.ExerciseError as exc:
        return _json_error(exc.code, 409)
    state = services.state(db.session(), ex)
    db.session.commit()
    return jsonify(state), 200


def _register_api_actions() -> None:
    for action in ACTIONS:
        def view(org_slug: str, code: str, action: str = action) -> tuple[Response, int]:
            return _api_action(org_slug, code, action)

        view.__name__ = f"api_{action}"
        bp.add_url_rule(f"/orgs/<org_slug>/api/exercises/<code>/{action}", view.__name__,
                        access.org(*FACILITATORS)(view), methods=["POST"])


_register_api_actions()
