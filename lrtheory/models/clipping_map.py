"""Clipped gradient descent on f(x) = (λ/2)x²: the parameters and the map in floats, arrays
and exact rationals.

    F(x) = x − η·clip(λx),   clip(g) = g·min(1, C/|g|),

the linear branch (1 − ηλ)x for |x| ≤ C/λ and the clipped branches x − ηC·sgn x beyond.
:func:`exact_landing` iterates it in exact rationals until it lands on a cycle and
:func:`predicted_landing` is the derived landing map for ηλ ≥ 2. The SymPy map, its
amplitude law and the Monte Carlo kernel are :mod:`lrtheory.models.clipping`, which also
exports everything here.
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Rational
from typing import Any

import numpy as np

from lrtheory.errors import ParameterError, check_int, check_positive

__all__ = [
    "LOG_RANGE",
    "N_PERIODS",
    "check_clipping",
    "clipped_gd_step",
    "exact_landing",
    "exact_step",
    "predicted_landing",
    "start_grid",
]

#: Magnitudes of the log-uniform starts, in units of C/λ (8 decades).
LOG_RANGE = (1e-6, 1e2)
#: Uniform starts on [−N ηC, N ηC]: whole periods of the landing map.
N_PERIODS = 3

# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


def check_clipping(eta: float, lam: float, C: float) -> tuple[float, float, float]:
    """Validate the clipped-GD parameters: η, λ and C must be positive and finite."""
    return check_positive("eta", eta), check_positive("lam", lam), check_positive("C", C)


def _rational(name: str, value: object, positive: bool = False) -> Fraction:
    """An exact rational (int or Fraction), positive if asked."""
    if isinstance(value, bool) or not isinstance(value, Rational):
        raise ParameterError(name, value, "an exact rational (int or fractions.Fraction)")
    q = Fraction(value)
    if positive and q <= 0:
        raise ParameterError(name, value, "a rational in (0, inf)")
    return q


def _rationals(eta: object, lam: object, C: object) -> tuple[Fraction, Fraction, Fraction]:
    return (_rational("eta", eta, True), _rational("lam", lam, True),
            _rational("C", C, True))


# --------------------------------------------------------------------------------------
# The map in floats, arrays and exact rationals
# --------------------------------------------------------------------------------------


def clipped_gd_step(x: Any, eta: Any, lam: float, C: float, xp: Any = np) -> Any:
    """One step x − η·clip(λx) on arrays; clip(g) = g·min(1, C/|g|) is the clamp to [−C, C].

    ``eta`` is a positive number, or a NumPy array of positive step sizes broadcastable
    against ``x`` (one orbit per η, as in the bifurcation figure)."""
    if isinstance(eta, np.ndarray):
        if eta.size == 0 or not bool(np.all(np.isfinite(eta) & (eta > 0))):
            raise ParameterError("eta", eta, "an array of numbers in (0, inf)")
        check_positive("lam", lam)
        check_positive("C", C)
    else:
        eta, lam, C = check_clipping(eta, lam, C)
    return x - eta * xp.clip(lam * x, -C, C)


def _exact_step(x: Fraction, eta: Fraction, lam: Fraction, C: Fraction) -> Fraction:
    g = lam * x
    return x - eta * (g * (C / abs(g)) if abs(g) > C else g)


def exact_step(x: Fraction, eta: Fraction, lam: Fraction, C: Fraction) -> Fraction:
    """The source's update in exact rational arithmetic, clip(g) = g·min(1, C/|g|)
    (the minimum is 1 unless |g| > C, so C/|g| is only formed there)."""
    return _exact_step(_rational("x", x), *_rationals(eta, lam, C))


def exact_landing(x0: Fraction, eta: Fraction, lam: Fraction, C: Fraction,
                  horizon: int) -> tuple[int | None, Fraction, Fraction]:
    """Iterate exactly until x_{t+2} = x_t (x_t has period 1 or 2): (t, x_t, x_{t+1}).

    Returns (None, x_T, x_{T+1}) if no such t ≤ ``horizon`` exists.
    """
    x0 = _rational("x0", x0)
    eta, lam, C = _rationals(eta, lam, C)
    check_int("horizon", horizon, 0)
    a, b = x0, _exact_step(x0, eta, lam, C)
    for t in range(horizon + 1):
        c = _exact_step(b, eta, lam, C)
        if c == a:
            return t, a, b
        a, b = b, c
    return None, a, b


def predicted_landing(x0: Fraction, eta: Fraction, lam: Fraction,
                      C: Fraction) -> tuple[int, Fraction]:
    """The derived landing map for ηλ ≥ 2, in units u = λx/C, a = ηλ: (steps, landing point).

    |u₀| > a − 1 descends by a per step to w = |u₀| − ka ∈ (−1, a − 1], k = ⌈(|u₀| − a + 1)/a⌉;
    a w with 1 ≤ |w| (or any w when a = 2, or w = 0) is on a cycle already; otherwise the
    linear branch multiplies by 1 − a until the first n with (a − 1)ⁿ|w| ≥ 1.
    """
    x0 = _rational("x0", x0)
    eta, lam, C = _rationals(eta, lam, C)
    a, unit = eta * lam, C / lam
    if a < 2:
        raise ParameterError("eta", float(eta), f"at least 2/lam = {float(2 / lam):g}")
    sign, v = (1 if x0 >= 0 else -1), abs(x0) / unit
    k = max(0, math.ceil((v - (a - 1)) / a))
    w = v - k * a
    n = 0
    while a > 2 and w != 0 and abs(w) * (a - 1) ** n < 1:
        n += 1
    return k + n, sign * w * (1 - a) ** n * unit


def start_grid(eta: Fraction, lam: Fraction, C: Fraction, per_unit: int = 20) -> list[Fraction]:
    """Starts: a uniform grid of step (C/λ)/per_unit on [−(N+1)ηC, (N+1)ηC], log-spaced
    magnitudes over ``LOG_RANGE`` and the special points (threshold, cycle ends, ηCℤ)."""
    eta, lam, C = _rationals(eta, lam, C)
    check_int("per_unit", per_unit, 1)
    unit = C / lam
    a = eta * lam
    reach = math.ceil((N_PERIODS + 1) * a * per_unit)
    grid = {Fraction(j, per_unit) * unit for j in range(-reach, reach + 1)}
    grid |= {Fraction(10.0 ** e).limit_denominator(10**12) * unit * sgn
             for e in np.linspace(np.log10(LOG_RANGE[0]), np.log10(LOG_RANGE[1]), 33)
             for sgn in (1, -1)}
    special = [unit, a * unit / 2, (a - 1) * unit, eta * C, 2 * eta * C, eta * C / 3]
    grid |= {sgn * p for p in special for sgn in (1, -1)}
    return sorted(grid)
