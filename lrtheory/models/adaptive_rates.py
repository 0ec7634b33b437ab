"""How far the effective rates of AdaGrad, RMSProp and Adam are from their "ratio of
expectations" approximations, under i.i.d. Gaussian gradients g ~ N(μ, s²).

The approximations replace an expected ratio by a ratio of expectations:

    AdaGrad   E[(Σ_{τ≤t} g²)^{−½}]   ≈ (t(μ² + s²))^{−½},
    RMSProp   E[v_t^{−½}]            ≈ ((1 − ρᵗ)(μ² + s²))^{−½},   v_t its running average,
    Adam      E[m̂_t/√v̂_t]          ≈ r = μ/√(μ² + s²).

The exact sides come from :mod:`lrtheory.models.adam_moments` (Laplace quadratures with an
error bound; AdaGrad's by its ₁F₁ closed form). Everything is scale-free (g ↦ g/s changes
nothing), so the functions take the signal-to-noise ratio x = μ/s and work at s = 1. Errors
are relative to the exact value: r/E − 1 (positive: the approximation overstates the step).

Also here: the rules themselves run side by side (:func:`run_rules`, for the exact model
and the Monte Carlo kernel), their exact expected rates (:func:`expected_rates`), and the
symbolic pieces of the derivation that are not specific to one claim (Gaussian moments,
the delta method for m/√v).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf
from sympy.stats import Normal, moment_generating_function

from lrtheory.errors import ParameterError, check_int, check_positive, check_real, float_array
from lrtheory.models.adam_moments import (
    Quadrature,
    adagrad_inverse_sqrt,
    adam_step_expectation,
    ema_weights,
    inverse_power_expectation,
    ratio_expectation,
    stationary_steps,
)
from lrtheory.models.rounding import recursion_rounding
from lrtheory.optimizers import AdamState, adagrad, adam, rmsprop

FloatArray = NDArray[np.float64]

#: μ/s standing in for the limit μ/s → 0: E[m̂/√v̂] is μ times an even function of μ, so
#: r/E − 1 differs from its limit by O((μ/s)²) = 10⁻¹⁶.
SMALL_SIGNAL = 1e-8


# --------------------------------------------------------------------------------------
# Symbolic: Gaussian moments and the delta method for m/√v
# --------------------------------------------------------------------------------------


def gaussian_moments(mu: sp.Expr, s: sp.Expr, order: int) -> list[sp.Expr]:
    """E gⁿ, n = 0, …, ``order``, of g ~ N(μ, s²): the derivatives of its moment
    generating function at 0 (SymPy, expanded)."""
    u = sp.Symbol("u")
    derivative, moments = moment_generating_function(Normal("g", mu, s))(u), []
    for _ in range(check_int("order", order, 0) + 1):
        moments.append(sp.expand(derivative.subs(u, 0)))
        derivative = sp.diff(derivative, u)
    return moments


def delta_method_ratio(mean_m: sp.Expr, mean_v: sp.Expr, var_m: sp.Expr, cov_mv: sp.Expr,
                       var_v: sp.Expr) -> sp.Expr:
    """E[m/√v] to second order about (E m, E v) (the delta method): with f = m/√v,
    f + ½f_mm Var m + f_mv Cov(m, v) + ½f_vv Var v, the derivatives at the means."""
    m, v = sp.Symbol("m", real=True), sp.Symbol("v", positive=True)
    f = m / sp.sqrt(v)
    hess = sp.hessian(f, sp.Matrix([m, v]))
    second = f + hess[0, 0] / 2 * var_m + hess[0, 1] * cov_mv + hess[1, 1] / 2 * var_v
    return sp.sympify(second).subs({m: mean_m, v: mean_v})


# --------------------------------------------------------------------------------------
# Numeric: the errors of the ratios of expectations
# --------------------------------------------------------------------------------------


def _snr(snr: Any) -> FloatArray:
    x = np.atleast_1d(float_array("snr", snr, "finite non-zero signal-to-noise ratios μ/s"))
    if x.ndim != 1 or not np.all(np.isfinite(x)) or np.any(x == 0):
        raise ParameterError("snr", snr, "finite non-zero signal-to-noise ratios μ/s")
    return x


def _betas(**betas: float) -> None:
    """Each decay rate (β₁, β₂, ρ) a number in [0, 1), named as the caller's parameter."""
    for name, value in betas.items():
        check_real(name, value, 0.0, 1.0, lo_open=False)


