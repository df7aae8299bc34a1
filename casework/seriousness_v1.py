"""The seriousness model, version 1: kept only to read assessments saved under it.

New assessments use casework.seriousness (version 2). A saved v1 assessment is shown as v1,
with the level it was given; this module recomputes its reasons and suggestions so the case
page can show them as they were. Its vocabulary is frozen here, so the v2 vocabulary can grow.

Deterministic and versioned. The factors follow the brochure (context, frequency, relation
between the parties, power and dependency, consequences) and those the Supreme Court weighed
in HR-2020-2476-A. docs/assessment.md explains the model with worked examples.

How the level comes about:

1. Points: each factor value carries points that never fall as the value rises; every
   aggravating circumstance adds points; `criminal` adds points; `superior` carries the
   most points of the relations.
2. Floors: some single facts set a minimum level however low the rest is (a sexual
   assault is at least "very serious"; retaliation is at least "serious", since it is a
   breach of arbeidsmiljøloven § 2A-4 in itself).
3. level = max(band(points), floors), between 1 and 5.

Both the points and the floors only ever rise with each input, so the level is monotone as
design.md section 6 demands (tests/casework/test_seriousness.py checks it with hypothesis).

The relation decides which reactions fit: someone outside the organisation (a guest, an
audience member, a visiting partner) can be removed or banned, not warned in writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from casework.labels import LEVELS
from casework.vocabulary import CONSEQUENCES, FREQUENCY, NATURE, POWER

RELATION = ("peer", "subordinate", "external", "superior")
AGGRAVATING = (
    "told_unwanted",
    "isolated_setting",
    "alcohol",
    "vulnerable_reporter",
    "multiple_affected",
    "retaliation",
    "abuse_of_role",
)
ALWAYS_REACTIONS = (
    "follow_up_support",
    "retaliation_protection",
    "feedback_to_reporter",
    "documentation",
)

VERSION = "1"

POINTS: dict[str, dict[str, int]] = {
    "nature": {"verbal": 0, "nonverbal": 1, "digital": 1, "physical": 2, "sexual_assault": 5},
    "frequency": {"once": 0, "repeated": 1, "systematic": 3},
    "relation": {"peer": 0, "subordinate": 0, "external": 0, "superior": 1},
    "power": {"none": 0, "some": 1, "strong": 2},
    "consequences": {"none": 0, "discomfort": 1, "impaired_work": 2, "health": 3, "severe": 4},
}
AGGRAVATING_POINTS = {
    "told_unwanted": 1,
    "isolated_setting": 1,
    "alcohol": 1,
    "vulnerable_reporter": 1,
    "multiple_affected": 2,
    "retaliation": 2,
    "abuse_of_role": 1,
}
CRIMINAL_POINTS = 2

# (lowest points, level): 0–1 minor, 2–3 moderate, 4–6 serious, 7–10 very serious, 11+ critical.
BANDS = ((11, 5), (7, 4), (4, 3), (2, 2), (0, 1))

# Single facts that set a minimum level.
FLOORS: dict[tuple[str, str], int] = {
    ("nature", "physical"): 2,
    ("nature", "sexual_assault"): 4,
    ("frequency", "systematic"): 3,
    ("consequences", "health"): 3,
    ("consequences", "severe"): 4,
    ("aggravating", "retaliation"): 3,
    ("criminal", "true"): 3,
}

# Reactions for people inside the organisation's work (employees, freelancers, volunteers),
# most proportionate first.
INTERNAL_REACTIONS: dict[int, tuple[str, ...]] = {
    1: ("conversation",),
    2: ("documented_conversation", "conversation"),
    3: ("written_warning", "change_of_roles", "documented_conversation"),
    4: ("change_of_roles", "end_collaboration", "written_warning"),
    5: ("dismissal", "end_collaboration", "change_of_roles"),
}
# Guests, audience and outside partners: removal and bans, never a written warning.
EXTERNAL_REACTIONS: dict[int, tuple[str, ...]] = {
    1: ("conversation",),
    2: ("removal", "conversation"),
    3: ("removal", "ban", "end_collaboration"),
    4: ("ban", "end_collaboration", "removal"),
    5: ("ban", "end_collaboration", "removal"),
}
REACTIONS_BY_RELATION = {
    "peer": INTERNAL_REACTIONS,
    "subordinate": INTERNAL_REACTIONS,
    "superior": INTERNAL_REACTIONS,
    "external": EXTERNAL_REACTIONS,
}

REASON_TEXT: dict[str, LazyString] = {
    "nature:physical": _l("Physical contact"),
    "nature:sexual_assault": _l("Sexual assault"),
    "nature:digital": _l("Sexual content sent digitally"),
    "nature:nonverbal": _l("Non-verbal harassment (looks, gestures, images)"),
    "frequency:repeated": _l("It happened more than once"),
    "frequency:systematic": _l("It is systematic"),
    "relation:superior": _l("The person is the affected person's superior"),
    "power:some": _l("The person has some say over the affected person's work"),
    "power:strong": _l("The person decides over the affected person's work or career"),
    "consequences:discomfort": _l("It caused discomfort"),
    "consequences:impaired_work": _l("It made it harder for the affected person to work"),
    "consequences:health": _l("It harmed the affected person's health"),
    "consequences:severe": _l("It had severe consequences"),
    "aggravating:told_unwanted": _l("The person had been told it was unwanted"),
    "aggravating:isolated_setting": _l("It happened where the affected person was alone"),
    "aggravating:alcohol": _l("Alcohol was involved"),
    "aggravating:vulnerable_reporter": _l(
        "The affected person is in a vulnerable position (young, new, freelance)"
    ),
    "aggravating:multiple_affected": _l("More than one person was affected"),
    "aggravating:retaliation": _l("There has been retaliation (arbeidsmiljøloven § 2A-4)"),
    "aggravating:abuse_of_role": _l("The person misused a role, for example in intimate scenes"),
    "criminal:true": _l("It may fall under the Penal Code"),
}


class AssessmentInputError(ValueError):
    """A value outside the fixed vocabulary (design.md section 6)."""

    def __init__(self, factor: str, value: object) -> None:
        super().__init__(f"{factor}={value!r} is not in the assessment vocabulary")
        self.factor = factor
        self.value = value


@dataclass(frozen=True)
class Reason:
    """A factor that drove the level: a stable code and its words (translated on use)."""

    code: str
    points: int
    floor: int | None = None

    @property
    def text(self) -> str:
        return str(REASON_TEXT[self.code])

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Result:
    level: int
    reasons: tuple[Reason, ...]
    reactions: tuple[str, ...]
    referrals: tuple[str, ...]
    version: str
    points: int
    interim: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def level_name(self) -> str:
        return str(LEVELS[self.level])


def _check(factor: str, value: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise AssessmentInputError(factor, value)
    return value


def _band(points: int) -> int:
    for lowest, level in BANDS:
        if points >= lowest:
            return level
    return 1  # pragma: no cover - the last band starts at 0


def assess(
    *,
    nature: str,
    frequency: str,
    relation: str,
    power: str,
    consequences: str,
    aggravating: Iterable[str] = frozenset(),
    criminal: bool = False,
) -> Result:
    """Level (1 minor … 5 critical), reasons, and suggested reactions and referrals.

    Raises AssessmentInputError for any value outside the vocabulary.
    """
    factors = {
        "nature": _check("nature", nature, NATURE),
        "frequency": _check("frequency", frequency, FREQUENCY),
        "relation": _check("relation", relation, RELATION),
        "power": _check("power", power, POWER),
        "consequences": _check("consequences", consequences, CONSEQUENCES),
    }
    if isinstance(aggravating, str):
        raise AssessmentInputError("aggravating", aggravating)
    extra = frozenset(aggravating)
    for code in extra:
        _check("aggravating", code, AGGRAVATING)
    if not isinstance(criminal, bool):
        raise AssessmentInputError("criminal", criminal)

    # Every fact with its points and floor, in vocabulary order (deterministic).
    facts: list[tuple[str, int, int | None]] = []
    for factor, value in factors.items():
        key = (factor, value)
        facts.append((f"{factor}:{value}", POINTS[factor][value], FLOORS.get(key)))
    for code in AGGRAVATING:
        if code in extra:
            facts.append((f"aggravating:{code}", AGGRAVATING_POINTS[code],
                          FLOORS.get(("aggravating", code))))
    if criminal:
        facts.append(("criminal:true", CRIMINAL_POINTS, FLOORS[("criminal", "true")]))

    points = sum(p for _, p, _ in facts)
    floor = max((f for _, _, f in facts if f is not None), default=1)
    level = max(1, min(5, max(_band(points), floor)))
    reasons = tuple(
        Reason(code, p, f)
        for code, p, f in sorted(facts, key=lambda fact: (-(fact[2] or 0), -fact[1]))
        if (p > 0 or f is not None) and code in REASON_TEXT
    )
    return Result(
        level=level,
        reasons=reasons,
        reactions=_reactions(level, factors["relation"], factors["power"], criminal),
        referrals=_referrals(level, factors, extra, criminal),
        version=VERSION,
        points=points,
    )


def _reactions(level: int, relation: str, power: str, criminal: bool) -> tuple[str, ...]:
    chosen = list(REACTIONS_BY_RELATION[relation][level])
    if relation == "superior" and power == "strong" and level >= 3:
        # A superior who decides over the affected person's work: taking away that power
        # (responsibility, the role) comes first, so the two need not keep working that way.
        chosen.remove("change_of_roles")
        chosen.insert(0, "change_of_roles")
    if level >= 2:
        # The employer has the duty to investigate and to act; the handler is a channel.
        chosen.append("employer_handoff")
    if criminal:
        # Never automatic: the employer considers it together with the person affected.
        chosen.append("consider_police_report")
    chosen += ALWAYS_REACTIONS
    return tuple(dict.fromkeys(chosen))


def _referrals(
    level: int, factors: dict[str, str], extra: frozenset[str], criminal: bool
) -> tuple[str, ...]:
    chosen: list[str] = []
    if factors["nature"] == "sexual_assault":
        # Medical help and securing evidence within 7 days, no police report needed.
        chosen.append("overgrepsmottak")
    if criminal:
        chosen.append("police")
    chosen += ["balansekunst", "ldo"]
    if level >= 3 or "retaliation" in extra or factors["frequency"] == "systematic":
        chosen += ["arbeidstilsynet", "diskrimineringsnemnda"]
    if factors["consequences"] in ("health", "severe") or "vulnerable_reporter" in extra:
        chosen.append("kirkens_sos")
    return tuple(dict.fromkeys(chosen))


def level_name(level: int) -> str:
    return str(LEVELS[level])


__all__ = ["VERSION", "AssessmentInputError", "Reason", "Result", "assess", "level_name"]
