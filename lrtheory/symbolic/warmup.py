"""SymPy pieces behind learning-rate warm-up (claim H7), reusable by any EMA or 1-D map.

- :func:`ema_samples`: an exponential moving average's lag weights, bias correction and
  effective number of samples n_eff = (Σw)²/Σw², all *read off its update rule* (the
  rule's own derivatives, unrolled and summed), with the limits t → ∞ and β → 1;
- :func:`tangent_time`: where the tangent of a saturating curve at t = 0 meets its limit;
- :func:`chi2_inverse_moment`: E[X^{−p}] of X ~ χ²_k by integration, SymPy's convergence
  condition kept (that condition is what makes an inverse moment infinite);
- :func:`secant_curvature`: L'(x)/x of a 1-D loss, the factor of one GD step
  x ← x(1 − η·L'(x)/x);
- :func:`derivation`: claim H7's derivation built from these (and :class:`WarmupForms`, the
  closed forms its model evaluates, as numbers by :func:`n_eff_value`, :func:`t_star_value`,
  :func:`small_t_variance`, :func:`delta_spread_value`, :func:`delta_peak_value`,
  :func:`z2_value`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.optimizers import AdamState, adam, gradient_step
from lrtheory.schedules import constant, linear_warmup
from lrtheory.symbolic.linear import stable_interval
from lrtheory.symbolic.moments import gaussian_moments
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


# --------------------------------------------------------------------------------------
# The derivation of claim H7
# --------------------------------------------------------------------------------------

B2, S, ALPHA, A_MIN, A_MAX, EPSILON, K, V = sp.symbols(
    "beta_2 s alpha alpha_min alpha_max epsilon k v", positive=True)
T = sp.Symbol("t", integer=True, positive=True)
J = sp.Symbol("j", integer=True, nonnegative=True)
W = sp.Symbol("W", positive=True)
LAM, C, ETA, Z, X0, ETA_T, ETA_NEXT = sp.symbols("lambda c eta z x_0 eta_t eta_t+1",
                                                 positive=True)
X, M_, THETA = sp.symbols("x m theta", real=True)


@dataclass(frozen=True)
class WarmupForms:
    """The derived forms the model and the Monte Carlo of H7 evaluate: n_eff(t), t*, the
    β₂ → 1 variance of s/√v̂_t (expressions in :data:`B2`, :data:`T`) and z*(2) = ρ²."""

    n_eff: sp.Expr
    t_star: sp.Expr
    small_t: sp.Expr
    z2: sp.Expr


def _adam_v(v: sp.Expr, q: sp.Expr) -> sp.Expr:
    """Adam's second-moment update, v ← β₂v + (1 − β₂)g², read from the rule (g² = q)."""
    return adam(THETA, AdamState(M_, v, T), sp.sqrt(q), ALPHA, sp.Rational(9, 10), B2,
                EPSILON)[1].v


def _exp_cancel(expr: sp.Expr) -> sp.Expr:
    """``expr`` with tanh written in exponentials, exp(a·ln β) as β^a, then cancelled: a
    rational function of powers of β, decided exactly (and fast) by ``cancel``."""
    return sp.cancel(sp.powsimp(sp.expand(expr.rewrite(sp.exp)), force=True))


