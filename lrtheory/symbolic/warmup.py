"""SymPy pieces behind learning-rate warm-up (claim H7), reusable by any EMA or 1-D map.

- :func:`ema_samples`: an exponential moving average's lag weights, bias correction and
  effective number of samples n_eff = (Σw)²/Σw², all *read off its update rule* (the
  rule's own derivatives, unrolled and summed), with the limits t → ∞ and β → 1;
- :func:`tangent_time`: where the tangent of a saturating curve at t = 0 meets its limit;
- :func:`chi2_inverse_moment`: E[X^{−p}] of X ~ χ²_k by integration, SymPy's convergence
  condition kept (that condition is what makes an inverse moment infinite);
- :func:`secant_curvature`: L'(x)/x of a 1-D loss, the factor of one GD step
  x ← x(1 − η·L'(x)/x).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from lrtheory.symbolic.series import finite_sum, unroll_affine


@dataclass(frozen=True)
class EmaSamples:
    """An EMA x' = βx + (1 − β)q read off its rule, after t steps from x = 0.

    ``decay`` = ∂x'/∂x and ``inject`` = ∂x'/∂q; ``correction`` = E x_t/q for a constant q
    (the bias correction divides by it); ``weight`` = the bias-corrected weight of the input
    j steps back; ``total`` and ``sum_sq`` = Σ_j w_j and Σ_j w_j²; ``effective`` = n_eff;
    ``stationary`` = its limit t → ∞; ``early`` = its limit β → 1 at fixed t."""

    update: sp.Expr
    decay: sp.Expr
    inject: sp.Expr
    correction: sp.Expr
    weight: sp.Expr
    total: sp.Expr
    sum_sq: sp.Expr
    effective: sp.Expr
    stationary: sp.Expr
    early: sp.Expr


def ema_samples(update: Callable[[sp.Expr, sp.Expr], sp.Expr], beta: sp.Symbol,
                t: sp.Symbol, lag: sp.Symbol) -> EmaSamples:
    """The weights and effective sample size of the EMA ``update(x, q)`` (affine in both,
    decay ``beta`` with 0 < β < 1), after ``t`` steps; ``lag`` indexes the inputs (0 = the
    newest). The input j steps back reaches x_t through j decays: w_j = inject·decay^j,
    divided by the bias correction E x_t/q."""
    x, q = sp.Dummy("x"), sp.Dummy("q", positive=True)
    new = sp.expand(update(x, q))
    decay, inject = sp.diff(new, x), sp.diff(new, q)
    correction = sp.cancel(unroll_affine(lambda v: update(v, q), t) / q)
    weight = inject * decay**lag / correction
    total = sp.cancel(finite_sum(weight, lag, 0, t - 1))
    sum_sq = sp.factor(sp.cancel(sp.powsimp(finite_sum(weight**2, lag, 0, t - 1))))
    effective = sp.factor(sp.cancel(total**2 / sum_sq))
    # n_eff is rational in β^t, which → 0 as t → ∞ (0 < β < 1): substitute, then cancel.
    stationary = sp.cancel(sp.expand_power_exp(effective).subs(beta**t, 0))
    if stationary.has(t):
        raise ValueError(f"{effective} is not a function of {beta}^{t} alone")
    return EmaSamples(new, decay, inject, correction, weight, total, sum_sq, effective,
                      stationary, sp.limit(effective, beta, 1))


def tangent_time(curve: sp.Expr, t: sp.Symbol, limit: sp.Expr) -> sp.Expr:
    """The time at which the tangent of ``curve`` at t = 0 (from curve(0) = 0) reaches
    ``limit``: limit/curve'(0), with t treated as a continuous variable and the curve smooth
    at 0 (so the derivative is evaluated there directly)."""
    tau = sp.Dummy("tau", positive=True)
    slope = sp.diff(curve.subs(t, tau), tau).subs(tau, 0)
    if not slope.is_finite and slope.is_finite is not None:
        raise ValueError(f"{curve} has no finite slope at {t} = 0")
    return sp.simplify(limit / slope)


@cache
def _gamma_integral() -> tuple[sp.Symbol, sp.Expr]:
    """∫₀^∞ x^{a−1}e^{−x/2} dx as SymPy integrates it, a free: (a, Piecewise)."""
    x, a = sp.Dummy("x", positive=True), sp.Dummy("a", real=True)
    return a, sp.integrate(x ** (a - 1) * sp.exp(-x / 2), (x, 0, sp.oo), conds="piecewise")


def chi2_inverse_moment(k: sp.Expr, p: sp.Expr) -> sp.Expr:
    """E[X^{−p}] for X ~ χ²_k: ∫₀^∞ x^{−p}·x^{k/2−1}e^{−x/2} dx/(2^{k/2}Γ(k/2)). SymPy
    integrates x^{a−1}e^{−x/2} with a = k/2 − p free (once, cached) into a Piecewise whose
    first branch carries the convergence condition Re a > 0, i.e. p < k/2 (the integral
    diverges at 0 otherwise); a is then substituted."""
    a, kernel = _gamma_integral()
    return sp.piecewise_fold(kernel.subs(a, k / 2 - p) / (2 ** (k / 2) * sp.gamma(k / 2)))


def convergence_set(moment: sp.Expr, variable: sp.Symbol) -> sp.Set:
    """The values of ``variable`` where a Piecewise moment from :func:`chi2_inverse_moment`
    is finite (its first branch's condition, solved)."""
    if not isinstance(moment, sp.Piecewise):
        return sp.S.Reals
    condition = moment.args[0].cond
    return sp.solve_univariate_inequality(condition, variable, relational=False)


def secant_curvature(loss: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """s(x) = L'(x)/x, so that one GD step is x ← x(1 − η s(x)) (for L'(0) = 0)."""
    return sp.cancel(sp.diff(loss, x) / x)
