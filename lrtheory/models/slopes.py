"""Rates measured, not eyeballed: log-log slopes with intervals, and bounds at every t.

A rate statement "y_t = O(t^p)" (a loss gap, an error) is checked in two ways:

* its **exponent is measured**: the least-squares slope of ln y on ln t over a window of
  steps t₁ < … < t_K (:func:`loglog_slope`, vectorised over replicates and over any array
  module), with a confidence interval either from independent replicates, one slope each
  (:func:`replicate_interval`: mean ± Student t · sd/√n), or from independent estimates of y
  at each t with their standard errors (:func:`estimate_interval`, the delta method
  Var ln ŷ ≈ (se/y)²), or as a mean of per-replicate slopes with its standard error
  (:func:`normal_interval`);
* its **bound is checked at every t**, not at a few: :func:`bound_check` turns the largest
  relative excess max_t (y_t − B_t)/B_t into a one-sided :class:`~lrtheory.claim.ModelCheck`
  (only an excess counts), :func:`within_bound` gives the per-replicate 0/1 indicator for a
  Monte Carlo proportion, :func:`first_violation` the first t where a bound fails.

The slope is a linear functional of ln y: with u_k = ln t_k and ū their mean,

    slope = Σ_k w_k ln y_k,    w_k = (u_k − ū) / Σ_j (u_j − ū)²,    Σ_k w_k = 0,

so a constant factor in y (an initial distance, a Lipschitz constant) drops out.

For a linear method on a quadratic started from a Gaussian point, each replicate's curve is a
Gaussian quadratic form Q_k = Σ_i a_ki z_i², z ~ N(0, I), and the mean of its measured slope
is known exactly (:func:`gaussian_slope_mean`) from Frullani's integral and the Laplace
transform E e^{−sQ} = Π_i (1 + 2a_i s)^{−1/2}:

    E ln Q = ∫₀^∞ (e^{−s} − Π_i (1 + 2a_i s)^{−1/2}) ds/s,

which turns "the measured slope" into a statistic with an exact prediction.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from lrtheory.arrays import namespace
from lrtheory.claim import ModelCheck
from lrtheory.errors import ParameterError, check_int, check_probability, check_real, float_array
from lrtheory.montecarlo.stats import SampleStatistic, mean_statistic

# --------------------------------------------------------------------------------------
# The slope itself
# --------------------------------------------------------------------------------------


def _steps(t: Any) -> np.ndarray:
    u = float_array("t", t)
    if u.ndim != 1 or u.size < 2 or not np.all(np.isfinite(u)) or np.any(u <= 0) or np.any(
            np.diff(u) <= 0):
        raise ParameterError("t", t, "at least two finite, positive, increasing steps")
    return u


def slope_weights(t: Any) -> np.ndarray:
    """w with slope = Σ_k w_k ln y_k: the least-squares slope of ln y on ln t as a linear
    functional (Σ w_k = 0 and Σ w_k ln t_k = 1, so ln y = p ln t + c gives exactly p)."""
    u = np.log(_steps(t))
    c = u - u.mean()
    w: np.ndarray = c / float(np.sum(c * c))
    return w


def loglog_slope(t: Any, y: Any) -> Any:
    """The least-squares slope of ln y on ln t along the last axis of ``y`` (shape (..., K),
    K = len(t)): one slope per replicate, on the array module of ``y`` (NumPy or CuPy)."""
    w = slope_weights(t)
    xp = namespace(y)
    values = xp.asarray(y)
    if values.shape[-1:] != (w.size,):
        raise ParameterError("y", tuple(values.shape), f"an array with last axis {w.size}")
    if not bool(xp.all(values > 0)) or not bool(xp.all(xp.isfinite(values))):
        raise ParameterError("y", "non-positive or non-finite entries",
                             "finite and > 0 (its logarithm is fitted)")
    return xp.log(values) @ xp.asarray(w, dtype=values.dtype)


def local_slopes(t: Any, y: Any) -> np.ndarray:
    """ln(y_{k+1}/y_k)/ln(t_{k+1}/t_k): the exponent between successive steps (NumPy)."""
    u = np.log(_steps(t))
    v = float_array("y", y)
    if v.shape[-1:] != u.shape or np.any(v <= 0) or not np.all(np.isfinite(v)):
        raise ParameterError("y", np.shape(y), f"finite and > 0, last axis {u.size}")
    out: np.ndarray = np.diff(np.log(v), axis=-1) / np.diff(u)
    return out


# --------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------


class SlopeInterval(NamedTuple):
    """A measured slope with its standard error and a (``level``) confidence interval."""

    slope: float
    se: float
    n: int  #: replicates (or chains behind the estimates) it rests on
    level: float
    lo: float
    hi: float

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def statistic(self) -> SampleStatistic:
        """The slope as a Monte Carlo mean statistic (value, standard error, n)."""
        return mean_statistic(self.slope, self.se, self.n)

    def __str__(self) -> str:
        return (f"{self.slope:.4f} ± {self.se:.2g} ({self.level:.0%} CI [{self.lo:.4f}, "
                f"{self.hi:.4f}], n = {self.n})")


def replicate_interval(slopes: Any, level: float = 0.95) -> SlopeInterval:
    """Mean of independent per-replicate slopes ± the Student-t quantile × sd/√n."""
    from scipy.special import stdtrit  # the t quantile without importing scipy.stats

    s = float_array("slopes", slopes).ravel()
    if s.size < 2 or not np.all(np.isfinite(s)):
        raise ParameterError("slopes", np.shape(slopes), "at least two finite slopes")
    level = check_probability("level", level)
    mean, se = float(s.mean()), float(s.std(ddof=1) / math.sqrt(s.size))
    half = float(stdtrit(s.size - 1, 0.5 + level / 2)) * se
    return SlopeInterval(mean, se, s.size, level, mean - half, mean + half)


def normal_interval(slope: float, se: float, n: int, level: float = 0.95) -> SlopeInterval:
    """A slope estimated with standard error ``se`` (a Monte Carlo mean of per-replicate
    slopes over ``n`` replicates, say) ± the normal quantile × se."""
    from scipy.special import ndtri

    if not math.isfinite(slope):
        raise ParameterError("slope", slope, "a finite number")
    se = check_real("se", se, 0.0, lo_open=False)
    n = check_int("n", n, 1)
    level = check_probability("level", level)
    half = float(ndtri(0.5 + level / 2)) * se
    return SlopeInterval(float(slope), se, n, level, slope - half, slope + half)


def estimate_interval(t: Any, means: Any, ses: Any, n: int,
                      level: float = 0.95) -> SlopeInterval:
    """The slope of ln ŷ_k on ln t_k from *independent* estimates ŷ_k ± se_k (one per t),
    with the delta-method standard error √(Σ w_k² (se_k/ŷ_k)²) and a normal interval;
    ``n``: the smallest number of replicates behind an estimate (for the record)."""
    w = slope_weights(t)
    m, e = float_array("means", means), float_array("ses", ses)
    if m.shape != w.shape or e.shape != w.shape or np.any(m <= 0) or np.any(e < 0):
        raise ParameterError("means", (np.shape(means), np.shape(ses)),
                             f"{w.size} positive means and {w.size} standard errors ≥ 0")
    n = check_int("n", n, 1)
    level = check_probability("level", level)
    slope = float(w @ np.log(m))
    return normal_interval(slope, float(math.sqrt(float(np.sum((w * e / m) ** 2)))), n, level)


# --------------------------------------------------------------------------------------
# The exact mean slope of Gaussian quadratic forms
# --------------------------------------------------------------------------------------


U_LO, U_HI = -60.0, 80.0  #: the range of u = ln s integrated (tails bounded in the code)


def gaussian_log_mean(weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """(E ln Q_k, quadrature error estimate) for Q_k = Σ_i a_ki z_i², z ~ N(0, I), each row
    of ``weights`` (shape (K, d), entries ≥ 0, every row with a positive entry).

    Frullani: ln q = ∫₀^∞ (e^{−s} − e^{−qs}) ds/s for q > 0, and E e^{−sQ} = Π_i (1 +
    2a_i s)^{−1/2}; SciPy's adaptive ``quad_vec`` integrates all rows at once on
    s = e^u, u ∈ ℝ (scaled by each row's total so that the integrand's transition sits near
    u = 0), with its own error estimate returned per row.
    """
    from scipy.integrate import quad_vec

    a = float_array("weights", weights)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a.sum(axis=1) <= 0):
        raise ParameterError("weights", np.shape(weights),
                             "a finite (K, d) array ≥ 0 with a positive entry in every row")
    scale = a.sum(axis=1)
    b = a / scale[:, None]  # E ln Q = ln(scale) + E ln Σ b_i z_i², Σ b_i = 1

    def integrand(u: float) -> np.ndarray:
        s = math.exp(u)
        out: np.ndarray = math.exp(-s) - np.exp(-0.5 * np.sum(np.log1p(2.0 * s * b), axis=1))
        return out  # (…)/s · ds = (…) du

    value, err = quad_vec(integrand, U_LO, U_HI, epsabs=1e-13, epsrel=1e-12, limit=400)
    # The cut tails. Below U_LO: (1 + x)^{−1/2} ≥ e^{−x/2} gives e^{−s} ≤ Π ≤ 1, and e^{−s}
    # ≥ 1 − s, so |integrand| ≤ s and ∫ ≤ e^{U_LO}. Above U_HI: e^{−s} ∫ is below any float,
    # and Π ≤ (1 + 2 b_max s)^{−1/2} ≤ (2 b_max e^u)^{−1/2}, whose integral is
    # 2 (2 b_max e^{U_HI})^{−1/2}.
    tail = math.exp(U_LO) + 2.0 / np.sqrt(2.0 * b.max(axis=1) * math.exp(U_HI))
    return np.log(scale) + np.asarray(value), np.asarray(err) + tail


def gaussian_slope_mean(t: Any, weights: Any) -> tuple[float, float]:
    """(E[slope], error bound) of the measured log-log slope of Q_k = Σ_i a_ki z_i² over the
    steps ``t`` (``weights`` of shape (K, d), row k at t_k): Σ_k w_k E ln Q_k exactly, up to
    Σ_k |w_k| × the quadrature error of :func:`gaussian_log_mean`."""
    w = slope_weights(t)
    a = float_array("weights", weights)
    if a.ndim != 2 or a.shape[0] != w.size:
        raise ParameterError("weights", np.shape(weights), f"an array of {w.size} rows")
    mean, err = gaussian_log_mean(a)
    return float(w @ mean), float(np.abs(w) @ err)


# --------------------------------------------------------------------------------------
# Bounds at every t
# --------------------------------------------------------------------------------------

BOUND_REASON = ("one-sided: only values above the bound count (closed form 0 = no excess); "
                "tolerance = the float64 rounding of the computed values")


def _pair(values: Any, bound: Any) -> tuple[np.ndarray, np.ndarray]:
    v, b = float_array("values", values), float_array("bound", bound)
    try:
        v, b = np.broadcast_arrays(v, b)
    except ValueError:
        raise ParameterError("bound", np.shape(bound), f"broadcastable to {np.shape(values)}") \
            from None
    if not np.all(np.isfinite(v)) or not np.all(np.isfinite(b)) or np.any(b <= 0):
        raise ParameterError("bound", "non-finite values or a bound ≤ 0",
                             "finite values and a positive bound")
    return v, b


def bound_ratio(values: Any, bound: Any) -> np.ndarray:
    """y_t / B_t elementwise: ≤ 1 wherever the bound holds."""
    v, b = _pair(values, bound)
    out: np.ndarray = v / b
    return out


def first_violation(t: Any, values: Any, bound: Any, rel_tol: float = 0.0) -> float | None:
    """The first t with y_t > B_t(1 + rel_tol) (``values`` 1-D along t), or None."""
    steps = float_array("t", t)
    v, b = _pair(values, bound)
    if v.ndim != 1 or steps.shape != v.shape:
        raise ParameterError("t", np.shape(t), f"one step per value, shape {v.shape}")
    rel_tol = check_real("rel_tol", rel_tol, 0.0, lo_open=False)
    bad = np.flatnonzero(v > b * (1.0 + rel_tol))
    return float(steps[bad[0]]) if bad.size else None


def bound_check(name: str, t: Any, values: Any, bound: Any, rel_tol: float,
                reason: str = BOUND_REASON) -> ModelCheck:
    """"y_t ≤ B_t at every t" as a one-sided ModelCheck: model = max(0, max_t (y_t − B_t)/B_t)
    (over all axes), closed form 0, tolerance ``rel_tol`` (a relative rounding bound). The
    name records the largest ratio y_t/B_t and where it occurs, so a loose bound shows."""
    v, b = _pair(values, bound)
    rel_tol = check_real("rel_tol", rel_tol, 0.0, lo_open=False)
    ratio = v / b
    i = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    steps = np.broadcast_to(float_array(name, t), ratio.shape)
    excess = max(0.0, float(ratio[i]) - 1.0)
    return ModelCheck(f"{name}: max y/bound = {float(ratio[i]):.4g} at t = {steps[i]:g}",
                      0.0, excess, rel_tol, reason)


def within_bound(values: Any, bound: Any, rel_tol: float = 0.0) -> Any:
    """Per replicate (leading axes), 1.0 if y_t ≤ B_t(1 + rel_tol) along the whole last
    axis, else 0.0; on the array module of ``values`` (for a Monte Carlo proportion)."""
    xp = namespace(values, bound)
    rel_tol = check_real("rel_tol", rel_tol, 0.0, lo_open=False)
    ok = xp.all(values <= bound * (1.0 + rel_tol), axis=-1)
    return ok.astype(values.dtype)
