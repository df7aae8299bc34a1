"""The report document: what the intake form becomes before it is sealed.

Both paths make the same JSON object — the browser (`report-form.js`) and the server without
JavaScript (`from_form`) — and seal it as one envelope v1 under `<case context>/report`. The
handler's browser opens it and shows it. Version 1:

    {"type": "trygg/report", "v": 1, "lang": "nb",
     "about": "<ABOUT>"|"",                           affected, saw it, on someone's behalf
     "status": "<STATUS>"|"",                         the affected person's status; optional
     "what": "...",                                   free text, required
     "when": {"period": "<PERIODS>"|"", "text": "..."},
     "where": {"settings": ["<SETTINGS>", ...], "text": "..."},
     "concerns": {"role": "<ROLES>"|"", "text": "..."},  no name asked for
     "before": "<BEFORE>"|"",
     "witnesses": "...", "consequences": "...",
     "wants": ["<WANTS>", ...],
     "contact": {"name": "...", "reach": "...", "when": "..."}}   all optional

Codes are stable (the handler's page translates them); texts are exactly what was typed,
with line breaks as "\\n". `about` and `status` were added later within v1: optional, and a
document without them is still valid (they read as "").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

TYPE = "trygg/report"
VERSION = 1
# Limits in characters. Generous, so that a long account is never refused for its length in
# practice (the envelope pads beyond 1 MiB); the form shows each limit and counts before it
# is sent, and nothing is ever cut: text over a limit is refused with the reason.
MAX_WHAT = 200_000
MAX_TEXT = 20_000
MAX_SHORT = 300

# Who is writing (a witness, or someone writing for a colleague, may report too).
ABOUT: dict[str, LazyString] = {
    "self": _l("It happened to me"),
    "saw": _l("I saw or heard it happen to someone else"),
    "on_behalf": _l("I am writing on behalf of someone it happened to"),
}

# The affected person's status at work: it decides which protection applies.
STATUS: dict[str, LazyString] = {
    "employee": _l("Employee"),
    "hired": _l("Hired from an agency (innleid)"),
    "freelancer": _l("Freelancer or self-employed"),
    "volunteer": _l("Volunteer"),
    "student": _l("Student or trainee"),
}

PERIODS: dict[str, LazyString] = {
    "ongoing": _l("It is still going on"),
    "last_week": _l("In the last week"),
    "last_month": _l("In the last month"),
    "last_6_months": _l("One to six months ago"),
    "last_year": _l("Six to twelve months ago"),
    "over_a_year": _l("More than a year ago"),
    "unsure": _l("I am not sure"),
}

SETTINGS: dict[str, LazyString] = {
    "rehearsal": _l("Rehearsal"),
    "performance": _l("Performance, concert or shooting"),
    "tour": _l("On tour or travelling for work"),
    "party": _l("Party, premiere or other social event"),
    "online": _l("Online: messages, social media, video calls"),
    "workplace": _l("At the workplace: office, backstage, dressing room"),
    "teaching": _l("Teaching, course or workshop"),
    "audition": _l("Audition, casting or recruitment"),
    "other": _l("Somewhere else"),
}

ROLES: dict[str, LazyString] = {
    "leader": _l("Someone who leads me: director, producer, conductor, manager"),
    "commissioner": _l("My commissioner (oppdragsgiver), or someone acting for it"),
    "colleague": _l("A colleague or fellow artist"),
    "subordinate": _l("Someone I lead or am responsible for"),
    "teacher": _l("A teacher, mentor or supervisor"),
    "board": _l("A board member or owner"),
    "external": _l("Someone from outside: audience, guest, customer, supplier"),
    "other": _l("Someone else"),
    "unsure": _l("I would rather not say"),
}

BEFORE: dict[str, LazyString] = {
    "yes_me": _l("Yes, it has happened to me before"),
    "yes_others": _l("Yes, I know it has happened to others"),
    "no": _l("No, not as far as I know"),
    "unsure": _l("I do not know"),
}

WANTS: dict[str, LazyString] = {
    "heard": _l("To be heard: I want someone to know"),
    "advice": _l("Advice about what I can do"),
    "conversation": _l("A conversation with the safety representative"),
    "action": _l("That something is done about it"),
}


def _text(value: object, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("text expected")
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limit:
        raise ValueError("too long")
    return text


def _choice(value: object, choices: Mapping[str, object]) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value not in choices:
        raise ValueError("not a choice")
    return value


def _choices(values: object, choices: Mapping[str, object]) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list | tuple) or any(v not in choices for v in values):
        raise ValueError("not a choice")
    # Keep the form's order, once each.
    return [c for c in choices if c in values]


def build(fields: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The document from already-collected form values; ValueError for anything invalid.

    `fields` has the form's names: about, status, what, when_period, when_text,
    where_settings (list), where_text, concerns_role, concerns_text, before, witnesses,
    consequences, wants (list), contact_name, contact_reach, contact_when.
    """
    what = _text(fields.get("what"), MAX_WHAT)
    if not what.strip():
        raise ValueError("what is required")
    return {
        "type": TYPE,
        "v": VERSION,
        "lang": lang if lang in ("nb", "en") else "nb",
        "about": _choice(fields.get("about"), ABOUT),
        "status": _choice(fields.get("status"), STATUS),
        "what": what,
        "when": {"period": _choice(fields.get("when_period"), PERIODS),
                 "text": _text(fields.get("when_text"), MAX_SHORT)},
        "where": {"settings": _choices(fields.get("where_settings"), SETTINGS),
                  "text": _text(fields.get("where_text"), MAX_TEXT)},
        "concerns": {"role": _choice(fields.get("concerns_role"), ROLES),
                     "text": _text(fields.get("concerns_text"), MAX_TEXT)},
        "before": _choice(fields.get("before"), BEFORE),
        "witnesses": _text(fields.get("witnesses"), MAX_TEXT),
        "consequences": _text(fields.get("consequences"), MAX_TEXT),
        "wants": _choices(fields.get("wants"), WANTS),
        "contact": {"name": _text(fields.get("contact_name"), MAX_SHORT),
                    "reach": _text(fields.get("contact_reach"), MAX_SHORT),
                    "when": _text(fields.get("contact_when"), MAX_SHORT)},
    }


