"""GD on the quartic double well L(x) = (x² − 1)²/4, numerically (claim N2).

The map f(x) = x − η(x³ − x) and its closed forms come from
:mod:`lrtheory.symbolic.quartic_gd`; this module runs them through the generic machinery:

* :func:`family`: f as a :class:`~lrtheory.models.bifurcation.MapFamily` (floats, arrays,
  mpmath numbers and intervals);
* :func:`cascade`: the flips of the 1-, 2-, …, 128-cycles by Newton at 40 digits, each
  certified by a sign change of (f^k)' + 1, started from rough guesses (η = 0.95 and 1.25
  for the first two, extrapolated later), so that the closed forms η₁ = 1 and η₂ = √5 − 1
  are checked, not assumed; their Feigenbaum ratios δ_n with the tail bounds of
  :func:`~lrtheory.models.bifurcation.geometric_tail` and
  :func:`~lrtheory.models.bifurcation.aitken_limit`;
* :func:`window_cells`: certified trapping boxes (interval arithmetic) of the attracting
  k-cycle over the Monte Carlo window ``WINDOWS[k]``, k = 1, 2;
* :func:`attracting_cycle`: that cycle at one η by Newton in mpmath (50 digits);
* :func:`arcsine_lyapunov_kernel` and :func:`chebyshev_rounding_bias`: the Monte Carlo at
  η = 2, where x = √2 cos θ conjugates f to θ ↦ 3θ and the arcsine law is invariant.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from lrtheory.errors import ParameterError, check_int, check_real
from lrtheory.models.bifurcation import (
    Flip,
    MapFamily,
    PeriodicOrbit,
    Value,
    aitken_limit,
    difference_ratios,
    feigenbaum_ratios,
    finite_time_lyapunov,
    flip_cascade,
    geometric_tail,
    periodic_orbit,
)
from lrtheory.models.rounding import EPS
from lrtheory.models.trapping import Contraction, certify_window
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.symbolic.quartic_gd import ETA, WINDOWS, X, derivation

CASCADE_LEVELS = 8  # flips of the 1-, 2-, …, 128-cycles
WINDOW_RADIUS = {1: 0.05, 2: 0.005}  # half-width of the trapping boxes around the cycle
WINDOW_PIECES = 16  # parameter pieces per window, one box each


@functools.cache
def family() -> MapFamily:
    """GD on (x² − 1)²/4 as a map family in (x, η)."""
    return MapFamily.from_sympy(derivation()[1].f, X, ETA)


def numeric(expr: sp.Expr, module: str = "math") -> Any:
    """A closed form in η as a function of η (``module``: "math", "numpy" or "mpmath")."""
    return sp.lambdify(ETA, expr, modules=module)


def exact_at(expr: sp.Expr, eta: float) -> float:
    """expr at the decimal η (taken exactly), evaluated to 50 digits, rounded to double."""
    return float(sp.N(expr.subs(ETA, sp.Rational(repr(check_real("eta", eta)))), 50))


@dataclass(frozen=True)
class Cascade:
    """The flips, the Feigenbaum ratios δ₂, δ₃, … with their certified errors, the ratios
    r_n of their successive differences, and the two bounds on their limit."""

    flips: tuple[Flip, ...]
    ratios: tuple[Value, ...]
    difference_ratios: tuple[float, ...]
    tail: Value  # δ_last, bound on |δ − δ_last| if no later r_n exceeds the largest observed
    limit: Value  # Aitken's Δ², bound if every later r_n stays in the observed range


@functools.cache
def cascade() -> Cascade:
    """The flip cascade of the 1-, …, 2^{CASCADE_LEVELS−1}-cycles (module docstring)."""
    crit = numeric(derivation()[1].critical)
    flips = flip_cascade(family(), crit, [(0.8, 0.95), (1.18, 1.25)], CASCADE_LEVELS, dps=40)
    ratios = feigenbaum_ratios(flips)
    values = [r.value for r in ratios]
    return Cascade(flips, ratios, tuple(difference_ratios(values)), geometric_tail(values),
                   aitken_limit(values, max(r.error for r in ratios)))


def _check_period(k: int) -> int:
    if check_int("k", k, 1) not in WINDOWS:
        raise ParameterError("k", k, f"a period with a Monte Carlo window, one of {list(WINDOWS)}")
    return k


@functools.cache
def window_cells(k: int) -> tuple[Contraction, ...]:
    """Certified trapping boxes of the attracting k-cycle's largest point over WINDOWS[k]."""
    closed = derivation()[1]
    lo, hi = (float(v) for v in WINDOWS[_check_period(k)])
    return certify_window(family(), k, numeric(closed.cycle_point[k]), WINDOW_RADIUS[k],
                          (lo, hi), WINDOW_PIECES)


