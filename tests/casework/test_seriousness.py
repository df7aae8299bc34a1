"""The seriousness model v2: fixed vocabulary, deterministic, versioned, monotone, and the
review's harmful v1 outputs (domain-review.md section 3.4) turned into tests."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework import seriousness, seriousness_v1
from casework.seriousness import AssessmentInputError, assess
from casework.vocabulary import (
    AGGRAVATING,
    ALWAYS_REACTIONS,
    CONSEQUENCES,
    CONTEXT,
    EXPLICITNESS,
    FREQUENCY,
    INTERIM,
    NATURE,
    POWER,
    PRIOR,
    REACTIONS,
    REFERRALS,
    RELATION,
    RISK_FACTORS,
)

ORDERED = {"nature": NATURE, "frequency": FREQUENCY, "power": POWER,
           "consequences": CONSEQUENCES, "explicitness": EXPLICITNESS, "prior": PRIOR}
SETS = {"aggravating": AGGRAVATING, "context": CONTEXT, "risk_factors": RISK_FACTORS}
EMPLOYEE_SANCTIONS = {"documented_conversation", "written_warning", "training",
                      "change_of_roles", "dismissal"}


def _valid(kw: dict[str, Any]) -> dict[str, Any]:
    """A sexual assault is always marked as possibly criminal (else the input is refused)."""
    return dict(kw, criminal=True) if kw["nature"] == "sexual_assault" else kw


inputs = st.fixed_dictionaries(
    {
        "nature": st.sampled_from(NATURE),
        "explicitness": st.sampled_from(EXPLICITNESS),
        "frequency": st.sampled_from(FREQUENCY),
        "relation": st.sampled_from(RELATION),
        "power": st.sampled_from(POWER),
        "consequences": st.sampled_from(CONSEQUENCES),
        "prior": st.sampled_from(PRIOR),
        "aggravating": st.frozensets(st.sampled_from(AGGRAVATING)),
        "context": st.frozensets(st.sampled_from(CONTEXT)),
        "risk_factors": st.frozensets(st.sampled_from(RISK_FACTORS)),
        "criminal": st.booleans(),
        "minor_involved": st.booleans(),
    }
).map(_valid)


def _summary(result: seriousness.Result) -> tuple[Any, ...]:
    return (result.level, tuple(r.code for r in result.reasons), result.reactions,
            result.interim, result.referrals, result.notices, result.version)


@given(inputs)
def test_deterministic_within_the_vocabulary_and_always_explained(kw: dict[str, Any]) -> None:
    first = assess(**kw)
    second = assess(**dict(kw, aggravating=frozenset(sorted(kw["aggravating"]))))
    assert _summary(first) == _summary(second)
    assert 1 <= first.level <= 5
    assert first.version == seriousness.VERSION == "2"
    assert set(first.reactions) <= set(REACTIONS)
    assert set(first.interim) <= set(INTERIM)
    assert set(first.referrals) <= set(REFERRALS)
    assert len(set(first.reactions)) == len(first.reactions)
    assert first.reasons and all(str(r) for r in first.reasons)
    if first.level < 5:  # it says why it is not higher
        assert any(not r.raises for r in first.reasons)


@given(inputs, st.sampled_from(sorted(ORDERED)), st.data())
def test_raising_an_ordered_factor_never_lowers_the_level(
    kw: dict[str, Any], factor: str, data: st.DataObject
) -> None:
    values = ORDERED[factor]
    lower = values.index(kw[factor])
    higher = data.draw(st.integers(min_value=lower, max_value=len(values) - 1))
    raised = _valid(dict(kw, **{factor: values[higher]}))
    assert assess(**raised).level >= assess(**kw).level


@given(inputs, st.sampled_from(sorted(SETS)), st.data())
def test_adding_a_context_aggravating_circumstance_or_risk_factor_never_lowers_the_level(
    kw: dict[str, Any], factor: str, data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from(SETS[factor]))
    more = dict(kw, **{factor: kw[factor] | {code}})
    assert assess(**more).level >= assess(**kw).level


@given(inputs)
def test_criminal_minor_and_superior_never_lower_the_level(kw: dict[str, Any]) -> None:
    base = assess(**kw).level
    assert assess(**dict(kw, criminal=True)).level >= base
    assert assess(**dict(kw, minor_involved=True)).level >= base
    assert assess(**dict(kw, relation="superior")).level >= base


@given(inputs)
def test_floors(kw: dict[str, Any]) -> None:
    level = assess(**kw).level
    if kw["nature"] == "sexual_assault":
        assert level == 5
    if kw["minor_involved"]:
        assert level >= 4
    if kw["explicitness"] == "explicit_or_degrading":
        assert level >= 2
    if "retaliation" in kw["aggravating"]:
        assert level >= 3


@given(inputs)
def test_always_the_duties_and_outsiders_never_get_an_employee_sanction(
    kw: dict[str, Any]
) -> None:
    result = assess(**kw)
    assert set(ALWAYS_REACTIONS) <= set(result.reactions)
    assert "hear_the_accused" in result.notices
    if kw["relation"] == "external":
        assert not EMPLOYEE_SANCTIONS & set(result.reactions)
        assert "protective_measures" in result.interim
        if result.level >= 2:
            assert result.reactions[0] in ("removal", "ban")


@given(inputs)
def test_sexual_assault_never_gets_a_written_warning_and_level_5_starts_with_an_end(
    kw: dict[str, Any]
) -> None:
    result = assess(**kw)
    if kw["nature"] == "sexual_assault":
        assert "written_warning" not in result.reactions
        assert result.referrals[:3] == ("overgrepsmottak", "police", "hjelpetelefonen")
    if result.level == 5 and kw["relation"] != "external":
        assert result.reactions[0] in ("dismissal", "end_collaboration")
        assert "written_warning" not in result.reactions


@given(inputs)
def test_police_considered_exactly_when_criminal_with_the_honest_caveats(
    kw: dict[str, Any]
) -> None:
    result = assess(**kw)
    assert ("consider_police_report" in result.reactions) == kw["criminal"]
    assert ("police" in result.referrals) == kw["criminal"]
    if kw["criminal"]:
        assert {"duty_to_avert", "police_without_consent", "bistandsadvokat"} <= set(
            result.notices)
    if kw["minor_involved"]:
        assert {"duty_to_avert", "child_protection"} <= set(result.notices)


# -- the review's cases (domain-review.md section 3.4) ----------------------------------

RAPE = {"nature": "sexual_assault", "frequency": "once", "power": "none", "criminal": True}


@pytest.mark.parametrize(
    ("relation", "power", "consequences"),
    [("peer", "none", "health"), ("peer", "none", "none"), ("superior", "strong", "health"),
     ("subordinate", "none", "none"), ("commissioner", "strong", "none")],
)
def test_a_rape_is_critical_and_dismissal_comes_first(
    relation: str, power: str, consequences: str
) -> None:
    result = assess(**dict(RAPE, relation=relation, power=power, consequences=consequences))
    assert result.level == 5 and result.level_name
    assert result.reactions[0] == "dismissal"
    assert "written_warning" not in result.reactions
    assert result.interim[:2] == ("interim_separation", "suspension")
    assert result.referrals[:2] == ("overgrepsmottak", "police")


def test_a_sexual_assault_not_marked_criminal_is_refused() -> None:
    with pytest.raises(AssessmentInputError) as caught:
        assess(nature="sexual_assault", frequency="once", relation="subordinate", power="none",
               consequences="none")
    assert caught.value.factor == "criminal"


@pytest.mark.parametrize("nature", ["physical", "verbal"])
def test_one_hug_or_remark_by_a_powerful_director_is_not_met_with_removal_of_roles(
    nature: str
) -> None:
    result = assess(nature=nature, frequency="once", relation="superior", power="strong",
                    consequences="discomfort" if nature == "verbal" else "none")
    assert result.level == 2
    assert result.reactions[0] == "documented_conversation"
    assert "change_of_roles" not in result.reactions and not result.interim
    assert {r.code for r in result.reasons} >= {"power:strong", "not_higher:once"}


def test_pulbar_is_not_called_minor_and_the_penal_code_is_flagged() -> None:
    pulbar = assess(nature="verbal", explicitness="explicit_or_degrading", frequency="once",
                    relation="peer", power="none", consequences="discomfort")
    sota = assess(nature="verbal", frequency="once", relation="peer", power="none",
                  consequences="discomfort")
    assert pulbar.level >= 2 and pulbar.level >= sota.level
    assert "consider_penal_code" in pulbar.notices
    assert pulbar.reasons[0].code == "explicitness:explicit_or_degrading"


def test_an_audience_member_touching_an_usher_brings_the_employers_protective_duty() -> None:
    result = assess(nature="physical", explicitness="clearly_sexual", frequency="once",
                    relation="external", power="none", consequences="discomfort")
    assert result.level == 2
    assert result.reactions[0] == "removal"
    assert result.interim == ("protective_measures",)


def test_an_unsolicited_nude_picture_flags_the_penal_code() -> None:
    result = assess(nature="digital", explicitness="explicit_or_degrading", frequency="once",
                    relation="peer", power="none", consequences="discomfort")
    assert result.level >= 2 and "consider_penal_code" in result.notices


def test_an_earlier_warning_moves_the_recommendations_up_the_ladder() -> None:
    base = {"nature": "verbal", "explicitness": "clearly_sexual", "frequency": "repeated",
            "relation": "peer", "power": "none", "consequences": "discomfort"}
    first, again = assess(**base), assess(**base, prior="earlier_warning")
    assert again.level >= 3 > first.level
    assert "end_collaboration" in again.reactions and "end_collaboration" not in first.reactions


def test_a_minor_affected_shows_the_duty_to_avert_and_child_protection() -> None:
    result = assess(nature="verbal", frequency="once", relation="teacher_mentor", power="some",
                    consequences="discomfort", minor_involved=True)
    assert result.level >= 4
    assert result.notices[:2] == ("duty_to_avert", "child_protection")
    assert "hjelpetelefonen" in result.referrals


def test_retaliation_alone_sets_a_floor_and_brings_arbeidstilsynet() -> None:
    result = assess(nature="verbal", frequency="once", relation="peer", power="none",
                    consequences="none", aggravating={"retaliation"})
    assert result.level == 3
    assert "arbeidstilsynet" in result.referrals
    assert "interim_separation" in result.interim


def test_the_lowest_level_still_explains_itself() -> None:
    result = assess(nature="verbal", frequency="once", relation="peer", power="none",
                    consequences="none")
    assert result.level == 1
    assert result.reactions[0] == "conversation"
    assert result.referrals[:2] == ("balansekunst", "ldo")
    assert result.reasons and not any(r.raises for r in result.reasons)


@pytest.mark.parametrize(
    ("factor", "value"),
    [("nature", "rude"), ("frequency", ""), ("relation", "boss"), ("power", None),
     ("consequences", "HEALTH"), ("aggravating", {"drunk"}), ("aggravating", "alcohol"),
     ("criminal", "yes"), ("explicitness", "very"), ("prior", 1), ("context", {"bar"}),
     ("risk_factors", {"custom:x"}), ("minor_involved", "no")],
)
def test_values_outside_the_vocabulary_are_refused(factor: str, value: object) -> None:
    kw: dict[str, Any] = {"nature": "verbal", "frequency": "once", "relation": "peer",
                          "power": "none", "consequences": "none"}
    kw[factor] = value
    with pytest.raises(AssessmentInputError) as caught:
        assess(**kw)
    assert caught.value.factor == factor


def test_version_1_stays_readable() -> None:
    old = seriousness_v1.assess(nature="sexual_assault", frequency="once", relation="peer",
                                power="none", consequences="health", criminal=True)
    assert old.version == "1" and old.level == 4 and old.interim == ()
