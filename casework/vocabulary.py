"""The fixed assessment vocabulary (design.md section 6). Order is ascending seriousness."""

from __future__ import annotations

STATES = ("received", "acknowledged", "assessing", "measures", "closed")

NATURE = ("verbal", "nonverbal", "digital", "physical", "sexual_assault")
FREQUENCY = ("once", "repeated", "systematic")
# A category, not a scale; `superior` never scores lower than the others. `external` is the
# audience, a guest or a customer; `commissioner` is a freelancer's oppdragsgiver (the employer
# side). Version 1 knew only peer, subordinate, external and superior.
RELATION = ("peer", "subordinate", "external", "commissioner", "teacher_mentor", "superior")
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
    "employer_not_following_up",
)
# Model v2 (design.md section 6).
EXPLICITNESS = ("ambiguous", "clearly_sexual", "explicit_or_degrading")
PRIOR = ("none", "earlier_report", "earlier_warning")
CONTEXT = (
    "intimate_work",
    "audition_casting",
    "teaching",
    "tour_overnight",
    "party_premiere",
    "online",
    "rehearsal_performance",
    "travel",
    "other_workplace",
)
# The brochure's ten risk factors (design.md section 8): the join key to prevention.
RISK_FACTORS = (
    "freelance_assignment",
    "work_private_blur",
    "intimacy_as_tool",
    "fluid_roles",
    "informal_networks",
    "hierarchy_competition",
    "turnover",
    "alcohol",
    "charismatic_power",
    "boundary_pushing_art",
)
# What a case is about; Balansemerket covers discrimination too.
KINDS = (
    "sexual_harassment",
    "other_harassment",
    "discrimination",
    "bullying",
    "other_misconduct",
)

FACTORS = {
    "nature": NATURE,
    "frequency": FREQUENCY,
    "relation": RELATION,
    "power": POWER,
    "consequences": CONSEQUENCES,
    "explicitness": EXPLICITNESS,
    "prior": PRIOR,
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

# Reactions the handler recommends to the employer (design.md section 6): the sanctions in
# rising severity, those for guests and the audience, team level, the interim measures while
# the employer investigates, then the steps around them and those that always apply.
SANCTIONS = (
    "conversation",
    "documented_conversation",
    "written_warning",
    "training",
    "change_of_roles",
    "end_collaboration",
    "dismissal",
    "removal",
    "ban",
    "team_measures",
)
INTERIM = ("interim_separation", "suspension", "protective_measures")
ALWAYS_REACTIONS = (
    "follow_up_support",
    "retaliation_protection",
    "feedback_to_reporter",
    "documentation",
    "retaliation_checkins",
)
REACTIONS = (
    *SANCTIONS,
    *INTERIM,
    "employer_handoff",
    "consider_police_report",
    *ALWAYS_REACTIONS,
)
# What the employer actually did (recorded from the employer's answer, with a date and a
# source): what the statistics count. `no_reaction`: the employer investigated and decided
# that no reaction was called for.
EMPLOYER_ACTIONS = (*SANCTIONS, *INTERIM, "no_reaction")
EMPLOYER_ACTION_SOURCES = ("written_answer", "meeting", "oral_answer")

# Referral codes; they match the referral directory's entries (casework/data/).
REFERRALS = (
    "overgrepsmottak",
    "police",
    "balansekunst",
    "ldo",
    "arbeidstilsynet",
    "diskrimineringsnemnda",
    "kirkens_sos",
    "hjelpetelefonen",
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

# Issue 12: the two hand-off kinds (design.md section 6) and who receives one. The handler
# chooses the recipient; a person the reporter excluded can never be it.
HANDOFF_KINDS = ("anonymised", "identified")
HANDOFF_RECIPIENTS = ("daglig_leder", "styreleder", "hr", "owner", "other")
# What an identified summary is checked for instead of the anonymisation list above.
IDENTIFIED_CHECKLIST = ("names_only_needed", "minimum_necessary")
# Ticked for either kind: the recipient is not the person the report is about, and the
# handler tells the employer about the rights of the person concerned (kontradiksjon).
HANDOFF_COMMON_CHECKLIST = ("recipient_not_concerned", "employer_rights")


def handoff_checklist(kind: str) -> tuple[str, ...]:
    """Every item a handler must tick before a summary of this kind is saved."""
    own = IDENTIFIED_CHECKLIST if kind == "identified" else HANDOFF_CHECKLIST
    return (*own, *HANDOFF_COMMON_CHECKLIST)
