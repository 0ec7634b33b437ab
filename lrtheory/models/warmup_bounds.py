"""What claim H7's approximate rows declare: the bounds of its Adam approximations, and why
the pure-quartic laws are only measured at λ > 0.

**Delta method.** With g ~ N(0, s²) the bias-corrected v̂_t/s² = v = Σ_j w_jχ²_{1,j}
(Σw = 1) has cumulants κ₂ = 2S₂, κ₃ = 8S₃, κ₄ = 48S₄, S_k = Σ_j w_j^k (n_eff = 1/S₂).
Expanding g(v) = v^{−1/2} about 1 and taking moments to O(n_eff⁻³) (:func:`delta_series`,
SymPy; E δ⁴ = κ₄ + 3κ₂², E δ⁵ ≈ 10κ₂κ₃, E δ⁶ ≈ 15κ₂³ to that order),

    Var v^{−1/2} = (κ₂/4)(1 + V₁ + V₂ + …),  V₁ = 39κ₂/8 − 3κ₃/(2κ₂),
    V₂ = 975κ₂²/32 − 155κ₃/8 + 29κ₄/(16κ₂),

so sd/(1/√(2n_eff)) = 1 + c, c = V₁/2 + (V₂/2 − V₁²/8) + …: the first order V₁/2 with its
sign, the second bounded piece by piece in absolute value, R = 975κ₂²/64 + 155κ₃/16 +
29κ₄/(32κ₂) + V₁²/8. The expansion is trusted (the row bounded) only where
|V₁/2| + R < :data:`TRUSTED`; with few effective samples it is not (n_eff ≈ 15 at β₂ = 0.9,
t = 20 already gives R ≈ 0.86; the t = 3 tail) and the row documents that.

**β₂ → 1 form at small t.** v̂ lies pathwise between t·w_min and t·w_max times χ²_t/t, and
v^{−1/2} is decreasing, so E v^{−1} and E v^{−1/2} are bracketed by the χ²_t moments
t/(t − 2) and E(χ²_t/t)^{−1/2} over those factors: a proved bracket on the variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.models.adam_moments import ema_weights, stationary_steps

#: A truncated expansion is trusted (the row bounded) only where its envelope E is below
#: this: E < ½ is where the relative-error bound it implies, about E/(1 − E), is below 1.
TRUSTED = 0.5


@cache
def delta_series() -> tuple[Callable[..., float], list[Callable[..., float]]]:
    """V₁ and the pieces of V₂ as functions of (κ₂, κ₃, κ₄): Var(v^{−1/2})/(κ₂/4) − 1 to
    O(n_eff⁻²), with κ₂ ~ n⁻¹, κ₃ ~ n⁻², κ₄ ~ n⁻³ (each term of V₂ a separate piece)."""
    d, k2, k3, k4, h = sp.symbols("delta kappa2 kappa3 kappa4 h", positive=True)
    g = sp.series((1 + d) ** sp.Rational(-1, 2), d, 0, 7).removeO()
    moments = {0: 1, 1: 0, 2: k2, 3: k3, 4: k4 + 3 * k2**2, 5: 10 * k2 * k3, 6: 15 * k2**3}

    def mean(expr: sp.Expr) -> sp.Expr:
        terms = sp.Poly(sp.expand(expr), d).as_dict().items()
        return sp.Add(*(c * moments.get(m[0], 0) for m, c in terms))

    var = sp.expand((mean(g**2) - mean(g) ** 2).subs({k2: k2 * h, k3: k3 * h**2,
                                                       k4: k4 * h**3}))
    rel = [sp.expand(var.coeff(h, i) / (k2 / 4)) for i in (2, 3)]
    args = (k2, k3, k4)
    return sp.lambdify(args, rel[0], "math"), [sp.lambdify(args, a, "math")
                                                for a in sp.Add.make_args(rel[1])]


def sd_correction(beta2: float, t: int) -> tuple[float, float]:
    """(c₁, R): the delta method's signed first-order relative correction to the sd of
    s/√v̂_t and the second order's envelope (module docstring); t = 0: stationary."""
    steps = max(3, stationary_steps(beta2)) if t == 0 else t
    w = ema_weights(beta2, steps)
    k = tuple(c * float(np.sum(w**p)) for c, p in ((2, 2), (8, 3), (48, 4)))
    first, pieces = delta_series()
    v1 = first(*k)
    second = sum(abs(piece(*k)) for piece in pieces) / 2 + v1**2 / 8
    return v1 / 2, second


