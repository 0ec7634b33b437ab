"""Power iteration and the learning rate η = 2s/λ̂ set from it (claim S7).

From v₀ with eigen-components c_i, λ̂_k = R(H^k v₀) (k products, one more for the Rayleigh
quotient R) is a weighted mean of the eigenvalues, so λ̂_k ≤ λ_max. For a two-level spectrum
(λ_max once, μ = rλ_max on the other d − 1 directions) and u = c₁²/‖c‖² the relative error is
ε_k = (1 − r)·a(1 − u)/(u + a(1 − u)), a = r^{2k}; a Gaussian start gives
u ~ Beta(1/2, (d − 1)/2). The rate η = 2s/λ̂ is unstable iff λ̂ ≤ sλ_max iff
tan²θ₀ = (1 − u)/u ≥ τ_k = (1 − s)/((s − r) r^{2k}) (never when r ≥ s), an event of
probability P(F(d − 1, 1) ≥ τ_k/(d − 1)). A :class:`Spike` multiplies λ_max for a few steps;
the exact laws of a run through it are products and sums over its steps, because every step
draws a fresh start.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from scipy.integrate import quad
from scipy.special import betaln, digamma, fdtrc

from lrtheory.arrays import namespace
from lrtheory.errors import (
    MAX_STEPS,
    check_int,
    check_positive,
    check_real,
    check_reals,
    float_array,
)

Array = np.ndarray[Any, Any]


# --------------------------------------------------------------------------------------
# The estimate and its error
# --------------------------------------------------------------------------------------


def power_iteration(hvp: Callable[[Any], Any], v0: Any, k: int) -> tuple[Any, Any]:
    """k normalised power iterations v ← Hv/‖Hv‖ over the last axis of ``v0`` (a batch), then
    the Rayleigh quotient λ̂ = vᵀHv / vᵀv from one more product: λ̂ = R(H^k v₀)."""
    k = check_int("k", k, 0)
    xp = namespace(v0)
    v = v0
    for _ in range(k):
        v = hvp(v)
        v = v / xp.sqrt(xp.sum(v * v, axis=-1, keepdims=True))
    return v, xp.sum(v * hvp(v), axis=-1) / xp.sum(v * v, axis=-1)


def relative_error(u: Any, r: float, k: int) -> Any:
    """(λ_max − λ̂_k)/λ_max = (1 − r)·a(1 − u)/(u + a(1 − u)), a = r^{2k}, two-level spectrum."""
    a = check_real("r", r, 0.0, 1.0) ** (2 * check_int("k", k, 0))
    u = check_reals("u", u, 0.0, 1.0, lo_open=False, hi_open=False)
    return (1.0 - r) * a * (1.0 - u) / (u + a * (1.0 - u))


# --------------------------------------------------------------------------------------
# When η = 2s/λ̂ is unstable, and how often
# --------------------------------------------------------------------------------------


def failure_threshold(k: int, r: float, s: float) -> float:
    """τ_k = (1 − s)/((s − r) r^{2k}): η = 2s/λ̂_k is unstable iff tan²θ₀ ≥ τ_k (∞ if r ≥ s,
    or if τ_k lies beyond float64: then no start with a float tan²θ₀ fails either)."""
    k = check_int("k", k, 0, MAX_STEPS)
    r = check_real("r", r, 0.0, 1.0)
    s = check_real("s", s, 0.0, 1.0)
    below = (s - r) * r ** (2 * k)  # underflows to 0 for large k
    return math.inf if r >= s or below == 0.0 else (1.0 - s) / below


def failure_probability(k: int, r: float, s: float, d: int) -> float:
    """P(λ̂_k ≤ sλ_max) for v₀ ~ N(0, I_d): tan²θ₀ = χ²_{d−1}/χ²_1, so this is the upper tail
    of Fisher's F(d − 1, 1) at τ_k/(d − 1)."""
    d = check_int("d", d, 2)
    tau = failure_threshold(k, r, s)
    return 0.0 if math.isinf(tau) else float(fdtrc(d - 1, 1, tau / (d - 1)))


def failure_asymptote(k: int, r: float, s: float, d: int) -> float:
    """The large-τ_k form 2/(B(1/2, (d − 1)/2)·√τ_k) ∝ r^k of :func:`failure_probability`."""
    d = check_int("d", d, 2)
    tau = failure_threshold(k, r, s)
    return 0.0 if math.isinf(tau) else 2.0 * math.exp(-betaln(0.5, (d - 1) / 2)) / math.sqrt(tau)