def validate(document: object) -> dict[str, Any]:
    """A document as the browser made it, checked field by field (tests and tools)."""
    if not isinstance(document, dict):
        raise ValueError("not a report document v1")
    if (document.get("type"), document.get("v")) != (TYPE, VERSION):
        raise ValueError("not a report document v1")
    flat = {
        "about": document.get("about"),
        "status": document.get("status"),
        "what": document.get("what"),
        "when_period": document.get("when", {}).get("period"),
        "when_text": document.get("when", {}).get("text"),
        "where_settings": document.get("where", {}).get("settings"),
        "where_text": document.get("where", {}).get("text"),
        "concerns_role": document.get("concerns", {}).get("role"),
        "concerns_text": document.get("concerns", {}).get("text"),
        "before": document.get("before"),
        "witnesses": document.get("witnesses"),
        "consequences": document.get("consequences"),
        "wants": document.get("wants"),
        "contact_name": document.get("contact", {}).get("name"),
        "contact_reach": document.get("contact", {}).get("reach"),
        "contact_when": document.get("contact", {}).get("when"),
    }
    return build(flat, document.get("lang", "nb"))


def for_display(document: object) -> dict[str, Any]:
    """Every key of a v1 document present (empty where missing), for showing one that may be
    partial or from another version; values are shown as text, never interpreted."""
    doc = document if isinstance(document, dict) else {}

    def sub(name: str, keys: tuple[str, ...]) -> dict[str, Any]:
        part = doc.get(name)
        part = part if isinstance(part, dict) else {}
        return {k: part.get(k, "") for k in keys}

    texts = ("about", "status", "what", "before", "witnesses", "consequences")
    out: dict[str, Any] = {k: doc.get(k, "") for k in texts}
    out["when"] = sub("when", ("period", "text"))
    out["where"] = sub("where", ("settings", "text"))
    out["concerns"] = sub("concerns", ("role", "text"))
    out["contact"] = sub("contact", ("name", "reach", "when"))
    out["wants"] = doc.get("wants") if isinstance(doc.get("wants"), list) else []
    if not isinstance(out["where"]["settings"], list):
        out["where"]["settings"] = []
    return out


# Follow-up items the reporter writes (sealed under `<case context>/message`).
MESSAGE_TYPE = "trygg/message"
CONSENT_TYPE = "trygg/consent"


def message(text: str, lang: str) -> dict[str, Any]:
    body = _text(text, MAX_WHAT)
    if not body.strip():
        raise ValueError("empty message")
    return {"type": MESSAGE_TYPE, "v": 1, "lang": lang, "text": body}


def consent(statement: str, note: str, lang: str) -> dict[str, Any]:
    return {"type": CONSENT_TYPE, "v": 1, "lang": lang, "consent": True,
            "statement": statement, "text": _text(note, MAX_TEXT)}
