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
