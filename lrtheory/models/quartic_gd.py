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
    mpmath (50 digits), started off the cycle, at the critical value."""
    _check_period(k)
    with mpmath.workdps(50):
        e = mpmath.mpf(repr(check_real("eta", eta)))
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


def chebyshev_rounding_bias(steps: int) -> float:
    """First-order estimate of the rounding bias of the exponent over ``steps`` steps at
    η = 2: each step errs by δ ≤ 8ε·Σ|terms| ≤ 8ε·10, amplified by ≤ |f'| ≤ 9 per step, so
    the orbit is within Δ_t = δ(9^t − 1)/8 of the exact one; ln|f'| moves by ≲ 4Δ(1 +
    ln(1/Δ)) on average over the arcsine law (its log singularities are integrable)."""
    check_int("steps", steps, 1)
    delta = 8 * EPS * 10.0
    errs = [delta * (9.0**t - 1) / 8 for t in range(1, steps)]
    return sum(4 * d * (1 + math.log(1 / d)) for d in errs) / steps
