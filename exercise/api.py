"""The participants' JSON API (design.md §8), for scripts, tests and the benchmark.

    POST /x/<code>/api/join                 201 {"participant": token}
    GET  /x/<code>/api/state[?brief=1]      the state; ETag, 304 when unchanged
    POST /x/<code>/api/answers              204; {"participant", "scenario", "perspective", "value"}
    GET  /x/<code>/api/results?scenario=i   {"withheld": true} or the figures

Errors are `{"error": code}`: 400 `invalid` (a value outside 1–10, an unknown scenario or
perspective, a malformed body), 403 `unknown_participant`, 409 `not_open` (not the open
scenario, or answers to it are closed), 404 `not_found` for a wrong or closed code, always
the same. Nothing is stored when an error is returned. JSON bodies cannot be sent
cross-site without a CORS preflight we never grant, so these need no form token.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, make_response, request
from werkzeug.wrappers import Response as WerkzeugResponse

from exercise import common, services
from exercise.views import (
    ANSWER_LIMIT,
    ANSWER_PARTICIPANT_LIMIT,
    JOIN_LIMIT,
    bp,
    find_open,
    participant_key,
)
from trygg import access
from trygg.extensions import csrf, db, limiter

STATUS = {"invalid": 400, "unknown_participant": 403, "not_open": 409, "full": 409}


def _error(exc: services.ExerciseError) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error=exc.code), STATUS.get(exc.code, 400)


def _json_body() -> dict[str, Any]:
    if not request.is_json or (common.checks_on() and not common.same_origin()):
        abort(make_response(jsonify(error="invalid"), 400))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(make_response(jsonify(error="invalid"), 400))
    return body


@bp.post("/x/<code>/api/join")
@access.public
@csrf.exempt
@limiter.limit(JOIN_LIMIT)
def api_join(code: str) -> tuple[Response, int]:
    ex = find_open(code, write=True)
    if common.checks_on() and not common.same_origin():
        return jsonify(error="invalid"), 400
    try:
        token = services.join(db.session(), ex, secret=common.secret())
    except services.ExerciseError as exc:
        return _error(exc)
    db.session.commit()
    return jsonify(participant=token), 201


@bp.get("/x/<code>/api/state")
@access.public
def api_state(code: str) -> WerkzeugResponse:
    """The state; `?brief=1` leaves out the counts (`answered`, `joined`, `proposals`), so
    that a phone, which only needs to know when the situation changes, costs one indexed
    lookup per poll and mostly gets 304."""
    ex = find_open(code)
    state = services.state(db.session(), ex, with_counts=request.args.get("brief") != "1")
    if request.args.get("brief") == "1":
        for count in ("answered", "joined", "proposals"):
            del state[count]
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.post("/x/<code>/api/answers")
@access.public
@csrf.exempt
@limiter.limit(ANSWER_LIMIT)
@limiter.limit(ANSWER_PARTICIPANT_LIMIT, key_func=participant_key)
def api_answer(code: str) -> tuple[Response | str, int]:
    body = _json_body()
    ex = find_open(code, lock="share")
    if set(body) - {"participant", "scenario", "perspective", "value"}:
        return _error(services.InvalidInput())
    try:
        me = services.participant(db.session(), ex, body.get("participant"),
                                  secret=common.secret())
        services.answer(db.session(), ex, me, body.get("scenario"), body.get("perspective"),
                        body.get("value"))
    except services.ExerciseError as exc:
        return _error(exc)
    db.session.commit()
    return "", 204


@bp.get("/x/<code>/api/results")
@access.public
def api_results(code: str) -> tuple[Response, int] | Response:
    ex = find_open(code)
    raw = request.args.get("scenario", "")
    if not raw.isdigit():
        return _error(services.InvalidInput())
    try:
        shown = services.results(db.session(), ex, int(raw))
    except services.ExerciseError as exc:
        return _error(exc)
    response = jsonify(shown.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response
