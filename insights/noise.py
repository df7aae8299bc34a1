"""Optional calibrated noise: the two-sided geometric mechanism, keyed and deterministic.

With ε set (TRYGG_STATS_EPSILON), every released count gets an integer drawn from the
two-sided geometric distribution P(x) = (1 − α)/(1 + α) · α^|x| with α = e^(−ε): the
discrete Laplace mechanism, ε-differentially private for a count that one case changes
by at most one (Ghosh, Roughgarden and Sundararajan 2009).

The draw is not random at view time: its uniform numbers come from HMAC-SHA256 under a
key derived from the server secret and a label naming the cell (organisation, period,
table, category). The same cell therefore always shows the same noisy value, so a leader
cannot average noise away by reloading; and since released periods are frozen, the
value under the noise never changes either.

No library fits this cleanly: OpenDP and diffprivlib draw from the operating system's
randomness (fine for one-off releases, wrong for a page that is viewed again and again),
so this is a small implementation, tested for its distribution in tests/insights.
Floating point enters only through log(); each uniform has 53 bits, so the probabilities
are exact to about 2^-53, far below what matters at the ε values that make sense here.
"""

from __future__ import annotations

import hashlib
import hmac
import math

LABEL = b"trygg/insights/noise/v1"


def derive_key(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, LABEL, hashlib.sha256).digest()


def _uniforms(key: bytes, label: str) -> tuple[float, float]:
    """Two independent uniforms in (0, 1], 53 bits each."""
    digest = hmac.new(key, label.encode(), hashlib.sha256).digest()
    a = int.from_bytes(digest[:8], "big") >> 11
    b = int.from_bytes(digest[8:16], "big") >> 11
    scale = float(1 << 53)
    return (a + 1) / scale, (b + 1) / scale


def _geometric(u: float, alpha: float) -> int:
    """Failures before the first success, P(G ≥ g) = α^g, by inversion of u ∈ (0, 1]."""
    return math.floor(math.log(u) / math.log(alpha))


def geometric_noise(key: bytes, label: str, epsilon: float) -> int:
    """The two-sided geometric draw for `label`: G1 − G2 with G ~ Geometric(1 − e^−ε)."""
    if not epsilon > 0 or math.isinf(epsilon):
        raise ValueError("epsilon must be a positive number")
    alpha = math.exp(-epsilon)
    u1, u2 = _uniforms(key, label)
    return _geometric(u1, alpha) - _geometric(u2, alpha)


def noisy_count(value: int, key: bytes, label: str, epsilon: float | None) -> int:
    """`value` with its keyed noise added (never below zero); unchanged without ε."""
    if epsilon is None:
        return value
    return max(0, value + geometric_noise(key, label, epsilon))


def zero_probability(epsilon: float) -> float:
    """P(noise = 0): how often a cell shows its true value."""
    alpha = math.exp(-epsilon)
    return (1 - alpha) / (1 + alpha)
