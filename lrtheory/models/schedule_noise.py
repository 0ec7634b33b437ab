"""What a schedule's ∫η and ∫η² mean for SGD, and the tools to check a schedule exactly.

**The physical meaning.** SGD on the linear loss L(θ) = gθ with gradient noise, gradient
g + σξ_t (E ξ_t = 0, E ξ_t² = 1, independent), moves by

    θ₀ − θ_T = g Σ_{t<T} η_t + σ Σ_{t<T} η_t ξ_t,

so the mean displacement is the *learning progress* g Σ η_t and its variance the *injected
noise* σ² Σ η_t², exactly, for any schedule and any noise law with that variance. For a
schedule that is constant on every [t, t + 1) (constant, step decay with integer stages,
piecewise-linear cycles summed over whole cycles) the sums equal ∫₀ᵀη and ∫₀ᵀη²; for a
smooth schedule they differ (the sum is a left Riemann sum of the integral).

* :func:`rates_at_steps`, :func:`step_sums`: η_t for t = 0…T−1 and Σ η_t, Σ η_t² (``fsum``,
  correctly rounded) with their float64 error bound;
* :func:`linear_loss_moments`, :func:`linear_loss_sgd`: the exact mean and variance of
  θ₀ − θ_T and the Monte Carlo kernel that runs the SGD recursion itself;
* :func:`schedule_quadrature`: ∫η and ∫η² by QUADPACK between the schedule's breakpoints;
* :func:`closed_form_checks`: all of these as model checks of a schedule's closed forms;
* :func:`exact_step_values`, :func:`cell_step_values`: η(t) at integer steps from the SymPy
  formula (for a schedule that jumps, from its cells: no float decides which side of a
  restart a step is on);

The symbolic side — a schedule on one cell of its pieces for every cycle k at once, and
its integrals and sums there — is :mod:`lrtheory.symbolic.schedule_cells`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from numpy.typing import NDArray
from scipy.integrate import quad

from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.schedules import Schedule

FloatArray = NDArray[np.float64]


def rates_at_steps(schedule: Schedule, steps: int) -> FloatArray:
    """η_t = schedule(t) for the steps t = 0 … T − 1 (T = ``steps``), float64, finite, ≥ 0."""
    steps = check_int("steps", steps, 1)
    eta = np.asarray(schedule(np.arange(steps, dtype=np.float64)), dtype=np.float64)
    if eta.shape != (steps,) or not np.all(np.isfinite(eta)) or np.any(eta < 0):
        raise ParameterError("schedule", schedule, "finite rates ≥ 0 at every step")
    return eta


@dataclass(frozen=True)
class StepSums:
    """Σ_{t<T} η_t and Σ_{t<T} η_t² of float64 rates, each with a bound on its error."""

    first: float
    second: float
    first_error: float
    second_error: float


@finite_result
def step_sums(rates: Any, rate_error: float = 0.0) -> StepSums:
    """Σ η_t and Σ η_t² by ``math.fsum`` (correctly rounded: ½ ulp), given that each η_t is
    within ``rate_error`` of the exact rate: errors T·δ + ½ulp and Σ(2η_t + δ)δ + T·ε·η_t²
    (the squares' own rounding) + ½ulp."""
    eta = float_array("rates", rates)
    if eta.ndim != 1 or eta.size == 0 or not np.all(np.isfinite(eta)):
        raise ParameterError("rates", rates, "a non-empty finite 1-D array")
    delta = check_real("rate_error", rate_error, 0.0, lo_open=False)
    first = math.fsum(eta)
    second = math.fsum(eta * eta)
    first_err = eta.size * delta + EPS * abs(first) / 2
    second_err = (float(np.sum((2 * np.abs(eta) + delta) * delta))
                  + EPS * float(np.sum(eta * eta)) + EPS * abs(second) / 2)
    return StepSums(first, second, first_err, second_err)


def linear_loss_moments(rates: Any, g: float, sigma: float) -> tuple[float, float]:
    """(E, Var) of θ₀ − θ_T for SGD on L = gθ with gradient noise σξ_t: (gΣη_t, σ²Ση_t²)."""
    g = check_real("g", g)
    sigma = check_real("sigma", sigma, 0.0, lo_open=False)
    sums = step_sums(rates)
    return g * sums.first, sigma**2 * sums.second


def linear_loss_sgd(rates: Any, g: float, sigma: float) -> Kernel:
    """Monte Carlo kernel: every chain runs θ ← θ − η_t(g + σξ_t), ξ_t ~ N(0, 1), for the
    T = len(rates) steps from θ₀ = 0 and returns θ₀ − θ_T, shape (n, 1). Its mean is
    gΣη_t and its variance σ²Ση_t² exactly (:func:`linear_loss_moments`)."""
    eta = float_array("rates", rates)
    if eta.ndim != 1 or eta.size == 0 or not np.all(np.isfinite(eta)) or np.any(eta < 0):
        raise ParameterError("rates", rates, "a non-empty 1-D array of finite rates ≥ 0")
    g = check_real("g", g)
    sigma = check_real("sigma", sigma, 0.0, lo_open=False)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        noise = rng.normal(eta.size)
        theta = xp.zeros(rng.n, dtype=rng.dtype)
        for t in range(eta.size):
            theta -= float(eta[t]) * (g + sigma * noise[:, t])
        return (-theta)[:, None]

    return kernel


def rate_rounding(peak: float, exponent: float = 0.0) -> float:
    """A bound on the float64 error of one evaluation of a schedule's formula: ≤ 16
    roundings of size ε·η_peak, the cosine's argument error ≤ 3πε·η_peak, and a power γᵗ's
    relative error ≤ |t ln γ|ε (``exponent`` = the largest |t ln γ|) times η_peak."""
    return (16 + 3 * math.pi + check_real("exponent", exponent, 0.0, lo_open=False)) * EPS * (
        check_real("peak", peak, 0.0, lo_open=False))


def closed_form_checks(schedule: Schedule, exact_rates: Any, rate_error: float,
                       integrals_: tuple[float, float], sums: tuple[float, float] | None,
                       sum_is_integral: tuple[bool, bool] = (False, False),
                       breaks: Sequence[float] = ()) -> list[ModelCheck]:
    """A schedule's closed forms at numbers against its numerical evaluation, T steps:

    * the NumPy rates η_t against ``exact_rates`` (the SymPy formula, exact), within
      ``rate_error`` (:func:`rate_rounding`);
    * (∫₀ᵀη, ∫₀ᵀη²) = ``integrals_`` against QUADPACK between ``breaks``;
    * (Ση_t, Ση_t²) = ``sums`` (where derived) against fsum of the rates, and where a sum
      equals its integral (``sum_is_integral``) the integral against it; where it does not,
      the integral as an approximation of the sum (its relative error measured)."""
    steps = len(exact_rates)
    rates = rates_at_steps(schedule, steps)
    quadr = schedule_quadrature(schedule, steps, breaks)
    summed = step_sums(rates, rate_error)
    checks = [ModelCheck("max_t |η_t (NumPy) − η_t (SymPy formula, exact)|, t < T", 0.0,
                         float(np.max(np.abs(rates - np.asarray(exact_rates)))), rate_error,
                         "float64 evaluation of η: ≤ (16 + 3π + max|t ln γ|)ε·η_peak per step")]
    fsum_reason = "fsum (½ ulp) of rates each within the evaluation bound"
    for j, (name, total) in enumerate((("η", "Σ_{t<T}η_t"), ("η²", "Σ_{t<T}η_t²"))):
        value, err = ((quadr.first, quadr.first_error) if j == 0
                      else (quadr.second, quadr.second_error))
        closed = integrals_[j]
        checks.append(ModelCheck(f"∫₀ᵀ{name}: closed form vs QUADPACK", closed, value,
                                 err + EPS * abs(closed),
                                 "quad's error estimate between the breakpoints, plus rounding"))
        got, got_err = (summed.first, summed.first_error) if j == 0 else (
            summed.second, summed.second_error)
        if sums is not None:
            checks.append(ModelCheck(f"{total}: closed form (SymPy) vs fsum of the rates",
                                     sums[j], got, got_err + EPS * abs(sums[j]), fsum_reason))
        if sum_is_integral[j] and sums is None:
            checks.append(ModelCheck(f"{total} = ∫₀ᵀ{name} (derived) vs fsum of the rates",
                                     closed, got, got_err + EPS * abs(closed), fsum_reason))
        elif not sum_is_integral[j]:
            swing = riemann_swing(schedule, steps, j + 1, breaks)
            checks.append(ModelCheck(f"∫₀ᵀ{name} as the SGD sum {total}", closed, got, 0.0,
                                     "approximation: the sum over steps is a Riemann sum of "
                                     "the integral", exact=False,
                                     bound=(swing + err + got_err) / got + 4 * EPS,
                                     bound_reason="proved: |Σ_{t<T} f(t) − ∫₀ᵀf| ≤ Σ_t "
                                                  f"osc_[t,t+1) f = {swing:.3g} (f = {name}), "
                                                  "plus quad's and fsum's errors"))
    return checks


def riemann_swing(schedule: Schedule, steps: int, power: int,
                  breaks: Sequence[float] = ()) -> float:
    """Σ_{t<T} osc_[t,t+1) η^power: the bound on |Σ_{t<T} f(t) − ∫₀ᵀ f| for f = η^power,
    since |f(t) − ∫_t^{t+1} f| ≤ sup_[t,t+1) |f − f(t)|. η is monotone between its
    ``breaks`` (jumps, kinks, peaks), so each step's oscillation is read at its ends (the
    right one approached from inside), at the breaks inside it and on either side of them,
    and at 15 interior points; a jump at an integer does not count (it opens a step)."""
    inside = 1.0 - 64 * EPS * max(1.0, float(steps))
    grid = np.concatenate([np.linspace(0.0, 1.0, 17)[:-1], [inside]])
    total = 0.0
    for t in range(check_int("steps", steps, 1)):
        extra = [b + d for b in breaks if t < b < t + 1 for d in (0.0, -1e-12, 1e-12)]
        x = np.concatenate([t + grid, np.array(extra, dtype=float)])
        f = np.asarray(schedule(x), dtype=float) ** power
        total += float(np.max(f) - np.min(f))
    return total


@dataclass(frozen=True)
class Quadrature:
    """∫₀ᵀη and ∫₀ᵀη² by QUADPACK, with its error estimates (plus float64 rounding)."""

    first: float
    second: float
    first_error: float
    second_error: float


def schedule_quadrature(schedule: Schedule, upper: float,
                        breaks: Sequence[float] = ()) -> Quadrature:
    """∫₀^upper η and ∫₀^upper η² by adaptive Gauss–Kronrod (``scipy.integrate.quad``),
    split at ``breaks`` (the jumps and kinks, where η is not smooth). The error is quad's
    own estimate plus 8ε·|value| for the summation of the pieces."""
    upper = check_positive("upper", upper)
    cuts = sorted({0.0, upper, *(float(b) for b in breaks if 0.0 < float(b) < upper)})
    values = [0.0, 0.0]
    errors = [0.0, 0.0]
    for lo, hi in pairwise(cuts):
        # On [lo, hi) the schedule is smooth; evaluated inside, it never sees the jump at hi.
        for j, power in enumerate((1, 2)):
            v, e = quad(lambda x, p=power: float(schedule(x)) ** p, lo, hi, limit=200,
                        epsabs=1e-15, epsrel=1e-13)
            values[j] += v
            errors[j] += e
    return Quadrature(values[0], values[1], errors[0] + 8 * EPS * abs(values[0]),
                      errors[1] + 8 * EPS * abs(values[1]))


def exact_step_values(expr: sp.Expr, t: sp.Symbol, steps: int, digits: int = 30) -> FloatArray:
    """η(t) at t = 0 … T − 1 from a SymPy formula in exact numbers without jumps (no ⌊·⌋;
    a ``Piecewise`` is fine), each evaluated at ``digits`` significant digits (mpmath) and
    rounded once to float64. For a schedule that jumps use :func:`cell_step_values`."""
    steps = check_int("steps", steps, 1)
    if expr.has(sp.floor) or expr.free_symbols - {t}:
        raise ParameterError("expr", expr, f"a formula in {t} alone, without ⌊·⌋")
    f = sp.lambdify(t, expr, "mpmath")
    with mpmath.workdps(digits):
        return np.array([float(f(mpmath.mpf(k))) for k in range(steps)])


def cell_step_values(cells: Sequence[tuple[sp.Expr, sp.Expr, sp.Expr]], u: sp.Symbol,
                     steps: int, digits: int = 30) -> FloatArray:
    """η(t) at t = 0 … T − 1 of a schedule given on its cells: (start, length, η in u) with
    exact numeric start and length, t = start + length·u. A step is placed in its cell by
    exact rational comparison (so a step on a restart takes the value after the jump, the
    limit u → 0⁺); η there is evaluated at ``digits`` digits and rounded once to float64.
    Every step must lie in a cell."""
    steps = check_int("steps", steps, 1)
    out = np.full(steps, np.nan)
    with mpmath.workdps(digits):
        for start, length, rate in cells:
            f = sp.lambdify(u, rate, "mpmath")
            first, end = sp.ceiling(start), start + length
            for k in range(max(int(first), 0), steps):
                if k >= end:
                    break
                out[k] = float(f(mpmath.mpf(sp.Rational(k - start) / length)))
    if np.isnan(out).any():
        raise ParameterError("cells", cells, f"cells covering every step 0 … {steps - 1}")
    return out
