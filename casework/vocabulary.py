"""The fixed assessment vocabulary (design.md section 6). Order is ascending seriousness."""

from __future__ import annotations

STATES = ("received", "acknowledged", "assessing", "measures", "closed")

NATURE = ("verbal", "nonverbal", "digital", "physical", "sexual_assault")
FREQUENCY = ("once", "repeated", "systematic")
# A category, not a scale; `superior` never scores lower than the others.
RELATION = ("peer", "subordinate", "external", "superior")
POWER = ("none", "some", "strong")
CONSEQUENCES = ("none", "discomfort", "impaired_work", "health", "severe")
AGGRAVATING = (
    "told_unwanted",
    "isolated_setting",
    "alcohol",
    "vulnerable_reporter",
    "multiple_affected",
    "retaliation",
    "abuse_of_role",
)

FACTORS = {
    "nature": NATURE,
    "frequency": FREQUENCY,
    "relation": RELATION,
    "power": POWER,
    "consequences": CONSEQUENCES,
}


def check_sql(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint body that keeps a column inside the vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


# --- Workflow and decisions (casework's own codes; plaintext by design) -------------------

# Allowed state changes and the structured reasons each one takes. A reason is a short code,
# never free text: anything the handler wants to say in words goes into a sealed note.
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("received", "acknowledged"): ("receipt_confirmed",),
    ("acknowledged", "assessing"): ("information_sufficient", "more_information_requested"),
    ("assessing", "measures"): ("measures_decided",),
    ("assessing", "closed"): (
        "no_measures_needed",
        "withdrawn_by_reporter",
        "insufficient_information",
        "referred_elsewhere",
    ),
    ("measures", "closed"): ("measures_completed", "withdrawn_by_reporter", "referred_elsewhere"),
    # Reopening: new information, a reporter who asks, measures not followed, a mistake.
    ("closed", "assessing"): (
        "new_information",
        "reporter_request",
        "measures_not_followed",
        "closed_by_mistake",
    ),
}
STATE_REASONS = tuple(dict.fromkeys(r for reasons in TRANSITIONS.values() for r in reasons))

# Reactions (design.md section 6), in rising severity, then the ones for guests and the
# audience, then those that always apply.
REACTIONS = (
    "conversation",
    "documented_conversation",
    "written_warning",
    "change_of_roles",
    "end_collaboration",
    "dismissal",
    "removal",
    "ban",
    "employer_handoff",
    "consider_police_report",
    "follow_up_support",
    "retaliation_protection",
    "feedback_to_reporter",
    "documentation",
)
ALWAYS_REACTIONS = (
    "follow_up_support",
    "retaliation_protection",
    "feedback_to_reporter",
    "documentation",
)

# Referral codes; they match the referral directory's entries (casework/data/).
REFERRALS = (
    "overgrepsmottak",
    "police",
    "balansekunst",
    "ldo",
    "arbeidstilsynet",
    "diskrimineringsnemnda",
    "kirkens_sos",
)

OUTCOMES = (
    "substantiated",
    "partly_substantiated",
    "not_substantiated",
    "resolved_by_dialogue",
    "withdrawn",
    "referred",
)

# What a handler ticks before an anonymised summary can be saved: each is a kind of detail
# that identifies people in a small organisation.
HANDOFF_CHECKLIST = (
    "no_names",
    "no_roles_or_titles",
    "no_dates_or_places",
    "no_production_details",
    "no_quotes",
    "minimum_necessary",
)