def _trusted(c1: float, second: float) -> bool:
    return abs(c1) + second < TRUSTED


def sd_role(beta2: float, t: int, quad_error: float) -> dict[str, Any]:
    """The role of "sd: delta method 1/√(2n_eff) vs exact": bounded by the larger of
    |1/(1 + c) − 1| over c ∈ [c₁ − R, c₁ + R], plus the quadrature's relative error."""
    c1, second = sd_correction(beta2, t)
    if not _trusted(c1, second):
        return {"breakdown": _why_not(c1, second)}
    worst = max(abs(1 / (1 + c) - 1) for c in (c1 - second, c1 + second))
    return {"bound": worst + quad_error,
            "bound_reason": f"delta method to second order: c₁ = {c1:.3g} (signed), "
                            f"second order ≤ {second:.2g} in |·|, plus the quadrature's error"}


def spread_role(beta2: float, warmup: int, quad_error: float) -> dict[str, Any]:
    """The role of "S_W(W): delta method 1/√tanh(W/t*) vs exact": the exact ratio is the
    delta one times (1 + c_W)/(1 + c_∞); bounded by the worst |1/ratio − 1| over both c's
    brackets (each c₁ ± R), plus the quadratures' relative errors."""
    (cw, rw), (cs, rs) = sd_correction(beta2, warmup), sd_correction(beta2, 0)
    if not (_trusted(cw, rw) and _trusted(cs, rs)):
        return {"breakdown": _why_not(cw, rw) if not _trusted(cw, rw) else _why_not(cs, rs)}
    worst = max(abs((1 + b) / (1 + a) - 1) for a in (cw - rw, cw + rw) for b in (cs - rs, cs + rs))
    return {"bound": worst + quad_error,
            "bound_reason": f"delta method to second order at t = W and at t = ∞: "
                            f"c₁ = {cw:.3g} and {cs:.3g}, second order ≤ {rw:.2g} and {rs:.2g}"}


def _why_not(c1: float, second: float) -> str:
    return (f"too few effective samples for the delta method: its first order {c1:.2g} and "
            f"second-order envelope {second:.2g} are not small (the heavy tail of 1/√v̂)")


def small_t_role(beta2: float, t: int, closed: float, quad_error: float) -> dict[str, Any]:
    """The role of "Var(s/√v̂_t): the β₂ → 1 form (χ²_t/t) vs exact": the proved bracket of
    the module docstring on the exact variance, relative to its lower end."""
    w = ema_weights(beta2, t)
    lo, hi = t * float(np.min(w)), t * float(np.max(w))
    second = t / (t - 2)  # E (χ²_t/t)^{−1}
    first_sq = second - closed  # (E (χ²_t/t)^{−1/2})², from the closed variance
    floor, ceiling = second / hi - first_sq / lo, second / lo - first_sq / hi
    if floor <= 0:
        return {"breakdown": "weights too unequal for the bracket (β₂ far from 1)"}
    gap = max(closed - floor, ceiling - closed) / floor
    return {"bound": gap + quad_error,
            "bound_reason": f"proved: t·w_j ∈ [{lo:.4g}, {hi:.4g}] brackets v̂ by χ²_t/t, "
                            "hence the variance; plus the quadrature's error"}


def quartic_law_breakdown(lam: float) -> str:
    """Why a pure-quartic law's row at λ > 0 is only measured."""
    return (f"λ = {lam:g} > 0: the law z*(W)·W/s(x₀) is derived (and exact) for λ = 0 only; "
            "its λ > 0 form is a heuristic whose error is measured, no bound is derived")


def relative(error: float, value: float) -> float:
    """A numerical error relative to a value (for the quadrature's share of a bound)."""
    return 2 * error / abs(value) + 8 * math.ulp(1.0)
