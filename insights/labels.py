"""Words for the tables' names and categories (translated when shown)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from insights.publish import NONE, UNASSESSED

TABLE_TITLES: dict[str, LazyString] = {
    "nature": _l("What happened"),
    "level": _l("Seriousness"),
    "relation": _l("The person's position relative to the one affected"),
    "aggravating": _l("Aggravating circumstances"),
    "reaction": _l("What the employer did"),
}

TABLE_HINTS: dict[str, LazyString] = {
    "nature": _l("Each case counts once, by the nature the handler recorded."),
    "level": _l("The preliminary level from the assessment, 1 (lower seriousness) to 5 "
                "(critical)."),
    "relation": _l("Each case counts once."),
    "aggravating": _l("A case can have several circumstances, or none."),
    "reaction": _l("From the employer's answer, as the handler recorded it. A case can have "
                   "several, or none yet."),
}

CATEGORY_LABELS: dict[str, LazyString] = {
    # nature
    "verbal": _l("Verbal"),
    "nonverbal": _l("Non-verbal"),
    "digital": _l("Digital"),
    "physical": _l("Physical"),
    "sexual_assault": _l("Sexual assault"),
    # level
    "1": _l("1 – lower seriousness"),
    "2": _l("2 – medium"),
    "3": _l("3 – serious"),
    "4": _l("4 – very serious"),
    "5": _l("5 – critical"),
    # relation
    "peer": _l("Peer"),
    "subordinate": _l("Subordinate"),
    "external": _l("Outside the organisation"),
    "commissioner": _l("Commissioner (oppdragsgiver)"),
    "teacher_mentor": _l("Teacher or mentor"),
    "superior": _l("Superior"),
    # aggravating
    "told_unwanted": _l("Had been told it was unwanted"),
    "isolated_setting": _l("Isolated setting"),
    "alcohol": _l("Alcohol involved"),
    "vulnerable_reporter": _l("Affected person in a vulnerable position"),
    "multiple_affected": _l("More than one person affected"),
    "retaliation": _l("Retaliation"),
    "abuse_of_role": _l("Abuse of a role"),
    "employer_not_following_up": _l("Employer did not follow up"),
    # reactions
    "conversation": _l("Conversation and clarified rules"),
    "documented_conversation": _l("Documented conversation"),
    "written_warning": _l("Written warning"),
    "change_of_roles": _l("Tasks or role changed"),
    "end_collaboration": _l("Collaboration ended"),
    "training": _l("Training or guidance"),
    "team_measures": _l("Measures for the whole team"),
    "interim_separation": _l("Parties kept apart during the investigation"),
    "suspension": _l("Suspension"),
    "protective_measures": _l("Protective measures against an outsider"),
    "no_reaction": _l("No reaction after an investigation"),
    "dismissal": _l("Dismissal"),
    "removal": _l("Removed (guest or audience)"),
    "ban": _l("Banned"),
    "employer_handoff": _l("Handed over to the employer"),
    "consider_police_report": _l("Police report considered"),
    "follow_up_support": _l("Follow-up and support"),
    "retaliation_protection": _l("Protection against retaliation"),
    "feedback_to_reporter": _l("Feedback to the reporter"),
    "documentation": _l("Documented"),
    # special
    UNASSESSED: _l("Not yet assessed when released"),
    NONE: _l("None recorded"),
}

DURATION_TITLES: dict[str, LazyString] = {
    "acknowledge": _l("Time to acknowledge"),
    "close": _l("Time to close"),
}

DEADLINE_TITLES: dict[str, LazyString] = {
    "acknowledge": _l("Acknowledgement deadlines kept"),
    "feedback": _l("Feedback deadlines kept"),
}


def category(code: str) -> str:
    label = CATEGORY_LABELS.get(code)
    return str(label) if label is not None else code


def table_title(name: str) -> str:
    return str(TABLE_TITLES[name])