def first_step_error(snr: Any) -> FloatArray:
    """Adam's first step (any β) is η·sign(g), E = erf(x/√2): the error of r is
    (x/√(1 + x²))/erf(x/√2) − 1, for each x = μ/s ≠ 0 (closed form)."""
    x = _snr(snr)
    return np.asarray(x / np.sqrt(1.0 + x * x) / erf(x / math.sqrt(2.0)) - 1.0)


@dataclass(frozen=True)
class FirstStepRange:
    """The first step's error r/E − 1 over all μ/s: its supremum √(π/2) − 1 (μ/s → 0,
    not attained) and its minimum, at ``argmin`` (bounded Brent search, to 10⁻⁹ in μ/s)."""

    sup: float
    minimum: float
    argmin: float


def first_step_range() -> FirstStepRange:
    """The range of :func:`first_step_error`: it falls from √(π/2) − 1 at μ/s → 0 through
    zero to a minimum near μ/s = 2, then rises back to 0 as μ/s → ∞."""
    best = minimize_scalar(lambda x: float(first_step_error(x)[0]), bounds=(0.5, 5.0),
                           method="bounded", options={"xatol": 1e-9})
    return FirstStepRange(math.sqrt(math.pi / 2.0) - 1.0, float(best.fun), float(best.x))


def ratio_error(beta1: float, beta2: float, snr: Any, t: int | None = None) -> FloatArray:
    """r/E − 1 for Adam, E = E[m̂_t/√v̂_t] after ``t`` steps from zero moments (stationary,
    :func:`~lrtheory.models.adam_moments.stationary_steps`, when ``t`` is None), for each
    x = μ/s ≠ 0 of ``snr``. Needs β₂ > 0 or β₁ = 0 when t ≥ 2 (else E = ∞)."""
    x = _snr(snr)
    _betas(beta1=beta1, beta2=beta2)
    steps = stationary_steps(beta1, beta2) if t is None else check_int("t", t, 1)
    exact = np.array([adam_step_expectation(beta1, beta2, steps, float(r), 1.0).value
                      for r in x])
    return np.asarray(x / np.sqrt(1.0 + x * x) / exact - 1.0)


@dataclass(frozen=True)
class Extremum:
    """A maximum over β₂: where (``at``) and the value, located to ``tolerance`` in β₂."""

    at: float
    value: float
    tolerance: float


def small_signal_peak(beta1: float, lo: float, hi: float, xtol: float = 1e-4) -> Extremum:
    """The largest stationary error r/E − 1 over β₂ ∈ [lo, hi] as μ/s → 0 (at
    :data:`SMALL_SIGNAL`), by a bounded Brent search (the error is unimodal in β₂ there)."""
    _betas(beta1=beta1)
    xtol = check_positive("xtol", xtol)
    lo = check_real("lo", lo, 0.0, 1.0)
    hi = check_real("hi", hi, lo, 1.0)
    best = minimize_scalar(lambda b: -float(ratio_error(beta1, b, SMALL_SIGNAL)[0]),
                           bounds=(lo, hi), method="bounded", options={"xatol": xtol})
    return Extremum(float(best.x), -float(best.fun), xtol)


@dataclass(frozen=True)
class SignChange:
    """A root β₂* of the stationary error r − E in β₂: the error has opposite signs at
    β₂* ± ``tolerance``, each beyond the quadrature's error bound (so certainly)."""

    value: float
    tolerance: float


def ratio_error_sign_change(beta1: float, snr: float, lo: float, hi: float,
                            xtol: float = 1e-6) -> SignChange:
    """The β₂ in (lo, hi) where Adam's stationary r − E[m̂/√v̂] changes sign at
    μ/s = ``snr`` (brentq on the exact quadrature), certified: r − E is evaluated at the
    root ± δ (δ = xtol, doubled until it works) and must have opposite signs there, each
    larger than the quadrature's error bound."""
    x = float(_snr(snr)[0])
    _betas(beta1=beta1)
    lo = check_real("lo", lo, 0.0, 1.0)
    hi = check_real("hi", hi, lo, 1.0)
    r = x / math.sqrt(1.0 + x * x)

    def gap(beta2: float) -> tuple[float, float]:
        q = adam_step_expectation(beta1, beta2, stationary_steps(beta1, beta2), x, 1.0)
        return r - q.value, q.error

    if gap(lo)[0] * gap(hi)[0] >= 0:
        raise ParameterError("lo", lo, f"a bracket [lo, {hi:g}] across which r − E changes "
                             f"sign (at beta1 = {beta1:g}, snr = {x:g})")
    root = float(brentq(lambda b: gap(b)[0], lo, hi, xtol=xtol))
    delta = xtol
    while delta < hi - lo:
        (left, e_left), (right, e_right) = gap(max(lo, root - delta)), gap(min(hi, root + delta))
        if left * right < 0 and abs(left) > e_left and abs(right) > e_right:
            return SignChange(root, delta)
        delta *= 2.0
    raise ParameterError("xtol", xtol, "a tolerance at which the sign change can be certified")


