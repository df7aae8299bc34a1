"""Words for the workflow codes of issue 12 (hand-off kinds, recipients, notices)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

HANDOFF_KINDS: dict[str, LazyString] = {
    "anonymised": _l("Anonymised summary (no names, nothing that points to a person)"),
    "identified": _l("Summary with names (names the person the report is about)"),
}

HANDOFF_RECIPIENTS: dict[str, LazyString] = {
    "daglig_leder": _l("General manager (daglig leder)"),
    "styreleder": _l("Chair of the board (styreleder)"),
    "hr": _l("HR"),
    "owner": _l("Owner"),
    "other": _l("Someone else in the employer's organisation"),
}

# Checklist items beyond the anonymisation list in casework/labels.py (CHECKLIST).
CHECKLIST: dict[str, LazyString] = {
    "names_only_needed": _l("Only the names the employer needs: the person the report is "
                            "about, and the reporter only if the reporter has agreed to it"),
    "recipient_not_concerned": _l("The recipient is not the person the report is about"),
    "employer_rights": _l("I will tell the employer that the person concerned must be informed "
                          "and heard (kontradiksjon) and may bring a support person once the "
                          "employer acts, and that the reporter's identity is protected where "
                          "possible"),
}

NOTICE_MODES: dict[str, LazyString] = {
    "immediate": _l("A mail soon after something new arrives (several may share one mail)"),
    "digest": _l("One mail a day with what arrived"),
}
