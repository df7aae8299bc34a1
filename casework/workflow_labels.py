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

TASK_KINDS: dict[str, LazyString] = {
    "follow_up_measure": _l("Follow up a measure"),
    "ask_employer": _l("Ask the employer what they have done"),
    "feedback_to_reporter": _l("Give the reporter feedback"),
    "meet_reporter": _l("Meet the reporter"),
    "check_retaliation": _l("Check for retaliation"),
    "other": _l("Other (see the notes)"),
}

MEETING_KINDS: dict[str, LazyString] = {
    "with_reporter": _l("Conversation with the person affected"),
    "witness": _l("Conversation with a witness"),
    "employer": _l("Meeting with the employer"),
    "person_concerned": _l("Conversation with the person concerned"),
}

MEETING_ROLES: dict[str, LazyString] = {
    "reporter": _l("The person affected"),
    "safety_representative": _l("Safety representative"),
    "employer": _l("The employer"),
    "witness": _l("Witness"),
    "person_concerned": _l("The person concerned"),
    "support_person": _l("Support person"),
    "union_representative": _l("Union representative (tillitsvalgt)"),
}

SUPPORT_ROLES: dict[str, LazyString] = {
    "": _l("None recorded"),
    "colleague": _l("A colleague"),
    "union_representative": _l("Union representative (tillitsvalgt)"),
    "family_or_friend": _l("Family or a friend"),
    "other": _l("Someone else"),
}

LINK_KINDS: dict[str, LazyString] = {
    "same_person": _l("The same person"),
    "same_production": _l("The same production"),
    "related": _l("Related in another way"),
}

AUDIT_ACTIONS: dict[str, LazyString] = {
    "link.added": _l("Linked the case to another case"),
    "interim.recorded": _l("Recorded an interim measure"),
    "task.added": _l("Added a task"),
    "task.done": _l("Marked a task done"),
    "meeting.recorded": _l("Recorded a meeting"),
    "support.set": _l("Recorded the support person"),
}