def adagrad_rate_gap(t: int, snr: float) -> float:
    """E[(Σ_{τ≤t} g²)^{−½}]·√(t(μ² + s²)) − 1 (≥ 0 by Jensen), from the ₁F₁ closed form;
    t ≥ 2 (E[1/|g|] = ∞ at t = 1)."""
    x = float(_snr(snr)[0])
    return adagrad_inverse_sqrt(t, x, 1.0) * math.sqrt(t * (1.0 + x * x)) - 1.0


def rmsprop_rate_gap(rho: float, t: int, snr: float) -> float:
    """E[v_t^{−½}]·√((1 − ρᵗ)(μ² + s²)) − 1 for RMSProp's running average v_t after t steps
    from v = 0 (the exact quadrature; t ≥ 2 and ρ > 0)."""
    x = float(_snr(snr)[0])
    check_real("rho", rho, 0.0, 1.0)  # ρ = 0 keeps one gradient: E v^(−½) = ∞ for t ≥ 2
    weights = ema_weights(rho, t, corrected=False)
    exact = inverse_power_expectation(weights, x, 1.0).value
    return exact * math.sqrt(float(np.sum(weights)) * (1.0 + x * x)) - 1.0


def corrected_ema_rounding(steps: int, beta: float, magnitude: float) -> float:
    """A float64 rounding bound on an EMA of values of size ≤ ``magnitude`` after ``steps``
    steps, divided by 1 − βᵗ (that quotient's relative error is at most 4ε·t/(1 − βᵗ))."""
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    steps = check_int("steps", steps, 1)
    magnitude = abs(check_real("magnitude", magnitude))
    return recursion_rounding(steps, magnitude) * (1.0 + 1.0 / (1.0 - beta**steps))


# --------------------------------------------------------------------------------------
# The three rules run: under a constant gradient, and on a batch of noisy gradients
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hyper:
    """The hyperparameters of the three rules: η, ε, Adam's (β₁, β₂) and RMSProp's ρ."""

    eta: float
    eps: float
    beta1: float
    beta2: float
    rho: float


#: The keys of :func:`setting`'s mapping.
KEYS = ("mu", "s", "eta", "eps", "beta1", "beta2", "rho", "t")


@dataclass(frozen=True)
class Setting:
    """Gradients g ~ N(μ, s²), t steps, the rules' hyperparameters."""

    mu: float
    s: float
    t: int
    hp: Hyper


def setting(p: Mapping[str, float]) -> Setting:
    """A checked :class:`Setting` from a mapping with the :data:`KEYS`: μ ≠ 0 real, s > 0,
    η, ε > 0, 0 ≤ β₁, β₂, ρ < 1 and an integer number of steps 1 ≤ t ≤ 10⁵."""
    missing = [k for k in KEYS if k not in p]
    if missing:
        raise ParameterError("params", dict(p), f"a mapping with keys {', '.join(KEYS)}")
    steps = check_real("t", p["t"], 1.0, 1e5, lo_open=False, hi_open=False)
    if not steps.is_integer():
        raise ParameterError("t", p["t"], "an integer in [1, 100000]")
    b1, b2, rho = (check_real(k, p[k], 0.0, 1.0, lo_open=False) for k in KEYS[4:7])
    mu = check_real("mu", p["mu"])
    if mu == 0.0:
        raise ParameterError("mu", p["mu"], "non-zero (the predictions are relative to μ)")
    return Setting(mu, check_positive("s", p["s"]), int(steps),
                   Hyper(check_positive("eta", p["eta"]), check_positive("eps", p["eps"]),
                         b1, b2, rho))


