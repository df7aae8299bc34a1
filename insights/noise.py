"""Optional differential privacy: the discrete Laplace mechanism of OpenDP, once per release.

With a budget ε set (TRYGG_STATS_EPSILON), every count a period's release publishes —
its case count, each category of nature, level and relation ("not yet assessed" once,
since it is one number in all three), each code of the multi-valued tables and their
"none" — gets noise from one OpenDP measurement over the whole vector, when the period is
released. The noisy numbers are stored and the true ones are not, so every view shows the
same value and nothing can be averaged away: one noisy value per released number.

Accounting (what OpenDP's privacy map checks): adding or removing one case changes the
vector by at most `sensitivity()` in L1 distance (its case count, one cell in each
partition, and at worst every code of each multi-valued table), so discrete Laplace noise
of scale sensitivity/ε makes the period's release ε-differentially private. A case
belongs to exactly one period, so the periods of a year compose in parallel, and the
year totals are sums of the noisy periods (post-processing, free): ε per organisation per
year. Everything decided afterwards on the noisy values — suppression, "any" = cases −
not assessed − none — is post-processing too. The durations and deadline shares are
*not* covered (they keep the k rules only); docs/statistics.md says so.

The vocabulary comes from casework: a new code widens the vector and the sensitivity,
and enters the same guarantee.
"""

from __future__ import annotations

from typing import Any

import opendp.prelude as dp

from insights.publish import ANY, CATEGORIES, CODES, MULTI, NONE, PARTITION, UNASSESSED, Raw

dp.enable_features("contrib")

MECHANISM = "discrete Laplace (OpenDP)"


def sensitivity() -> int:
    """The most one case can change a period's released counts, in L1 distance."""
    return 1 + len(PARTITION) + sum(max(1, len(CODES[name])) for name in MULTI)


def _check(epsilon: float) -> None:
    if not 0 < epsilon < float("inf"):
        raise ValueError("epsilon must be a positive number")


def measurement(epsilon: float) -> Any:
    """The OpenDP measurement for one period's vector of counts under budget ε."""
    _check(epsilon)
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    scale = sensitivity() / epsilon
    meas = dp.m.make_laplace(*space, scale=scale)
    if meas.map(sensitivity()) > epsilon * (1 + 1e-9):  # OpenDP's own accounting
        raise ValueError("the noise scale does not meet the budget")  # pragma: no cover
    return meas


def _keys() -> list[tuple[str, str]]:
    keys = [("", "total"), ("nature", UNASSESSED)]
    for name in PARTITION:
        keys += [(name, c) for c in CATEGORIES[name] if c != UNASSESSED]
    for name in MULTI:
        keys += [(name, c) for c in (*CODES[name], NONE)]
    return keys


def perturb(raw: Raw, epsilon: float) -> Raw:
    """A copy of a period's raw counts with every released count replaced by its noisy
    value (clipped at zero); "any" follows from the noisy ones. Durations and deadlines
    are left as they are."""
    keys = _keys()
    values = [int(raw["total"]) if name == "" else int(raw["tables"][name].get(c, 0))
              for name, c in keys]
    noisy = [max(0, int(v)) for v in measurement(epsilon)(values)]
    out: Raw = {**raw, "tables": {name: dict(cells) for name, cells in raw["tables"].items()}}
    for (name, c), v in zip(keys, noisy, strict=True):
        if name == "":
            out["total"] = v
        else:
            out["tables"][name][c] = v
    for name in PARTITION[1:]:
        out["tables"][name][UNASSESSED] = out["tables"]["nature"][UNASSESSED]
    assessed = max(0, out["total"] - out["tables"]["nature"][UNASSESSED])
    for name in MULTI:
        out["tables"][name][ANY] = max(0, assessed - out["tables"][name][NONE])
    return out
