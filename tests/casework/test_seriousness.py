"""The seriousness model: fixed vocabulary, deterministic, versioned and monotone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework import seriousness
from casework.seriousness import AssessmentInputError, assess
from casework.vocabulary import (
    AGGRAVATING,
    ALWAYS_REACTIONS,
    CONSEQUENCES,
    FREQUENCY,
    NATURE,
    POWER,
    REACTIONS,
    REFERRALS,
    RELATION,
)

ORDERED = {"nature": NATURE, "frequency": FREQUENCY, "power": POWER, "consequences": CONSEQUENCES}

inputs = st.fixed_dictionaries(
    {
        "nature": st.sampled_from(NATURE),
        "frequency": st.sampled_from(FREQUENCY),
        "relation": st.sampled_from(RELATION),
        "power": st.sampled_from(POWER),
        "consequences": st.sampled_from(CONSEQUENCES),
        "aggravating": st.frozensets(st.sampled_from(AGGRAVATING)),
        "criminal": st.booleans(),
    }
)


def _summary(result: seriousness.Result) -> tuple[Any, ...]:
    return (result.level, tuple(r.code for r in result.reasons), result.reactions,
            result.referrals, result.version)


@given(inputs)
def test_deterministic_and_within_the_vocabulary(kw: dict[str, Any]) -> None:
    first = assess(**kw)
    second = assess(**dict(kw, aggravating=frozenset(sorted(kw["aggravating"]))))
    assert _summary(first) == _summary(second)
    assert 1 <= first.level <= 5
    assert first.version == seriousness.VERSION
    assert set(first.reactions) <= set(REACTIONS)
    assert set(first.referrals) <= set(REFERRALS)
    assert len(set(first.reactions)) == len(first.reactions)
    assert all(str(r) for r in first.reasons)


@given(inputs, st.sampled_from(sorted(ORDERED)), st.data())
def test_raising_an_ordered_factor_never_lowers_the_level(
    kw: dict[str, Any], factor: str, data: st.DataObject
) -> None:
    values = ORDERED[factor]
    lower = values.index(kw[factor])
    higher = data.draw(st.integers(min_value=lower, max_value=len(values) - 1))
    raised = dict(kw, **{factor: values[higher]})
    assert assess(**raised).level >= assess(**kw).level


@given(inputs, st.sampled_from(AGGRAVATING))
def test_adding_an_aggravating_circumstance_never_lowers_the_level(
    kw: dict[str, Any], code: str
) -> None:
    more = dict(kw, aggravating=kw["aggravating"] | {code})
    assert assess(**more).level >= assess(**kw).level


@given(inputs)
def test_criminal_and_superior_never_lower_the_level(kw: dict[str, Any]) -> None:
    base = assess(**kw).level
    assert assess(**dict(kw, criminal=True)).level >= base
    assert assess(**dict(kw, relation="superior")).level >= base


@given(inputs)
def test_always_the_four_duties_and_never_a_written_warning_for_outsiders(
    kw: dict[str, Any]
) -> None:
    result = assess(**kw)
    assert set(ALWAYS_REACTIONS) <= set(result.reactions)
    if kw["relation"] == "external":
        assert not {"written_warning", "dismissal", "change_of_roles"} & set(result.reactions)
        if result.level >= 2:
            assert result.reactions[0] in ("removal", "ban")


@given(inputs)
def test_police_only_suggested_to_consider_when_criminal(kw: dict[str, Any]) -> None:
    result = assess(**kw)
    assert ("consider_police_report" in result.reactions) == kw["criminal"]
    assert ("police" in result.referrals) == kw["criminal"]


def test_minor_verbal_remark_once() -> None:
    result = assess(nature="verbal", frequency="once", relation="peer", power="none",
                    consequences="none")
    assert result.level == 1
    assert result.reactions[0] == "conversation"
    assert result.referrals[:2] == ("balansekunst", "ldo")
    assert result.reasons == ()


def test_sexual_assault_is_at_least_very_serious_and_overgrepsmottak_comes_first() -> None:
    result = assess(nature="sexual_assault", frequency="once", relation="peer", power="none",
                    consequences="none", criminal=True)
    assert result.level >= 4
    assert result.referrals[:2] == ("overgrepsmottak", "police")
    assert result.reasons[0].code == "nature:sexual_assault"


def test_superior_with_strong_power_gets_responsibility_removed_first() -> None:
    result = assess(nature="physical", frequency="repeated", relation="superior", power="strong",
                    consequences="impaired_work", aggravating=frozenset({"told_unwanted"}))
    assert result.level == 4
    assert result.reactions[0] == "change_of_roles"


def test_retaliation_alone_sets_a_floor() -> None:
    result = assess(nature="verbal", frequency="once", relation="peer", power="none",
                    consequences="none", aggravating={"retaliation"})
    assert result.level == 3
    assert "arbeidstilsynet" in result.referrals


@pytest.mark.parametrize(
    ("factor", "value"),
    [("nature", "rude"), ("frequency", ""), ("relation", "boss"), ("power", None),
     ("consequences", "HEALTH"), ("aggravating", {"drunk"}), ("aggravating", "alcohol"),
     ("criminal", "yes")],
)
def test_values_outside_the_vocabulary_are_refused(factor: str, value: object) -> None:
    kw: dict[str, Any] = {"nature": "verbal", "frequency": "once", "relation": "peer",
                          "power": "none", "consequences": "none"}
    kw[factor] = value
    with pytest.raises(AssessmentInputError) as caught:
        assess(**kw)
    assert caught.value.factor == factor