def _adam_part() -> tuple[tuple[Step, ...], tuple[Identity, ...], dict[str, sp.Expr]]:
    """(a) Adam's bias-corrected second moment on i.i.d. g ~ N(0, s²)."""
    ema = ema_samples(_adam_v, B2, T, J)
    n_eff, n_inf = ema.effective, ema.stationary
    tanh_gap = _exp_cancel(n_eff / n_inf - sp.tanh(-T * sp.log(B2) / 2))
    moment = gaussian_moments(S**2)
    spread = sp.cancel(ema.sum_sq * (moment(4) - moment(2) ** 2) / (ema.total * moment(2)) ** 2)
    inv_one, inv_half = chi2_inverse_moment(K, 1), chi2_inverse_moment(K, sp.Rational(1, 2))
    finite = convergence_set(inv_one, K)
    w_limit = sp.limit(ema.weight, B2, 1)
    e_one, e_half = (sp.gammasimp(m.args[0].expr).subs(K, T) for m in (inv_one, inv_half))
    small_t = sp.factor(T * e_one - T * e_half**2)
    rate_cap = sp.limit(ALPHA / (sp.sqrt(V) + EPSILON), V, 0)
    delta = sp.cancel(sp.diff(V ** -sp.Rational(1, 2), V).subs(V, 1) ** 2 * spread)
    omega = linear_warmup(constant(A_MAX), W)(T)
    t_star = tangent_time(n_eff, T, n_inf)
    peak_sq = sp.cancel(n_eff / n_inf).subs(T, W)  # 1/S_W(W)² (delta method)
    scaled = sp.limit((1 - B2) * t_star, B2, 1)
    offset = sp.limit(t_star - 2 / (1 - B2), B2, 1)
    steps = (
        Step.equation("(a) Adam's second-moment update, from the rule", "v_t",
                      _adam_v(sp.Symbol("v_{t-1}"), sp.Symbol("g_t^2"))),
        Step.equation("E v_t for a constant q, divided by q: the bias correction", "1 - β^t",
                      ema.correction),
        Step.equation("bias-corrected weight of g²_{t−j}", "w_j", ema.weight),
        Step.equation("Σ_j w_j² (j < t)", "Σw²", ema.sum_sq),
        Step.equation("effective samples (Σw)²/Σw²", "n_eff(t)", n_eff),
        Step.equation("… as t → ∞", "n_inf", n_inf),
        Step.equation("Var v̂_t/(E v̂_t)² for g ~ N(0, s²): Σw²·Var g²/(Σw·E g²)²", "R_t",
                      spread),
        Step.equation("E[X⁻¹], X ~ χ²_k (finite iff k > 2)", "E[1/X]", inv_one),
        Step("w_min Σg² ≤ v̂_t ≤ w_max Σg², Σg² ~ s²χ²_t: E[1/v̂_t] < ∞ iff t ∈", finite,
             "so Var(α_t/√v̂_t) is infinite at t = 1, 2 for every β₂ and every α_t > 0 "
             "(ε = 0): a warm-up factor cannot bound it unless α₁ = α₂ = 0"),
        Step.equation("ε > 0: the rate α/(√v̂ + ε) is largest as v̂ → 0", "sup", rate_cap,
                      "so its sd is at most α/(2ε) (Popoviciu) at every t: ε alone keeps "
                      "the early spread finite"),
        Step.equation("β₂ → 1 at fixed t: w_j →", "w_j", w_limit, "v̂_t → s²χ²_t/t"),
        Step.equation("… Var(s/√v̂_t) = t E[1/χ²_t] − t E[χ_t⁻¹]²", "Var", small_t),
        Step.equation("delta method: Var(s/√v̂) ≈ (d v^{−1/2}/dv)²·R_t at v = 1", "Var",
                      delta),
        Step.equation("linear warm-up factor at step t = 1, 2, … (schedules.linear_warmup; "
                      "the GD part of (b) uses the same ω_t)", "alpha_t", omega),
        Step.equation("tangent of n_eff at t = 0 meets n_inf at", "t^*", t_star),
        Step.equation("(1 − β₂)t* as β₂ → 1", "lim", scaled),
        Step.equation("t* − 2/(1 − β₂) as β₂ → 1", "lim", offset),
        Step.equation("delta method: S_W(t) = ω_t√(n_inf/n_eff(t)) peaks at t = W: 1/S_W(W)²",
                      "1/S^2", peak_sq),
    )
    identities = (
        Identity("linear warm-up α_t = α_min + (α_max − α_min)t/W (here α_min = 0)",
                 omega.args[0].expr, (A_MIN + (A_MAX - A_MIN) * T / W).subs(A_MIN, 0),
                 "stated"),
        Identity("bias-corrected weights sum to 1", ema.total, sp.Integer(1), "derived"),
        Identity("n_eff(t) = (1 + β₂)(1 − β₂ᵗ)/((1 − β₂)(1 + β₂ᵗ))", n_eff,
                 (1 + B2) * (1 - B2**T) / ((1 - B2) * (1 + B2**T)), "derived"),
        Identity("n_eff(t) = n_inf·tanh(t(−ln β₂)/2)", tanh_gap, sp.Integer(0), "derived"),
        Identity("n_inf = 2/(1 − β₂) − 1 (RAdam's ρ_∞)", n_inf, 2 / (1 - B2) - 1, "derived"),
        Identity("β₂ → 1: n_eff(t) = t (one sample per step)", ema.early, T, "derived"),
        Identity("relative variance of v̂_t = 2/n_eff(t): R_t·n_eff(t) = 2",
                 sp.cancel(spread * n_eff), sp.Integer(2), "derived"),
        Identity("Var(α/√v̂_t) finite iff t ≥ 3 (ε = 0)", finite, sp.Interval.open(2, sp.oo),
                 "derived"),
        Identity("ε > 0: the rate α/(√v̂ + ε) is below α/ε", rate_cap, ALPHA / EPSILON,
                 "derived"),
        Identity("β₂ → 1: Var(s/√v̂_t) = t/(t − 2) − (t/2)(Γ((t−1)/2)/Γ(t/2))²", small_t,
                 T / (T - 2) - T / 2 * (sp.gamma((T - 1) / 2) / sp.gamma(T / 2)) ** 2,
                 "derived"),
        Identity("delta method: Var(s/√v̂_t) ≈ 1/(2n_eff): Var·n_eff = ½",
                 sp.cancel(delta * n_eff), sp.Rational(1, 2), "derived"),
        Identity("t* = 2/(−ln β₂)", t_star, -2 / sp.log(B2), "derived"),
        Identity("warm-up length ≈ 2/(1 − β₂): lim (1 − β₂)t* = 2", scaled, sp.Integer(2),
                 "derived"),
        Identity("t* = 2/(1 − β₂) − 1 + o(1) as β₂ → 1", offset, sp.Integer(-1), "derived"),
        Identity("delta method: 1/S_W(W)² = tanh(W/t*), i.e. S_W(W) ≈ 1/√tanh(W/t*)",
                 _exp_cancel(peak_sq - sp.tanh(W / t_star)), sp.Integer(0), "derived"),
    )
    return steps, identities, {"n_eff": n_eff, "t_star": t_star, "small_t": small_t,
                               "omega": omega}