@dataclass(frozen=True)
class Run:
    """After ``t`` steps from zero state, each taken from θ = 0 (so −Δθ is the step):
    AdaGrad's and RMSProp's rates −Δθ/g, Adam's step −Δθ/η, Adam's m̂, v̂ and RMSProp's
    running average v. Fields are floats or arrays (a batch of chains)."""

    adagrad_rate: Any
    rmsprop_rate: Any
    adam_step: Any
    m_hat: Any
    v_hat: Any
    rms_average: Any


def run_rules(grads: Any, hp: Hyper) -> Run:
    """AdaGrad, RMSProp and Adam (:mod:`lrtheory.optimizers`) fed the same gradients
    ``grads[k]`` for k = 0, …, t − 1 (scalars or arrays of chains, NumPy or CuPy)."""
    if len(grads) == 0:
        raise ParameterError("grads", grads, "a non-empty sequence of gradients")
    zero = 0.0 * grads[0]
    acc = ms = th_a = th_r = th_m = zero
    state = AdamState.zeros(zero)
    for g in grads:
        th_a, acc = adagrad(zero, acc, g, hp.eta, hp.eps)
        th_r, ms = rmsprop(zero, ms, g, hp.eta, hp.rho, hp.eps)
        th_m, state = adam(zero, state, g, hp.eta, hp.beta1, hp.beta2, hp.eps)
    t, last = len(grads), grads[-1]
    return Run(-th_a / last, -th_r / last, -th_m / hp.eta, state.m / (1 - hp.beta1**t),
               state.v / (1 - hp.beta2**t), ms)


@dataclass(frozen=True)
class ExpectedRates:
    """Exact expectations after t steps under g ~ N(μ, s²), in units of η: Adam's step
    E[m̂/(√v̂ + ε)], AdaGrad's E[(√Σg² + ε)^{−1}] (₁F₁ closed form at ε = 0 and the
    quadrature) and RMSProp's E[(√v_t + ε)^{−1}]. Each Quadrature's error includes the
    bound on ε's shift; AdaGrad's rate is None at t = 1 (E 1/|g| = ∞), as RMSProp's."""

    adam: Quadrature
    adagrad_closed: float | None
    adagrad: Quadrature | None
    rmsprop: Quadrature | None


def expected_rates(mu: float, s: float, t: int, hp: Hyper, *, eps: bool = False) -> ExpectedRates:
    """The exact expected steps and rates of the three rules (ε = ``hp.eps`` when ``eps``,
    else 0), by :mod:`lrtheory.models.adam_moments`. For t ≥ 2 Adam's needs β₂ > 0 or
    β₁ = 0 (else it is infinite: a ParameterError from the quadrature)."""
    t = check_int("t", t, 1)
    e = hp.eps if eps else 0.0
    adam_q = ratio_expectation(ema_weights(hp.beta1, t), ema_weights(hp.beta2, t), mu, s, eps=e)
    if t == 1:
        return ExpectedRates(adam_q, None, None, None)
    rms_w = ema_weights(hp.rho, t, corrected=False)
    return ExpectedRates(adam_q, adagrad_inverse_sqrt(t, mu, s),
                         inverse_power_expectation(np.ones(t), mu, s, eps=e),
                         inverse_power_expectation(rms_w, mu, s, eps=e))


def rate_curves(ts: Any, mu: float, s: float, rho: float) -> dict[str, FloatArray]:
    """Per-parameter rates / η (ε = 0) against the step t (each of ``ts`` ≥ 2), for
    g ~ N(μ, s²): AdaGrad's exact E[(Σg²)^{−½}] ("adagrad"), its constant-gradient value
    1/(|μ|√t) ("adagrad_const") and ratio of expectations (t(μ² + s²))^{−½}
    ("adagrad_ratio"); RMSProp's exact E[v_t^{−½}] ("rmsprop") and ratio of expectations
    ((1 − ρᵗ)(μ² + s²))^{−½} ("rmsprop_ratio")."""
    steps = np.asarray(ts, dtype=np.int64)
    var = mu * mu + s * s
    return {
        "adagrad": np.array([adagrad_inverse_sqrt(int(k), mu, s) for k in steps]),
        "adagrad_const": 1.0 / (abs(mu) * np.sqrt(steps)),
        "adagrad_ratio": 1.0 / np.sqrt(steps * var),
        "rmsprop": np.array([inverse_power_expectation(ema_weights(rho, int(k), corrected=False),
                                                       mu, s).value for k in steps]),
        "rmsprop_ratio": 1.0 / np.sqrt((1.0 - rho**steps) * var),
    }
