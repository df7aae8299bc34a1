"""The exercise's fixed content: scenarios, perspectives, anchors, discussion questions.

Codes are fixed by design.md §8: the brochure's ten scenarios are `s1`…`s10` in the
brochure's order; the perspectives `colleague`, `leader` and `partner` are the brochure's
three, `audience` and `scene_partner` are optional extras for the performing arts. The
texts are our own wording of the brochure's situations (Balansemerket, «OK eller ikke OK?»).
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

SCENARIOS: dict[str, LazyString] = {
    "s1": _l("Says your outfit is sexy"),
    "s2": _l("Asks whether you have lost weight"),
    "s3": _l("Sends you a photo of themselves, partly undressed"),
    "s4": _l("Slaps you on the bottom"),
    "s5": _l("Gives you a hug"),
    "s6": _l("Kisses you on the cheek"),
    "s7": _l("Calls you «pulbar» (fuckable)"),
    "s8": _l("Massages your neck"),
    "s9": _l("Lets their hands rest on the small of your back"),
    "s10": _l("Calls you sweetie, handsome or darling"),
}
BROCHURE = tuple(SCENARIOS)

PERSPECTIVES: dict[str, LazyString] = {
    "colleague": _l("A colleague"),
    "leader": _l("A leader"),
    "partner": _l("A partner, or someone you are interested in"),
    "audience": _l("Someone in the audience"),
    "scene_partner": _l("A fellow performer in an intimate scene"),
}
DEFAULT_PERSPECTIVES = ("colleague", "leader", "partner")
OPTIONAL_PERSPECTIVES = ("audience", "scene_partner")

ANCHOR_LOW = _l("Not OK at all")
ANCHOR_HIGH = _l("Completely fine")
AXIS_LOW = _l("Not OK")
AXIS_HIGH = _l("OK")

QUESTIONS = (
    _l("Do we see it the same way? Where do many of us agree, and where do we disagree?"),
    _l("What affects where our limits go?"),
    _l("Which rules would let everyone here thrive?"),
)

MAX_CUSTOM = 10
CUSTOM_MAX_CHARS = 200


def scenario_text(item: dict[str, Any]) -> str:
    """The text of one entry of a session's scenario list (brochure code or custom text)."""
    if "code" in item:
        return str(SCENARIOS[item["code"]])
    return str(item["text"])


def perspective_label(code: str) -> str:
    return str(PERSPECTIVES[code])