def attracting_cycle(k: int, eta: float) -> PeriodicOrbit:
    """The attracting k-cycle (k = 1, 2) at the decimal η (taken exactly) by Newton in
    mpmath (50 digits), started off the cycle, at the critical value. It attracts for η
    between the flips (0, η₁) (k = 1) or (η₁, η₂) (k = 2), η₁ = 1, η₂ = √5 − 1."""
    edges = (0.0, *(float(f) for f in derivation()[1].flips))
    eta = check_real("eta", eta, edges[_check_period(k) - 1], edges[k])
    with mpmath.workdps(50):
        e = mpmath.mpf(repr(eta))
        start = family().f(numeric(derivation()[1].critical, "mpmath")(e), e)
        return periodic_orbit(family(), e, start, k)


def arcsine_lyapunov_kernel(eta: float, steps: int) -> Kernel:
    """Monte Carlo kernel: x₀ = √2 cos(πU), the arcsine law on [−√2, √2] (invariant at
    η = 2), and each chain's finite-time Lyapunov exponent over ``steps`` steps."""
    eta = check_real("eta", eta)
    check_int("steps", steps, 1)
    fam = family()

    def kernel(rng: ChunkRNG) -> Any:
        x0 = math.sqrt(2.0) * rng.xp.cos(math.pi * rng.uniform())
        return finite_time_lyapunov(fam, eta, x0, 0, steps, rng.xp)

    return kernel


#: Rounding of one step of f(x) = −ηx³ + ηx + x at η = 2 on |x| ≤ √2: ≤ 8ε·Σ|terms| ≤ 8ε·10.
_STEP_ROUNDING = 8 * EPS * 10.0
#: The zeros ±a, a = 1/√2, of f'(x) = 3 − 6x², and the reach r₀ = 1 − a around them on which
#: the arcsine density 1/(π√(2 − x²)) stays ≤ 1/π (it rises towards ±√2).
_A = 1.0 / math.sqrt(2.0)
_R0 = 1.0 - _A
#: |ln|f̂'|| for a float f̂' = ((−6x̂²) + 2) + 1 ≠ 0: near a zero −6x̂² ∈ [−4, −2] is a multiple
#: of 2⁻⁵¹ and both additions are exact (Sterbenz), so |f̂'| ≥ 2⁻⁵¹; elsewhere |f̂'| ≤ 9.
_LOG_FLOOR = 51 * math.log(2.0)


def _orbit_errors() -> list[float]:
    """Δ_t, t = 0, 1, …, while 2Δ_t ≤ r₀: the float orbit stays within Δ_t of the exact
    one, Δ₀ = 80ε (rounding of √2 cos πU) and Δ_{t+1} = L(Δ_t)·Δ_t + 80ε with
    L(Δ) = 6(√2 + Δ)² − 3 ≥ |f'| on |x| ≤ √2 + Δ."""
    errs = [_STEP_ROUNDING]
    while 2 * errs[-1] <= _R0:
        d = errs[-1]
        errs.append((6 * (math.sqrt(2.0) + d) ** 2 - 3) * d + _STEP_ROUNDING)
    return errs[:-1]


#: The most steps for which :func:`chebyshev_rounding_bias` holds (2Δ_t ≤ r₀ for t < steps).
CHEBYSHEV_MAX_STEPS = len(_orbit_errors())


def _log_derivative_shift(d: float) -> float:
    """Bound on E|ln|f'(x̂)| − ln|f'(x)|| for x arcsine on [−√2, √2], |x̂ − x| ≤ d ≤ r₀/2.

    ln|f'(x)| = ln 6 + ln|x − a| + ln|x + a|. Off the bands |x ∓ a| < 2d each log moves by
    |ln|1 + e/u|| ≤ 2 ln 2·d/|u| (|e/u| ≤ ½), and E[1/|u|; |u| ≥ 2d] ≤ (2/π)ln(r₀/2d) + 1/r₀
    (density ≤ 1/π within r₀ of ±a). Each band has mass ≤ 4d/π, and on it |ln|f̂'|| ≤
    51 ln 2 while ∫_band |ln|f'|| ≤ (4d/π)(ln 10.3 + 1 + ln(1/2d)) (6|x ± a| ≤ 10.3 there)."""
    off = 2 * 2 * math.log(2.0) * d * (2 / math.pi * math.log(_R0 / (2 * d)) + 1 / _R0)
    band = 2 * 4 * d / math.pi * (_LOG_FLOOR + math.log(10.3) + 1 + math.log(1 / (2 * d)))
    return off + band


def chebyshev_rounding_bias(steps: int) -> float:
    """Upper bound on the rounding bias of the mean exponent over ``steps`` steps at η = 2:
    (1/T) Σ_{t<T} of the :func:`_log_derivative_shift` bound at the orbit error Δ_t of
    :func:`_orbit_errors` (x_t is arcsine-distributed for every t, so each term compares a
    float value with an exact one under the invariant law). Valid while 2Δ_t ≤ r₀ = 1 − 1/√2
    for every t < T, i.e. T ≤ ``CHEBYSHEV_MAX_STEPS`` (the orbit error grows ≈ 9× a step);
    the uniform grid of U itself (spacing ≤ 2⁻⁵³) is not modelled."""
    check_int("steps", steps, 1, CHEBYSHEV_MAX_STEPS)
    return sum(_log_derivative_shift(d) for d in _orbit_errors()[:steps]) / steps
