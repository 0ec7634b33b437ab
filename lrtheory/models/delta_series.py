"""The delta-method series of E[m/√v] and E[v^(−½)] to second order, with its envelope.

For i.i.d. gradients g_j ~ N(μ, s²) and fixed weights, m = Σa_j g_j and v = Σw_j g_j²
(Adam's bias-corrected moments, RMSProp's running average, AdaGrad's sum). Expanding
f(m, v) = m/√v (or v^(−½)) about the means (M, V) and taking expectations,

    E f = f(M, V) + T₁ + T₂ + R,

T₁ = ½Σ_{|α|=2} ∂^αf κ_α (second cumulants: the usual delta method, O(ν), ν = Σw_j²),
T₂ = Σ_{|α|=3} ∂^αf κ_α/α! + Σ_{|α|=4} ∂^αf (pairs of second cumulants)/α! (O(ν²)),
and R collects O(ν³) (fourth cumulants, and the fifth and sixth orders). The joint
cumulants of (m, v) are Σ_j a_j^p w_j^q κ_{p,q}, κ_{p,q} those of (g, g²) for one Gaussian
g, from its cumulant generating function
K(u₁, u₂) = u₁μ + u₂μ² − ½ln(1 − 2u₂s²) + s²(u₁ + 2u₂μ)²/(2(1 − 2u₂s²)) (SymPy).

The envelope takes the remainder no larger than the last term kept, |R| ≤ |T₂| (the series
is asymptotic in ν; T₂ is its leading neglected term once T₁ is kept): so
|E f − f(M, V)| ≤ |T₁| + 2|T₂| and |E f − f(M, V) − T₁| ≤ 2|T₂|, each over the lower bound
|f(M, V)| − |T₁| − 2|T₂| on |E f| for a relative error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.errors import ParameterError, float_array

Cumulant = Callable[[float, float], float]


@cache
def gaussian_cumulants() -> dict[tuple[int, int], Cumulant]:
    """κ_{p,q}(μ, s): the joint cumulants of (g, g²), g ~ N(μ, s²), 2 ≤ p + q ≤ 4."""
    mu, s = sp.symbols("mu s", real=True)
    u1, u2 = sp.symbols("u1 u2", real=True)
    cgf = (u1 * mu + u2 * mu**2 - sp.log(1 - 2 * u2 * s**2) / 2
           + s**2 * (u1 + 2 * u2 * mu) ** 2 / (2 * (1 - 2 * u2 * s**2)))
    out: dict[tuple[int, int], Cumulant] = {}
    row = cgf
    for p in range(5):
        row = sp.diff(row, u1) if p else row
        column = row
        for q in range(5 - p):
            column = sp.diff(column, u2) if q else column
            if p + q >= 2:
                out[(p, q)] = sp.lambdify((mu, s), sp.factor(column.subs({u1: 0, u2: 0})),
                                          "math")
    return out


@dataclass(frozen=True)
class Series:
    """f(M, V), T₁ and T₂ of the module docstring."""

    value: float
    first: float
    second: float

    @property
    def spread(self) -> float:
        """|T₁| + 2|T₂|: the bound on |E f − f(M, V)|."""
        return abs(self.first) + 2.0 * abs(self.second)

    def _floor(self) -> float:
        """A lower bound on |E f|: |f(M, V)| − |T₁| − 2|T₂| (0 when the series fails)."""
        return max(abs(self.value) - self.spread, 0.0)

    def leading_envelope(self) -> float:
        """Relative error of f(M, V) (the ratio of expectations) against E f."""
        floor = self._floor()
        return self.spread / floor if floor > 0 else math.inf

    def second_order_envelope(self) -> float:
        """Relative error of f(M, V) + T₁ (the delta method) against E f."""
        floor = self._floor()
        return 2.0 * abs(self.second) / floor if floor > 0 else math.inf


def _derivative(ratio: bool, mean_m: float, mean_v: float) -> Callable[[int, int], float]:
    """∂_m^p ∂_v^q of m/√v (``ratio``) or of v^(−½), at (mean_m, mean_v)."""
    def d(p: int, q: int) -> float:
        c = float(math.prod(-0.5 - i for i in range(q))) * math.pow(mean_v, -0.5 - q)
        if not ratio:
            return c if p == 0 else 0.0
        return {0: mean_m * c, 1: c}.get(p, 0.0)
    return d


def _series(a: Any, w: Any, mu: float, s: float, ratio: bool) -> Series:
    w_arr = float_array("w", w)
    a_arr = float_array("a", a) if ratio else np.zeros_like(w_arr)
    if w_arr.ndim != 1 or a_arr.shape != w_arr.shape or np.any(w_arr < 0) or w_arr.sum() <= 0:
        raise ParameterError("w", w, "non-negative weights, not all 0 (a of the same length)")
    if not (s > 0 and math.isfinite(mu)):
        raise ParameterError("s", s, "a positive spread (and a finite mean μ)")
    kc = gaussian_cumulants()

    def kappa(p: int, q: int) -> float:
        return float(np.sum(a_arr**p * w_arr**q)) * kc[(p, q)](mu, s)

    d = _derivative(ratio, mu * float(a_arr.sum()), (mu * mu + s * s) * float(w_arr.sum()))
    orders = range(3) if ratio else range(1)
    first = sum(d(p, 2 - p) * kappa(p, 2 - p) / (math.factorial(p) * math.factorial(2 - p))
                for p in orders)
    second = sum(d(p, 3 - p) * kappa(p, 3 - p) / (math.factorial(p) * math.factorial(3 - p))
                 for p in (range(4) if ratio else range(1)))
    # Fourth order: E[Δ^α] ≈ the three pairings of second cumulants (κ₄ is O(ν³)).
    for p in range(5) if ratio else range(1):
        slots = [0] * p + [1] * (4 - p)  # 0: m, 1: v

        def pair(i: int, j: int, sl: list[int] = slots) -> float:
            k = (sl[i] == 0) + (sl[j] == 0)
            return kappa(k, 2 - k)
        pairs = pair(0, 1) * pair(2, 3) + pair(0, 2) * pair(1, 3) + pair(0, 3) * pair(1, 2)
        second += d(p, 4 - p) * pairs / (math.factorial(p) * math.factorial(4 - p))
    return Series(d(0, 0), float(first), float(second))


def ratio_series(a: Any, w: Any, mu: float, s: float) -> Series:
    """The series of E[Σa_jg_j/√(Σw_jg_j²)], g_j ~ N(μ, s²) i.i.d."""
    return _series(a, w, mu, s, ratio=True)


def inverse_sqrt_series(w: Any, mu: float, s: float) -> Series:
    """The series of E[(Σw_jg_j²)^(−½)], g_j ~ N(μ, s²) i.i.d."""
    return _series(None, w, mu, s, ratio=False)


SERIES_REASON = ("delta-method series in Σw²: T₁ and the leading neglected term T₂ (third "
                 "cumulants, pairs of second) derived, the rest taken ≤ |T₂|")

__all__: list[str] = ["SERIES_REASON", "Series", "gaussian_cumulants", "inverse_sqrt_series",
                      "ratio_series"]
