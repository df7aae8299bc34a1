"""The seriousness model, version 2: a triage level, recommendations to the employer.

Deterministic and versioned; design.md section 6 fixes the vocabulary and the rules, and
docs/assessment.md explains the model with worked examples. The level is a *preliminary*
triage from what the reporter has told: it decides urgency, support and referrals. The
employer investigates and decides; what the handler gets from here are recommendations.

How the level comes about:

1. Points: each factor value carries points that never fall as the value rises; every
   context, aggravating circumstance and `criminal`/`minor_involved` adds points or none.
   The relation carries no points (power and dependency carry them), so `superior` never
   scores lower than any other relation.
2. Floors: some single facts set a minimum level (sexual assault is critical; a minor
   affected is at least "very serious"; explicit or degrading conduct is at least "medium";
   retaliation and an earlier warning are at least "serious").
3. level = max(band(points), floors), between 1 and 5.

Both the points and the floors only ever rise with each input, so the level is monotone
(tests/casework/test_seriousness.py checks it with hypothesis for every factor).

The relation decides which reactions fit: someone from outside (audience, guest, customer)
can be removed or banned and the employer must protect its people from them (aml § 4-3 (4));
they are never given an employee's sanction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casework.assessment_words import REASON_TEXT
from casework.labels import LEVELS
from casework.vocabulary import (
    AGGRAVATING,
    ALWAYS_REACTIONS,
    CONSEQUENCES,
    CONTEXT,
    EXPLICITNESS,
    FREQUENCY,
    NATURE,
    POWER,
    PRIOR,
    RELATION,
    RISK_FACTORS,
)

VERSION = "2"

POINTS: dict[str, dict[str, int]] = {
    # The form of the act weighs less than in v1; its character (explicitness) weighs more.
    "nature": {"verbal": 0, "nonverbal": 1, "digital": 1, "physical": 1, "sexual_assault": 5},
    "explicitness": {"ambiguous": 0, "clearly_sexual": 1, "explicit_or_degrading": 2},
    "frequency": {"once": 0, "repeated": 1, "systematic": 3},
    "relation": {r: 0 for r in RELATION},
    "power": {"none": 0, "some": 1, "strong": 2},
    "consequences": {"none": 0, "discomfort": 1, "impaired_work": 2, "health": 3, "severe": 4},
    "prior": {"none": 0, "earlier_report": 1, "earlier_warning": 3},
}
# Dependency peaks: a scene partner, a casting, a teacher.
CONTEXT_POINTS = {code: 0 for code in CONTEXT} | {
    "intimate_work": 1, "audition_casting": 1, "teaching": 1,
}
AGGRAVATING_POINTS = {code: 1 for code in AGGRAVATING} | {
    "multiple_affected": 2, "retaliation": 2,
}
CRIMINAL_POINTS = 2
MINOR_POINTS = 3

# (lowest points, level): 0–1, 2–3, 4–6, 7–10, 11+.
BANDS = ((11, 5), (7, 4), (4, 3), (2, 2), (0, 1))

FLOORS: dict[tuple[str, str], int] = {
    ("nature", "physical"): 2,
    ("nature", "sexual_assault"): 5,
    ("explicitness", "explicit_or_degrading"): 2,
    ("frequency", "systematic"): 3,
    ("consequences", "health"): 3,
    ("consequences", "severe"): 4,
    ("prior", "earlier_warning"): 3,
    ("aggravating", "retaliation"): 3,
    ("criminal", "true"): 3,
    ("minor_involved", "true"): 4,
}

INTERNAL = ("peer", "subordinate", "commissioner", "teacher_mentor", "superior")
# Recommendations for someone inside the work (employee, freelancer, volunteer, a leader,
# the oppdragsgiver), most proportionate first. `dismissal` reads "or ending the assignment"
# for a freelancer. No written warning at level 5.
INTERNAL_REACTIONS: dict[int, tuple[str, ...]] = {
    1: ("conversation", "training"),
    2: ("documented_conversation", "training", "conversation"),
    3: ("written_warning", "documented_conversation", "training"),
    4: ("written_warning", "change_of_roles", "end_collaboration", "dismissal"),
    5: ("dismissal", "end_collaboration", "change_of_roles"),
}
# Audience, guests, customers: removal and bans, never an employee's sanction.
EXTERNAL_REACTIONS: dict[int, tuple[str, ...]] = {
    1: ("conversation",),
    2: ("removal", "conversation"),
    3: ("removal", "ban"),
    4: ("ban", "removal", "end_collaboration"),
    5: ("ban", "removal", "end_collaboration"),
}
EMPLOYEE_ONLY = frozenset(
    {"documented_conversation", "written_warning", "training", "change_of_roles", "dismissal"}
)
HOLDS_POWER = frozenset({"superior", "teacher_mentor", "commissioner"})

# Why a level is not higher: what is absent, checked in this order.
NOT_HIGHER = (
    ("not_higher:once", lambda f: f["frequency"] == "once"),
    ("not_higher:consequences", lambda f: f["consequences"] in ("none", "discomfort")),
    ("not_higher:prior", lambda f: f["prior"] == "none"),
    ("not_higher:power", lambda f: f["power"] == "none"),
    ("not_higher:criminal", lambda f: not f["criminal"]),
    ("not_higher:not_systematic", lambda f: f["frequency"] == "repeated"),
    ("not_higher:no_health_harm", lambda f: f["consequences"] == "impaired_work"),
    ("not_higher:no_warning", lambda f: f["prior"] == "earlier_report"),
    ("not_higher:some_power", lambda f: f["power"] == "some"),
)


class AssessmentInputError(ValueError):
    """A value outside the fixed vocabulary, or facts that contradict each other."""

    def __init__(self, factor: str, value: object) -> None:
        super().__init__(f"{factor}={value!r} is not a valid assessment value")
        self.factor = factor
        self.value = value


@dataclass(frozen=True)
class Reason:
    """Why the level is what it is: a stable code and its words (translated on use).

    Codes `factor:value` raised the level; `not_higher:…` say what would have raised it.
    """

    code: str
    points: int
    floor: int | None = None

    @property
    def raises(self) -> bool:
        return not self.code.startswith("not_higher:")

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
    # Duties and cautions shown to the handler (codes; words in casework.labels.NOTICES).
    notices: tuple[str, ...] = ()

    @property
    def level_name(self) -> str:
        return str(LEVELS[self.level])


def _check(factor: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise AssessmentInputError(factor, value)
    return value


def _check_set(factor: str, values: Iterable[str], allowed: tuple[str, ...]) -> frozenset[str]:
    if isinstance(values, str):
        raise AssessmentInputError(factor, values)
    chosen = frozenset(values)
    for code in chosen:
        _check(factor, code, allowed)
    return chosen


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
    explicitness: str = "ambiguous",
    prior: str = "none",
    context: Iterable[str] = frozenset(),
    risk_factors: Iterable[str] = frozenset(),
    minor_involved: bool = False,
) -> Result:
    """Level (1 … 5), reasons, recommendations, interim measures and referrals.

    Raises AssessmentInputError for a value outside the vocabulary, and for a sexual
    assault not marked as possibly criminal (a sexual assault always is).
    """
    factors = {
        "nature": _check("nature", nature, NATURE),
        "explicitness": _check("explicitness", explicitness, EXPLICITNESS),
        "frequency": _check("frequency", frequency, FREQUENCY),
        "relation": _check("relation", relation, RELATION),
        "power": _check("power", power, POWER),
        "consequences": _check("consequences", consequences, CONSEQUENCES),
        "prior": _check("prior", prior, PRIOR),
    }
    extra = _check_set("aggravating", aggravating, AGGRAVATING)
    places = _check_set("context", context, CONTEXT)
    # Risk factors are the join key to prevention: checked, and they raise nothing.
    _check_set("risk_factors", risk_factors, RISK_FACTORS)
    for name, flag in (("criminal", criminal), ("minor_involved", minor_involved)):
        if not isinstance(flag, bool):
            raise AssessmentInputError(name, flag)
    if nature == "sexual_assault" and not criminal:
        raise AssessmentInputError("criminal", criminal)

    # Every fact with its points and floor, in vocabulary order (deterministic).
    facts: list[tuple[str, int, int | None]] = [
        (f"{factor}:{value}", POINTS[factor][value], FLOORS.get((factor, value)))
        for factor, value in factors.items()
    ]
    facts += [(f"context:{c}", CONTEXT_POINTS[c], None) for c in CONTEXT if c in places]
    facts += [(f"aggravating:{c}", AGGRAVATING_POINTS[c], FLOORS.get(("aggravating", c)))
              for c in AGGRAVATING if c in extra]
    if criminal:
        facts.append(("criminal:true", CRIMINAL_POINTS, FLOORS[("criminal", "true")]))
    if minor_involved:
        facts.append(("minor_involved:true", MINOR_POINTS, FLOORS[("minor_involved", "true")]))

    points = sum(p for _, p, _ in facts)
    floor = max((f for _, _, f in facts if f is not None), default=1)
    level = max(1, min(5, max(_band(points), floor)))
    raised = [
        Reason(code, p, f)
        for code, p, f in sorted(facts, key=lambda fact: (-(fact[2] or 0), -fact[1]))
        if p > 0 or f is not None
    ]
    flags = dict(factors, criminal=criminal)
    not_higher = [Reason(code, 0) for code, absent in NOT_HIGHER if absent(flags)]
    if level < 5 and not not_higher:
        # Everything on the list is present and still under 5: say so rather than nothing.
        not_higher = [Reason("not_higher:sum", 0)]
    reasons = tuple(raised + (not_higher if level < 5 else []))
    return Result(
        level=level,
        reasons=reasons,
        reactions=_reactions(level, factors, extra, criminal),
        referrals=_referrals(level, factors, extra, criminal, minor_involved),
        version=VERSION,
        points=points,
        interim=_interim(level, factors, extra, minor_involved),
        notices=_notices(factors, criminal, minor_involved),
    )


def _reactions(
    level: int, factors: dict[str, str], extra: frozenset[str], criminal: bool
) -> tuple[str, ...]:
    relation = factors["relation"]
    if relation == "external":
        chosen = list(EXTERNAL_REACTIONS[level])
    else:
        # An earlier warning about the same person moves the recommendations one step up
        # the ladder (progressive discipline); a sexual assault is always level 5.
        step = 1 if factors["prior"] == "earlier_warning" else 0
        chosen = list(INTERNAL_REACTIONS[min(5, level + step)])
    if factors["nature"] == "sexual_assault" and "written_warning" in chosen:
        chosen.remove("written_warning")  # pragma: no cover - sexual assault is level 5
    if "multiple_affected" in extra or factors["frequency"] == "systematic":
        chosen.append("team_measures")
    if level >= 2:
        # The employer has the duty to investigate and to act.
        chosen.append("employer_handoff")
    if criminal:
        # Considered together with the person affected; notices say when that is not all.
        chosen.append("consider_police_report")
    chosen += ALWAYS_REACTIONS
    return tuple(dict.fromkeys(chosen))


def _interim(
    level: int, factors: dict[str, str], extra: frozenset[str], minor_involved: bool
) -> tuple[str, ...]:
    relation = factors["relation"]
    chosen: list[str] = []
    if relation == "external":
        chosen.append("protective_measures")  # aml § 4-3 (4): protect against outsiders
        return tuple(chosen)
    holds_power = relation in HOLDS_POWER and factors["power"] == "strong"
    if level >= 4 or "retaliation" in extra or minor_involved or (holds_power and level >= 3):
        chosen.append("interim_separation")
    if level >= 5 or (holds_power and level >= 4):
        chosen.append("suspension")
    return tuple(chosen)


def _referrals(
    level: int, factors: dict[str, str], extra: frozenset[str], criminal: bool,
    minor_involved: bool,
) -> tuple[str, ...]:
    chosen: list[str] = []
    if factors["nature"] == "sexual_assault":
        # Medical help and securing evidence as soon as possible; no police report needed.
        chosen.append("overgrepsmottak")
    if criminal:
        chosen.append("police")
    if factors["nature"] == "sexual_assault" or minor_involved:
        chosen.append("hjelpetelefonen")
    chosen += ["balansekunst", "ldo"]
    if "retaliation" in extra or "employer_not_following_up" in extra:
        chosen.append("arbeidstilsynet")
    if factors["consequences"] in ("health", "severe") or "vulnerable_reporter" in extra:
        chosen.append("kirkens_sos")
    # A legal decision is open at any level; it is not anonymous (the entry says so).
    chosen.append("diskrimineringsnemnda")
    if level >= 3 and "arbeidstilsynet" not in chosen:
        chosen.append("arbeidstilsynet")
    return tuple(dict.fromkeys(chosen))


def _notices(factors: dict[str, str], criminal: bool, minor_involved: bool) -> tuple[str, ...]:
    chosen: list[str] = []
    if minor_involved:
        chosen += ["duty_to_avert", "child_protection"]
    if criminal:
        if "duty_to_avert" not in chosen:
            chosen.append("duty_to_avert")
        chosen += ["police_without_consent", "bistandsadvokat"]
    elif factors["explicitness"] == "explicit_or_degrading" or (
        factors["nature"] == "digital" and factors["explicitness"] != "ambiguous"
    ):
        chosen.append("consider_penal_code")
    chosen.append("hear_the_accused")
    return tuple(chosen)


def level_name(level: int) -> str:
    return str(LEVELS[level])


__all__ = ["VERSION", "AssessmentInputError", "Reason", "Result", "assess", "level_name"]
