"""Words for the audit trail and for the handler's browser code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from accounts.models import Membership
from casework import labels
from casework.models import AuditEntry
from casework.services import OSLO
from trygg.extensions import db


def audit_time(at: datetime) -> str:
    """Norwegian local time to the minute (the log itself keeps microseconds, in UTC)."""
    return at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")


def _state_change(detail: str) -> str:
    try:
        change, reason = detail.split(":", 1)
        before, after = change.split(">", 1)
    except ValueError:
        return detail
    return _("%(before)s → %(after)s (%(reason)s)",
             before=labels.label(labels.STATES, before), after=labels.label(labels.STATES, after),
             reason=labels.label(labels.STATE_REASONS, reason))


def _fields(detail: str) -> dict[str, str]:
    out = {}
    for part in detail.split(";"):
        key, _sep, value = part.partition("=")
        out[key] = value
    return out


def _refusal_reason(code: str) -> str:
    from casework.errors import CaseworkError

    def subclasses(cls: type[CaseworkError]) -> list[type[CaseworkError]]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    for error in subclasses(CaseworkError):
        if error.code == code:
            return str(error.message)
    return ""


def audit_text(entry: AuditEntry) -> str:
    what = labels.label(labels.AUDIT_ACTIONS, entry.action)
    detail = entry.detail or ""
    if entry.outcome == "refused":
        # The reason in the reader's words, never the stored code ("bad_assessment").
        reason = _refusal_reason(detail)
        if reason:
            return _("Refused: %(what)s. %(reason)s", what=what, reason=reason)
        return _("Refused: %(what)s", what=what)
    if entry.action in ("case.state", "case.reopened"):
        return f"{what}: {_state_change(detail)}"
    if entry.action.startswith("assessment.") and detail:
        return _("%(what)s: level %(level)s", what=what, level=_fields(detail).get("level", "?"))
    if entry.action == "decisions.recorded" and detail:
        outcome = _fields(detail).get("outcome", "-")
        if outcome and outcome != "-":
            return f"{what} ({labels.label(labels.OUTCOMES, outcome)})"
        return what
    if entry.action == "handler.added" and detail:
        membership = db.session.get(Membership, int(_fields(detail).get("handler", "0") or 0))
        name = membership.person.name if membership else _("a former member")
        return f"{what}: {name}"
    if entry.action == "message.sent" and detail == "feedback":
        return _("%(what)s (feedback)", what=what)
    if entry.action == "case.purge_warned" and detail:
        return _("%(what)s (deletion from %(date)s)", what=what,
                 date=_fields(detail).get("due", ""))
    return what


def case_i18n() -> dict[str, Any]:
    return {
        "reporter": _("Reporter"),
        "handler": _("Handler"),
        "kinds": {
            "message": _("Message"),
            "note": _("Internal note"),
            "addition": _("Addition to the report"),
            "consent": _("Consent to the hand-off"),
        },
        "fields": {k: str(v) for k, v in labels.REPORT_FIELDS.items()},
        "codes": {group: {k: str(v) for k, v in codes.items()}
                  for group, codes in labels.REPORT_CODES.items()},
        "language": _("Language of the report"),
        "yes": _("Yes"),
        "no": _("No"),
        "empty": _("(empty)"),
        "locked": _("Unlock your key to read this."),
        "loading": _("Decrypting…"),
        "cannot_open": _("This could not be decrypted with your key."),
        "no_report": _("There is no report text."),
        "no_attachments": _("No attachments."),
        "no_messages": _("No messages yet."),
        "download": _("Decrypt and save"),
        "incomplete": _("The upload of this file was not finished."),
        "unnamed": _("Unnamed file"),
        "sending": _("Encrypting and sending…"),
        "sent": _("Sent."),
        "saved": _("Saved."),
        "failed": _("Nothing was saved: %(reason)s"),
        "need_text": _("Write something first."),
        "need_key": _("Unlock your key first."),
        "resealing": _("Encrypting the case again for the new handler…"),
        "added": _("The handler was added."),
        "from_you": _("you"),
        "handoff_missing": _("This summary is not in the case any more."),
        "empty_consent": _("The reporter gave consent."),
    }
