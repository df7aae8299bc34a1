"""Helpers shared by the participants' routes and the facilitator's pages."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_babel import format_decimal

from accounts.models import Organisation
from exercise import content, figure, services
from exercise.models import ExerciseSession
from trygg.extensions import db


def secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def xurl(endpoint: str, **values: Any) -> str:
    """url_for that keeps an explicitly chosen language (no cookie carries it here)."""
    lang = request.args.get("lang")
    if lang in ("nb", "en") and "lang" not in values:
        values["lang"] = lang
    return url_for(endpoint, **values)


def join_url(code: str) -> str:
    return f"{current_app.config['TRYGG'].base_url}/x/{code}"


def same_origin() -> bool:
    """Not sent from another site, as far as the browser tells (as on the reporter pages:
    our pages send no referrer, so a form of ours arrives with `Origin: null`)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc == request.host


def checks_on() -> bool:
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def form_token(purpose: str, value: str) -> str:
    """A stateless form token (no cookie is needed before joining): a MAC of the code (the
    join form) or of the participant's token (the answer form), the same for everyone."""
    return hmac.new(secret().encode(), f"trygg/v1/exercise-form/{purpose}\x00{value}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def check_form_token(purpose: str, value: str) -> bool:
    if not checks_on():
        return True
    sent = request.form.get("form_token", "")
    return same_origin() and hmac.compare_digest(sent, form_token(purpose, value))


def rotating(purpose: str, value: str) -> str:
    """A keyed hash that changes daily: a rate-limit key that links nothing beyond a day."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return hmac.new(secret().encode(), f"ratelimit/{purpose}/{day}/{value}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def organisation(ex: ExerciseSession) -> Organisation:
    return db.session.get(Organisation, ex.organisation_id)  # type: ignore[return-value]


def number(value: float) -> str:
    return str(format_decimal(value, format="#,##0.##"))


def figure_context(ex: ExerciseSession, scenario: int) -> dict[str, Any]:
    """What the figure partial needs for one scenario: rows per perspective."""
    shown = services.results(db.session(), ex, scenario)
    rows = []
    for perspective in ex.perspectives:
        summary = shown.perspectives.get(perspective)
        rows.append({
            "code": perspective, "label": content.perspective_label(perspective),
            "summary": summary,
            "layout": figure.layout(summary) if summary is not None else None,
        })
    return {"shown": shown, "rows": rows, "k": ex.k, "ticks": figure.TICKS,
            "width": figure.WIDTH, "height": figure.HEIGHT, "axis_y": figure.AXIS_Y,
            "dots_top": figure.DOTS_TOP, "dots_height": figure.DOTS_HEIGHT}


SCREEN_FIELDS = "status scenario discussion answered joined proposals"
PHONE_FIELDS = "status scenario discussion"


def live_key(state: dict[str, Any], fields: str) -> str:
    """The state fields a live page depends on, as exercise-live.js computes them."""
    return json.dumps([state.get(f) for f in fields.split()], separators=(",", ":"),
                      ensure_ascii=False)


def template_globals() -> dict[str, Any]:
    return {"xurl": xurl, "xnum": number, "content": content, "live_key": live_key,
            "SCREEN_FIELDS": SCREEN_FIELDS, "PHONE_FIELDS": PHONE_FIELDS,
            "display_code": services.display_code}
