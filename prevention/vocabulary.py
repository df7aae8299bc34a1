"""Fixed codes for prevention (design.md section 8); labels live in labels.py."""

from __future__ import annotations

import re

# The brochure's ten risk factors, in its order, and the reaction codes of design.md
# section 6 for which consequences are agreed in advance: one home each, casework's
# vocabulary (the assessment's `risk_factors` and its sanctions use the same codes).
from casework.vocabulary import RISK_FACTORS as RISK_FACTORS
from casework.vocabulary import SANCTIONS

REACTIONS = SANCTIONS

CUSTOM_PREFIX = "custom:"
CUSTOM_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")

# Mapped relevance: 0 not relevant, 1 a little, 2 somewhat, 3 very.
RELEVANCE = (0, 1, 2, 3)

# Where and when (the same settings a case's context uses).
SITUATIONS = (
    "rehearsal_performance",
    "tour_overnight",
    "party_premiere",
    "audition_casting",
    "teaching",
    "online",
    "travel",
    "intimate_work",
    "dressing_room",
)

PRODUCTION_KINDS = ("stage", "tour", "film", "concert", "exhibition", "festival", "other")

# The brochure's six questions for rules, plus rules that answer none of them.
RULE_QUESTIONS = (
    "appearance",
    "bodies",
    "sex_talk",
    "nicknames",
    "closeness",
    "transgressions",
    "other",
)

# Routine sections. a–c are aml § 2A-6 (4) a–c and must be filled before publishing.
ROUTINE_SECTIONS = (
    "encourage",        # a) encouragement to report
    "how_to_report",    # b) how to report (and to whom)
    "handling",         # c) how the employer receives, handles and follows up
    "retaliation",      # aml § 2A-4 and LDL § 14
    "confidentiality",
    "heard",            # how the person concerned is heard
    "leader_involved",  # what happens when the leader is involved
    "non_employees",    # whom freelancers, volunteers and students contact
)
REQUIRED_ROUTINE_SECTIONS = ("encourage", "how_to_report", "handling")

DOCUMENT_KINDS = ("rules", "routines", "consequences", "standpoint", "clause")

FORUMS = (
    "staff_meeting",
    "startup_meeting",
    "amu",
    "workshop",
    "board",
    "other",
)

# Who took part, by role, never by name.
PARTICIPANT_ROLES = ("employees", "freelancers", "volunteers", "students", "representatives")

MADE_KNOWN_CHANNELS = ("startup_meeting", "staff_meeting", "contract", "poster", "email",
                       "intranet")
MADE_KNOWN_ARTEFACTS = ("rules", "routines", "consequences", "standpoint", "link")

TALK_OCCASIONS = ("production_start", "halfway", "appraisal", "staff_meeting", "workshop",
                  "course")
TALK_TOPICS = ("boundaries", "rules", "routines", "risk_factors", "domination_techniques",
               "norm_criticism", "representation")

BALANSEMERKET_STEPS = ("course", "mapping", "measures", "mark")


def is_factor_code(code: str) -> bool:
    if code in RISK_FACTORS:
        return True
    return code.startswith(CUSTOM_PREFIX) and bool(
        CUSTOM_SLUG.match(code.removeprefix(CUSTOM_PREFIX))
    )


def check_sql(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
