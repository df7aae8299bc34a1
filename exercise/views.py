"""The participants' pages and the shared screen, all under `/x/`.

The same rules as the reporter's routes: no account, no address, user agent or time of
day stored, no access-log line (trygg/logs.py, gunicorn.conf.py), no cookie before
joining. Joining sets one cookie, `trygg_x`, scoped to `/x/<code>`, HttpOnly and
SameSite=Strict, holding the participant's random token (the server keeps only its keyed
hash). A wrong, malformed or closed code answers the same 404, page or JSON.

Without JavaScript everything works with plain forms; waiting pages and the screen reload
themselves (`<noscript><meta http-equiv="refresh">`). With JavaScript, small modules poll
the state (ETag, 304 when nothing changed) and update in place.
"""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from markupsafe import Markup

from exercise import common, services
from exercise.models import ExerciseSession
from trygg import access
from trygg.database import write_transaction
from trygg.extensions import csrf, db, limiter

bp = Blueprint("exercise", __name__, template_folder="templates")

COOKIE = "trygg_x"
JOIN_LIMIT = "300 per minute;3000 per hour"  # a whole room joins from one venue address
ANSWER_LIMIT = "3000 per minute"  # per address (a room behind one NAT)
ANSWER_PARTICIPANT_LIMIT = "60 per minute"  # per participant


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return common.template_globals()


@bp.errorhandler(404)
def _not_found(error: Exception) -> tuple[Any, int]:
    """The one answer for every wrong, malformed or closed code."""
    if "/api/" in request.path:
        return jsonify(error="not_found"), 404
    return _private(make_response(render_template("exercise/not_found.html"))), 404


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def find_open(code: str, lock: str | None = None, *, write: bool = False) -> ExerciseSession:
    if write or lock is not None:
        write_transaction(db.session())
    try:
        return services.find(db.session(), code, secret=common.secret(), lock=lock)
    except services.SessionNotFound:
        abort(404)


def _canonical(code: str) -> str:
    canonical = services.normalise_code(code)
    if canonical is None:
        abort(404)
    return canonical


def _participant(ex: ExerciseSession, code: str) -> bytes | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return services.participant(db.session(), ex, token, secret=common.secret())
    except services.ParticipantNotFound:
        return None


def participant_key() -> str:
    """Rate-limit key per participant (token from the cookie or the JSON body)."""
    token = request.cookies.get(COOKIE)
    if not token:
        body = request.get_json(silent=True)
        token = body.get("participant") if isinstance(body, dict) else None
    if not isinstance(token, str):
        from trygg.extensions import rate_limit_key

        return rate_limit_key()
    return common.rotating("exercise-participant", token)


def _secure() -> bool:
    config = current_app.config["TRYGG"]
    return not config.is_development and config.env != "testing"


# -- entering a code ----------------------------------------------------------------------


@bp.get("/x/")
@access.public
def enter() -> Response:
    typed = request.args.get("code")
    if typed is not None:
        code = services.normalise_code(typed)
        if code is None:
            abort(404)
        return redirect(common.xurl("exercise.phone", code=code))  # type: ignore[return-value]
    return _private(make_response(render_template("exercise/enter.html")))


# -- the phone ----------------------------------------------------------------------------


@bp.get("/x/<code>")
@access.public
def phone(code: str) -> Response:
    canonical = _canonical(code)
    if canonical != code:
        return redirect(common.xurl("exercise.phone", code=canonical))  # type: ignore[return-value]
    ex = find_open(code)
    org = common.organisation(ex)
    me = _participant(ex, code)
    context: dict[str, Any] = {"ex": ex, "org": org, "code": code, "joined": me is not None,
                               "state": services.state(db.session(), ex, with_counts=False)}
    if me is None:
        context["form_token"] = common.form_token("join", code)
    else:
        context["form_token"] = common.form_token("answer", request.cookies[COOKIE])
        context["mine"] = services.own_answers(db.session(), ex, me)
        context["change"] = request.args.get("change") == "1"
        if ex.status in ("reveal", "discussion") and ex.scenario_idx in ex.revealed:
            context["figure"] = common.figure_context(ex, ex.scenario_idx)
    return _private(make_response(render_template("exercise/phone.html", **context)))


@bp.post("/x/<code>/join")
@access.public
@csrf.exempt
@limiter.limit(JOIN_LIMIT)
def join_form(code: str) -> Response:
    ex = find_open(_canonical(code), write=True)
    code = _canonical(code)
    if not common.check_form_token("join", code):
        abort(400)
    try:
        token = services.join(db.session(), ex, secret=common.secret())
    except services.Full:
        db.session.rollback()
        abort(409)
    db.session.commit()
    response = redirect(common.xurl("exercise.phone", code=code))
    response.set_cookie(COOKIE, token, path=f"/x/{code}", httponly=True, samesite="Strict",
                        secure=_secure(), max_age=12 * 3600)
    return response  # type: ignore[return-value]


def _form_value(raw: str | None) -> tuple[bool, int | None]:
    """(given, value) from a radio group: "" or missing = untouched, "skip" = skip."""
    if raw is None or raw == "":
        return False, None
    if raw == "skip":
        return True, None
    if not raw.isdigit():
        abort(400)
    return True, int(raw)


@bp.post("/x/<code>/answer")
@access.public
@csrf.exempt
@limiter.limit(ANSWER_LIMIT)
@limiter.limit(ANSWER_PARTICIPANT_LIMIT, key_func=participant_key)
def answer_form(code: str) -> Response:
    code = _canonical(code)
    ex = find_open(code, lock="share")
    token = request.cookies.get(COOKIE, "")
    me = _participant(ex, code)
    if me is None or not common.check_form_token("answer", token):
        abort(400)
    scenario = request.form.get("scenario", "")
    if not scenario.isdigit():
        abort(400)
    changes = []
    for perspective in ex.perspectives:
        given, value = _form_value(request.form.get(perspective))
        if given:
            changes.append((perspective, value))
    try:
        for perspective, value in changes:
            services.answer(db.session(), ex, me, int(scenario), perspective, value)
    except services.NotOpen:
        db.session.rollback()
        return redirect(common.xurl("exercise.phone", code=code))  # type: ignore[return-value]
    except services.InvalidInput:
        db.session.rollback()
        abort(400)
    db.session.commit()
    return redirect(common.xurl("exercise.phone", code=code))  # type: ignore[return-value]


# -- the shared screen --------------------------------------------------------------------


def qr_svg(url: str) -> Markup:
    svg = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff",
                                                 title=url)
    return Markup(svg)  # noqa: S704 - segno output of our own URL


@bp.get("/x/<code>/screen")
@access.public
def screen(code: str) -> Response:
    canonical = _canonical(code)
    if canonical != code:
        return redirect(common.xurl("exercise.screen", code=canonical))  # type: ignore[return-value]
    ex = find_open(code)
    return _private(make_response(render_template(
        "exercise/screen.html", **screen_context(ex, code))))


def screen_context(ex: ExerciseSession, code: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "ex": ex, "org": common.organisation(ex), "code": code,
        "state": services.state(db.session(), ex),
        "join_url": common.join_url(code), "qr": qr_svg(common.join_url(code)),
        "proposals": services.proposals(db.session(), ex),
    }
    if ex.status in ("reveal", "discussion") and ex.scenario_idx in ex.revealed:
        context["figure"] = common.figure_context(ex, ex.scenario_idx)
    return context
