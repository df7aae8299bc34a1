"""The keyed two-sided geometric mechanism."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from insights.noise import derive_key, geometric_noise, noisy_count, zero_probability

KEY = derive_key("test-secret")


def test_the_same_cell_always_gets_the_same_noise() -> None:
    assert geometric_noise(KEY, "org/1/Q1/nature/verbal", 1.0) == geometric_noise(
        KEY, "org/1/Q1/nature/verbal", 1.0
    )
    draws = {geometric_noise(KEY, f"cell/{n}", 0.5) for n in range(200)}
    assert len(draws) > 5  # different cells, different draws


def test_another_key_gives_other_noise() -> None:
    other = derive_key("another-secret")
    labels = [f"cell/{n}" for n in range(100)]
    assert [geometric_noise(KEY, x, 1.0) for x in labels] != [
        geometric_noise(other, x, 1.0) for x in labels
    ]


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 2.0])
def test_the_distribution_is_two_sided_geometric(epsilon: float) -> None:
    n = 40_000
    draws = Counter(geometric_noise(KEY, f"d/{epsilon}/{i}", epsilon) for i in range(n))
    alpha = math.exp(-epsilon)
    # P(0) = (1 − α)/(1 + α); P(x+1)/P(x) = α; symmetric around zero.
    p0 = zero_probability(epsilon)
    assert abs(draws[0] / n - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)
    assert abs((draws[1] + draws[-1]) / 2 / draws[0] - alpha) < 0.05
    mean = sum(x * c for x, c in draws.items()) / n
    variance = 2 * alpha / (1 - alpha) ** 2
    assert abs(mean) < 4 * math.sqrt(variance / n)
    observed = sum(x * x * c for x, c in draws.items()) / n
    assert abs(observed - variance) / variance < 0.1


def test_noisy_counts_never_go_below_zero_and_are_untouched_without_epsilon() -> None:
    assert noisy_count(3, KEY, "x", None) == 3
    assert all(noisy_count(0, KEY, f"z/{i}", 0.3) >= 0 for i in range(500))


@pytest.mark.parametrize("epsilon", [0.0, -1.0, math.inf, math.nan])
def test_epsilon_must_be_a_positive_number(epsilon: float) -> None:
    with pytest.raises(ValueError, match="epsilon"):
        geometric_noise(KEY, "x", epsilon)