def safe_iterations(tan2: Any, r: float, s: float) -> Any:
    """The fewest k with λ̂_k > sλ_max for a start with tan²θ₀ = ``tan2``:
    max(0, ⌊ln(tan²θ₀ (s − r)/(1 − s)) / (2 ln(1/r))⌋ + 1); 0 when r ≥ s."""
    if failure_threshold(0, r, s) == math.inf:  # r ≥ s (and both checked)
        return np.zeros_like(float_array("tan2", tan2), dtype=np.int64)
    tan2 = check_reals("tan2", tan2, 0.0, lo_open=False)
    with np.errstate(divide="ignore"):  # tan²θ₀ = 0: the start is on the top eigenvector
        x = np.log(np.asarray(tan2) * (s - r) / (1.0 - s)) / (2.0 * math.log(1.0 / r))
    return np.where(x < 0, 0, np.floor(x) + 1).astype(np.int64)


# --------------------------------------------------------------------------------------
# Expectations over a Gaussian start
# --------------------------------------------------------------------------------------


#: Digits of the independent mpmath evaluation that checks QUADPACK in :func:`start_expectation`.
CHECK_DPS = 30


def start_expectation(g: Callable[[Any, Callable[[Any], Any]], Any], d: int,
                      breakpoints: Sequence[Any] = ()) -> tuple[float, float]:
    """E g(u) for u = c₁²/‖c‖² ~ Beta(1/2, (d − 1)/2), and a bound on its quadrature error.

    With u = w² the density becomes 2(1 − w²)^{(d−3)/2}/B(1/2, (d − 1)/2) on [0, 1], free of
    the u^{−1/2} singularity. ``g(u, log)`` is called with ``log`` = math.log (floats) or
    mpmath.log (mpf), so it is integrated twice: by QUADPACK (``quad``, split at the
    ``breakpoints`` in u, where g changes fast or has a log singularity) and independently
    by tanh-sinh in mpmath at ``CHECK_DPS`` digits, split at the same points (give them as
    mpf to place a singularity exactly). The error returned is max(QUADPACK's ``abserr``,
    |QUADPACK − mpmath|): ``abserr`` alone is an estimate, not a bound; the difference is
    the error of the double-precision value as measured by a 30-digit one, which is
    reliable as long as the two methods do not fail alike (both split at the singularities,
    where tanh-sinh is accurate for integrable log and power endpoint singularities)."""
    d = check_int("d", d, 3)
    b = (d - 1) / 2
    norm = math.exp(-betaln(0.5, b))
    inner = sorted({p for p in breakpoints if 0.0 < p < 1.0})

    def integrand(w: float) -> float:
        return float(2.0 * norm * (1.0 - w * w) ** (b - 1) * g(w * w, math.log))

    pts = sorted({math.sqrt(float(p)) for p in inner})
    value, err = quad(integrand, 0.0, 1.0, points=pts or None, limit=400,
                      epsabs=1e-13, epsrel=1e-12)
    with mpmath.workdps(CHECK_DPS):
        mp_norm = 1 / mpmath.beta(mpmath.mpf(1) / 2, mpmath.mpf(d - 1) / 2)
        mp_b = mpmath.mpf(d - 1) / 2

        def mp_integrand(w: Any) -> Any:
            return 2 * mp_norm * (1 - w * w) ** (mp_b - 1) * g(w * w, mpmath.log)

        cuts = sorted({mpmath.sqrt(mpmath.mpf(p)) for p in inner})
        reference = float(mpmath.quad(mp_integrand, [0, *cuts, 1]))
    return float(value), max(float(err), abs(float(value) - reference))


@functools.cache
def expected_log_error(k: int, r: float, d: int) -> tuple[float, float]:
    """E ln ε_k = ln(1 − r) + ln a + ψ(b) − ψ(b + 1/2) − E ln(u + a(1 − u)), b = (d − 1)/2
    (E ln(1 − u) of the Beta law in closed form); returns (value, quadrature error bound of
    :func:`start_expectation`). Cached: one double evaluation per parameter set."""
    a = check_real("r", r, 0.0, 1.0) ** (2 * check_int("k", k, 0))
    b = (d - 1) / 2
    tail, err = start_expectation(lambda u, log: log(u + a * (1.0 - u)), d, (a, 10 * a))
    return math.log(1.0 - r) + math.log(a) + float(digamma(b) - digamma(b + 0.5)) - tail, err


