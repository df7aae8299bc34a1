"""The noise: OpenDP's discrete Laplace mechanism over a period's counts, drawn once."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from casework.vocabulary import AGGRAVATING, EMPLOYER_ACTIONS
from insights import noise
from insights.publish import ANY, CATEGORIES, MULTI, NONE, PARTITION, UNASSESSED, empty_raw


def test_the_sensitivity_follows_the_vocabulary() -> None:
    # A case changes its period's count, one cell of each partition, and at worst every
    # code of each multi-valued table: a new code from casework widens it by one.
    assert noise.sensitivity() == 1 + 3 + len(AGGRAVATING) + len(EMPLOYER_ACTIONS)


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 4.0])
def test_opendp_accounts_the_budget_for_one_case(epsilon: float) -> None:
    meas = noise.measurement(epsilon)
    assert meas.map(noise.sensitivity()) == pytest.approx(epsilon)
    assert meas.map(noise.sensitivity() + 1) > epsilon  # two cases cost more


def test_the_noise_has_the_promised_spread() -> None:
    epsilon = 25.0  # scale 1: P(0) = (1 − e^−1)/(1 + e^−1)
    meas = noise.measurement(epsilon)
    draws = Counter(meas([0] * 4000))
    alpha = math.exp(-noise.sensitivity() / epsilon)
    assert draws[0] / 4000 == pytest.approx((1 - alpha) / (1 + alpha), abs=0.04)
    assert draws[1] == pytest.approx(draws[-1], rel=0.25)


def test_a_perturbed_period_keeps_its_shape() -> None:
    raw = empty_raw()
    raw["total"] = 40
    for name in PARTITION:
        raw["tables"][name][UNASSESSED] = 4
    raw["tables"]["nature"]["verbal"] = 36
    out = noise.perturb(raw, 1.0)
    values = [out["total"]] + [v for cells in out["tables"].values() for v in cells.values()]
    assert all(isinstance(v, int) and v >= 0 for v in values)
    # One noisy value per number: "not yet assessed" is the same in all three tables.
    assert len({out["tables"][name][UNASSESSED] for name in PARTITION}) == 1
    assert set(out["tables"]["nature"]) == set(CATEGORIES["nature"])
    for name in MULTI:  # "any" follows from the noisy numbers
        assessed = max(0, out["total"] - out["tables"]["nature"][UNASSESSED])
        assert out["tables"][name][ANY] == max(0, assessed - out["tables"][name][NONE])
    assert raw["total"] == 40  # the input is left alone


@pytest.mark.parametrize("epsilon", [0.0, -1.0, math.inf, math.nan])
def test_epsilon_must_be_a_positive_number(epsilon: float) -> None:
    with pytest.raises(ValueError, match="epsilon"):
        noise.measurement(epsilon)
