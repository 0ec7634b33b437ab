"""The sign of a Gaussian quadratic form Q = Σa_iz_i², z ~ N(0, I).

Events such as "a heuristic has fired by step k" or "a random start still shows divergence at
step T" are, on a quadratic loss with e₀ ~ N(0, I), of the form Q > 0 for a diagonal form in
eigen-coordinates. This module gives their probability exactly and a cheap upper bound:

* :func:`form_positive_probability`: P(Q > 0) by Imhof's (1961) inversion of the
  characteristic function E[e^{iuQ}] = Π(1 − 2ia_iu)^{−½}, with a rigorous error bound;
* :func:`form_nonpositive_bound`: P(Q ≤ 0) ≤ √(2/π)·√(Σ_{a_i<0}|a_i| / max a_i), from the
  largest positive coefficient alone (useful when Q ≤ 0 is a rare, bounded-bias event).

Only the signs and ratios of the a_i matter (P(Q > 0) is invariant to scaling a by c > 0).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.integrate import quad

from lrtheory.errors import ParameterError, float_array

_LOG_LO, _LOG_HI = -60.0, 90.0
"""The range of s = ln u integrated numerically, for max |a_i| = 1 (tails bounded below)."""


def form_positive_probability(a: np.ndarray[Any, Any]) -> tuple[float, float]:
    """P(Σa_iz_i² > 0), z ~ N(0, I), by Imhof's inversion, with a bound on its error.

    Gil-Pelaez inversion of the characteristic function gives (Imhof 1961)

        P(Q > 0) = ½ + (1/π)∫₀^∞ sin θ(u)/(u ρ(u)) du,
        θ(u) = ½Σ arctan(a_iu),   ρ(u) = Π(1 + a_i²u²)^{¼}.

    With a scaled to max |a_i| = 1 the integral is taken in s = ln u (so the scales 1/|a_i|
    become break points of the quadrature) over s ∈ [−60, 90]. The tails are bounded
    exactly: below s = −60, |sin θ/ρ| ≤ |θ| ≤ ½Σ|a_i|·e^s, which integrates to
    ½Σ|a_i|·e^{−60}; above s = 90, |sin θ/ρ| ≤ ρ⁻¹ ≤ (max|a_i|·u)^{−½} = e^{−s/2}, which
    integrates to 2e^{−45}. The returned error is quad's estimate plus both tails, over π.
    Without mixed signs the answer is exact: 0 if every a_i ≤ 0, 1 if every a_i ≥ 0 (and
    one is positive, so that P(Q = 0) = 0).
    """
    a = float_array("a", a)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ParameterError("a", a, "a non-empty 1-D array of finite coefficients")
    if np.all(a <= 0):
        return 0.0, 0.0
    if np.all(a >= 0):
        return 1.0, 0.0
    a = a / np.max(np.abs(a))

    def integrand(s: float) -> float:
        u = math.exp(s)
        theta = 0.5 * float(np.sum(np.arctan(a * u)))
        log_rho = 0.25 * float(np.sum(np.log1p((a * u) ** 2)))
        return math.sin(theta) * math.exp(-log_rho)

    lo, hi = _LOG_LO, _LOG_HI
    breaks = sorted({float(np.clip(-np.log(abs(x)), lo, hi)) for x in a if x != 0})
    value, err = quad(integrand, lo, hi, points=breaks, limit=400, epsabs=1e-15, epsrel=1e-13)
    tails = (2.0 * math.exp(-hi / 2.0) + 0.5 * float(np.sum(np.abs(a))) * math.exp(lo)) / math.pi
    return 0.5 + value / math.pi, err / math.pi + tails


def form_nonpositive_bound(a: np.ndarray[Any, Any]) -> float:
    """An upper bound on P(Σa_iz_i² ≤ 0), z ~ N(0, I), from the largest coefficient a₊ > 0.

    Dropping the other positive terms only enlarges the event, which then needs
    z₊² ≤ S/a₊ with S = Σ_{a_i<0}|a_i|z_i² independent of z₊. Given S the N(0, 1) density
    ≤ 1/√(2π) bounds P(|z₊| ≤ √(S/a₊)) by 2√(S/a₊)/√(2π); Jensen (E√S ≤ √ES, ES = Σ|a₋|)
    then gives

        P(Q ≤ 0) ≤ √(2/π)·√(Σ_{a_i<0}|a_i| / a₊),

    capped at 1 (and 1 when no coefficient is positive).
    """
    a = float_array("a", a)
    top = float(np.max(a))
    if top <= 0:
        return 1.0
    neg = float(np.sum(np.abs(a[a < 0])))
    return min(1.0, math.sqrt(2.0 / math.pi) * math.sqrt(neg / top))