@functools.cache
def expected_log_factor(k: int, r: float, s: float, d: int) -> tuple[float, float]:
    """E ln|1 − 2s λ_max/λ̂_k| along the top eigenvector, two-level spectrum, Gaussian start.
    λ̂/λ_max = (u + a r(1 − u))/(u + a(1 − u)); the factor vanishes (a log singularity) where
    λ̂ = 2sλ_max, possible only for r < 2s < 1, at u = x/(1 + x), x = a(2s − r)/(1 − 2s):
    both quadratures of :func:`start_expectation` are split there (the point computed at
    30 digits). Returns (value, error bound). Cached: one evaluation per parameter set."""
    a = check_real("r", r, 0.0, 1.0) ** (2 * check_int("k", k, 0))
    s = check_real("s", s, 0.0, 1.0)

    def g(u: Any, log: Callable[[Any], Any]) -> Any:
        ratio = (u + a * r * (1.0 - u)) / (u + a * (1.0 - u))
        return log(abs(1.0 - 2.0 * s / ratio))

    pts: list[Any] = [a, 10 * a]
    if r < 2 * s < 1:
        with mpmath.workdps(CHECK_DPS):
            x = mpmath.mpf(a) * (2 * mpmath.mpf(s) - r) / (1 - 2 * mpmath.mpf(s))
            pts.append(x / (1 + x))
    return start_expectation(g, d, pts)


# --------------------------------------------------------------------------------------
# Through a curvature spike
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spike:
    """A curvature spike: λ_max is multiplied by ``factor`` for ``width`` steps from ``start``."""

    start: int
    width: int
    factor: float

    def __post_init__(self) -> None:
        check_int("start", self.start, 0)
        check_int("width", self.width, 1)
        check_positive("factor", self.factor)

    def top(self, steps: int, lam_max: float = 1.0) -> Array:
        """λ_max,t for t = 0, …, steps − 1."""
        t = np.arange(check_int("steps", steps, 1))
        inside = (t >= self.start) & (t < self.start + self.width)
        return np.where(inside, lam_max * self.factor, lam_max)

    def spectra(self, steps: int, d: int, ratio: float) -> Array:
        """(steps, d) eigenvalues of H_t in its eigenbasis: (λ_max,t, rλ_max, …, rλ_max)
        with λ_max = 1 off the spike (the bulk does not move)."""
        lam = np.full((steps, check_int("d", d, 2)), check_positive("ratio", ratio))
        lam[:, 0] = self.top(steps)
        return lam

    def iteration(self, h: Array, spiked: Array, eta: Array) -> Callable[[int], Array]:
        """I − η_t H_t as a batch of one: H_t = ``spiked`` inside the spike, ``h`` outside."""
        eye = np.eye(h.shape[0])

        def step(t: int) -> Array:
            inside = self.start <= t < self.start + self.width
            return np.asarray(eye - eta[t] * (spiked if inside else h))[None]
        return step

    def within(self, steps: int) -> int:
        """``steps``, checked to hold the whole spike."""
        return check_int("steps", steps, self.start + self.width)

    def phases(self, pre: Sequence[float], during: Sequence[float]) -> tuple[
            list[Sequence[float]], list[int]]:
        """Factors and lengths for :func:`piecewise_geometric_steps`: before, in, after."""
        if self.start == 0:
            return [during, pre], [self.width]
        return [pre, during, pre], [self.start, self.width]


def adaptive_paths(lam: Array, s: float, k: int, v0: Array) -> Array:
    """Worst-case error max_i |Π_τ (1 − η_τ λ_τ,i)| of GD with η_t = 2s/λ̂_t, λ̂_t from
    ``k`` power iterations from ``v0[:, t]``, on the commuting spectra ``lam`` (steps, d);
    returns (runs, steps + 1), starting at 1."""
    _, est = power_iteration(lambda x: x * lam, v0, k)
    factors = 1.0 - 2.0 * s * lam[None] / est[:, :, None]
    runs = factors.shape[0]
    path = np.concatenate([np.ones((runs, 1, lam.shape[1])), np.cumprod(factors, axis=1)], 1)
    return np.asarray(np.max(np.abs(path), axis=2))


def stable_run_probability(k: int, r: float, s: float, d: int, spike: Spike,
                           steps: int) -> float:
    """P(every step of a run contracts) = Π_t (1 − p_t): fresh starts are independent."""
    off = failure_probability(k, r, s, d)
    on = failure_probability(k, r / spike.factor, s, d)
    return (1.0 - off) ** (spike.within(steps) - spike.width) * (1.0 - on) ** spike.width


def expected_log_growth(k: int, r: float, s: float, d: int, spike: Spike,
                        steps: int) -> tuple[float, float]:
    """E ln|e_T/e_0| along the top eigenvector = Σ_t E ln|1 − 2sλ_max,t/λ̂_t|, with the
    summed quadrature error."""
    (off, e_off), (on, e_on) = (expected_log_factor(k, x, s, d) for x in (r, r / spike.factor))
    n_off = spike.within(steps) - spike.width
    return n_off * off + spike.width * on, n_off * e_off + spike.width * e_on
