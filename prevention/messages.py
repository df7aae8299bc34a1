"""Turn a service's Invalid into a clear message beside the field it concerns."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from prevention import labels
from prevention.errors import Invalid


def text(exc: Invalid) -> str:
    if exc.field in labels.SECTIONS and exc.reason == "required":
        return _("Required before the routines can be published (arbeidsmiljøloven "
                 "§ 2A-6 (4)). Fill it in here or in the organisation's routines.")
    reasons = {
        "required": _("This is required."),
        "too_long": _("This is too long."),
        "unknown": _("Choose one of the options."),
        "range": _("A number from 0 to 10 000."),
        "before_start": _("A production cannot end before it starts."),
        "future": _("This date has not come yet."),
        "nobody": _("Give how many took part, by role."),
        "duplicate": _("That risk factor is already in the mapping."),
        "unusable": _("Use letters or digits in the name."),
        "already_published": _("This version is already published."),
    }
    special = {
        ("with_representatives", "required"): _(
            "Routines must be drawn up together with the employees and their elected "
            "representatives (§ 2A-6 (2)). Tick this when they were."),
        ("agreed_on", "required"): _("Give the date it was agreed."),
        ("items", "required"): _("Add at least one rule before publishing."),
        ("conversation", "required"): _("Give examples for at least one reaction."),
        ("signed_by", "required"): _("A leader signs the standpoint before it is published."),
        ("text", "required"): _("Write the text."),
    }
    return special.get((exc.field, exc.reason)) or reasons.get(exc.reason, _("Check this."))


def attach(form: Any, exc: Invalid) -> None:
    """Put the message on the form's field (or the form's general errors)."""
    fields = [exc.field, *exc.detail.get("missing", [])]
    placed = False
    for name in dict.fromkeys(fields):
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            errors = list(field.errors)
            errors.append(text(Invalid(name, exc.reason)))
            field.errors = errors
            placed = True
    if not placed:
        form.form_errors.append(text(exc))