def _gd_part(omega: sp.Expr) -> tuple[tuple[Step, ...], tuple[Identity, ...], sp.Expr]:
    """(b) GD on λx²/2 + cx⁴/4 under the warm-up ω_t."""
    loss = LAM * X**2 / 2 + C * X**4 / 4
    hess, secant = sp.diff(loss, X, 2), secant_curvature(loss, X)
    factor = sp.cancel(gradient_step(X, sp.diff(loss, X), ETA) / X)
    z_set = stable_interval(1 - Z, Z)
    (eta_flat,) = sp.solve(ETA * secant.subs(X, X0) - 2, ETA)
    cap = sp.limit(2 / secant, X, 0)
    pure = gradient_step(X, sp.diff(loss.subs(LAM, 0), X), ETA_T)
    z_next = sp.factor(sp.expand(ETA_NEXT * C * pure**2).subs(X, sp.sqrt(Z / (ETA_T * C))))
    ratio = sp.cancel(omega.args[0].expr.subs(T, T + 1) / omega.args[0].expr)
    z2_poly = sp.Poly(sp.expand(z_next.subs({ETA_NEXT: 2 * ETA_T}) - 2), Z).monic()
    plastic = sp.CRootOf(Z**3 - Z - 1, 0)
    steps = (
        Step.equation("(b) local sharpness L''(x)", "L''", hess),
        Step.equation("secant curvature s(x) = L'(x)/x", "s", secant),
        Step.equation("GD step x ← x − ηL'(x): factor x_t/x_{t−1}", "q", factor),
        Step("|1 − z| < 1 with z = η_t s(x_{t−1}): |x| shrinks iff z ∈", z_set,
             "s grows with |x|: once z ≥ 2 under a non-decreasing η, |x| and z grow for ever"),
        Step.equation("constant η: largest stable η from x₀", "eta^*(0)", eta_flat),
        Step.equation("as x → 0 (long warm-up)", "eta^*(inf)", cap),
        Step.equation("λ = 0: z_{t+1} = η_{t+1}c x_t² in terms of z_t = η_t c x²_{t−1}",
                      "z_{t+1}", z_next),
        Step.equation("warm-up: η_{t+1}/η_t for t + 1 ≤ W", "ratio", ratio),
        Step.equation("W = 2: z₁ = ηcx₀²/2, z₂ = 2z₁(1 − z₁)² = 2 ⇔", "0", z2_poly.as_expr()),
    )
    identities = (
        Identity("secant curvature s = λ + cx²", secant, LAM + C * X**2, "modelled",
                 note="the landscape λx²/2 + cx⁴/4 is lrtheory's model of falling sharpness"),
        Identity("constant η: stable iff η < 2/(λ + cx₀²)", eta_flat, 2 / (LAM + C * X0**2),
                 "derived"),
        Identity("the local-sharpness rule 2/L''(x₀) is too cautious by (λ + 3cx₀²)/(λ + cx₀²)",
                 sp.cancel(eta_flat / (2 / hess.subs(X, X0))),
                 (LAM + 3 * C * X0**2) / (LAM + C * X0**2), "derived",
                 note="between 1 and 3: GD's threshold is set by the secant, not the Hessian"),
        Identity("long warm-up: the peak is capped by the final sharpness, 2/λ", cap, 2 / LAM,
                 "derived"),
        Identity("λ = 0: z_{t+1} = (η_{t+1}/η_t)z_t(1 − z_t)², free of c and x₀", z_next,
                 ETA_NEXT / ETA_T * Z * (1 - Z) ** 2, "derived"),
        Identity("linear warm-up: η_{t+1}/η_t = (t + 1)/t", ratio, (T + 1) / T, "derived"),
        Identity("W = 2: z*(2) = ρ² (ρ the plastic number, ρ³ = ρ + 1)",
                 sp.minimal_polynomial(plastic**2, Z), z2_poly.as_expr(), "derived"),
    )
    return steps, identities, sp.real_roots(z2_poly)[0]


@cache
def derivation() -> tuple[Derivation, WarmupForms]:
    """Claim H7's derivation: (a) Adam's effective samples, the spread of its effective rate
    and the warm-up length; (b) GD's stability on λx²/2 + cx⁴/4 under a linear warm-up."""
    steps_a, ids_a, forms = _adam_part()
    steps_b, ids_b, z2 = _gd_part(forms["omega"])
    return (Derivation(steps_a + steps_b, ids_a + ids_b),
            WarmupForms(forms["n_eff"], forms["t_star"], forms["small_t"], z2))


# --------------------------------------------------------------------------------------
# The derived forms as numbers (lambdified once; the derivation runs on first use)
# --------------------------------------------------------------------------------------


@cache
def _numeric(name: str) -> Callable[[float, float], float]:
    fn: Callable[[float, float], float] = sp.lambdify((B2, T), getattr(derivation()[1], name),
                                                      "math")
    return fn


def n_eff_value(beta2: float, t: float) -> float:
    """The derived n_eff(t) = (1 + β₂)(1 − β₂ᵗ)/((1 − β₂)(1 + β₂ᵗ)); t = ∞ allowed."""
    return float(_numeric("n_eff")(beta2, t))


def t_star_value(beta2: float) -> float:
    """The derived t* = 2/(−ln β₂)."""
    return float(_numeric("t_star")(beta2, 0))


def small_t_variance(beta2: float, t: int) -> float:
    """The derived β₂ → 1 form of Var(s/√v̂_t) (v̂_t → s²χ²_t/t), t ≥ 3."""
    return float(_numeric("small_t")(beta2, t))


def delta_spread_value(beta2: float, warmup: int, t: float) -> float:
    """S_W(t) by the delta method from the derived n_eff: ω_t√(n_inf/n_eff(t)),
    ω_t = min(1, t/W) (W = 0: no warm-up)."""
    omega = 1.0 if warmup == 0 else min(1.0, t / warmup)
    return omega * math.sqrt(n_eff_value(beta2, math.inf) / n_eff_value(beta2, t))


def delta_peak_value(beta2: float, warmup: int) -> float:
    """The delta method's peak S_W(W) in the derived form 1/√tanh(W/t*)."""
    return 1 / math.sqrt(math.tanh(warmup / t_star_value(beta2)))


@cache
def z2_value() -> float:
    """The derived z*(2) = ρ² (the plastic number squared) as a float."""
    return float(derivation()[1].z2.evalf(30))
