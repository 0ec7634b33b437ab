"""Escape over a barrier in one dimension: the exact law of SGD's first passage, its
Monte Carlo kernel and the SDE's exact escape time; the deterministic kicks of GD and heavy
ball are :mod:`lrtheory.models.barrier_kicks` (exported from here too).

The chain is SGD with additive Gaussian gradient noise on a 1-D potential U,

    x_{t+1} = m(x_t) − η ξ_t,    m(x) = x − η U'(x),    ξ_t ~ N(0, σ²/B),

started at x₀ and *escaped* at the first t with x_t ≥ x_b (a point past the barrier top).
Its survival S_t = P(τ > t) obeys the Chapman–Kolmogorov recursion on (−∞, x_b):

    p_{t+1}(y) = ∫ p_t(x) k(x, y) dx,    k(x, y) = φ((y − m(x))/s)/s,    s = ησ/√B,

whose kernel is analytic in x and y. :func:`first_passage` discretises it by Nyström's
method on Gauss–Legendre panels of [L, x_b] (panel width ∝ s/max|m'|, so every Gaussian is
resolved): the panel nodes become a sub-stochastic Markov chain W_ij = k(x_i, x_j) w_j, and
S_t, E[min(τ, K)] = Σ_{t<K} S_t and the mean escape time (I − W)⁻¹1 follow by matrix
algebra. Two errors are *declared*, not assumed away:

* the cut at L: the exact chain and the cut one agree until the first visit below L, so
  the law differs by at most P(visit below L first), which the cut chain computes itself
  (``lost``); L is put ``margin`` spreads below the lowest value of m on (−∞, x_b];
* quadrature: the law is computed on the panels and on panels half as wide; for an analytic
  integrand Gauss–Legendre converges geometrically, so the finer value is kept and the
  difference bounds its error (``error``).

The matrix–vector products use ``einsum``, not BLAS: a threaded BLAS on a busy two-core
machine spins its threads and runs these small products many times slower.

:class:`CubicWell` (the barrier side of a double well, U = λ(x²/2 − x³/(3c))) and
:class:`QuarticWell` (the symmetric double well ΔU((x/a)² − 1)²) are the potentials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.integrate import cumulative_simpson, quad, simpson
from scipy.special import ndtr

from lrtheory.arrays import astype, bool_dtype
from lrtheory.errors import ParameterError, check_int, check_positive, check_real, float_array
from lrtheory.models.barrier_kicks import escape_fraction, escape_steps, stays
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

__all__ = [
    "CubicWell",
    "EscapeChain",
    "PassageLaw",
    "Potential",
    "QuarticWell",
    "escape_fraction",
    "escape_kernel",
    "escape_probability",
    "escape_steps",
    "first_passage",
    "mean_escape_steps",
    "sde_escape_time",
    "stays",
    "two_step_survival",
]

_ORDER = 20  # Gauss–Legendre nodes per panel
_PANEL = 8.0  # coarse panel width in units of s / max|m'| (the law uses half of it)


class Potential(Protocol):
    """A 1-D potential with a local minimum ``x_min`` and a barrier top ``x_top`` > x_min."""

    @property
    def x_min(self) -> float: ...

    @property
    def x_top(self) -> float: ...

    def loss(self, x: Any) -> Any: ...

    def grad(self, x: Any) -> Any: ...

    def curvature(self, x: Any) -> Any: ...

    def drift_floor(self, eta: float, exit: float) -> float: ...


@dataclass(frozen=True)
class CubicWell:
    """U(x) = λ(x²/2 − x³/(3c)): minimum 0 (U'' = λ), barrier top c (U'' = −λ),
    ΔU = λc²/6. GD on it is the quadratic map m(x) = (1 − ηλ)x + ηλx²/c."""

    lam: float
    top: float

    def __post_init__(self) -> None:
        check_positive("lam", self.lam)
        check_positive("top", self.top)

    @property
    def x_min(self) -> float:
        return 0.0

    @property
    def x_top(self) -> float:
        return self.top

    @property
    def barrier(self) -> float:
        return self.lam * self.top**2 / 6.0

    def loss(self, x: Any) -> Any:
        return self.lam * (x * x / 2.0 - x**3 / (3.0 * self.top))

    def grad(self, x: Any) -> Any:
        return self.lam * x * (1.0 - x / self.top)

    def curvature(self, x: Any) -> Any:
        return self.lam * (1.0 - 2.0 * x / self.top)

    def drift_floor(self, eta: float, exit: float) -> float:
        """min m over ℝ: the parabola's vertex value −c(1 − ηλ)²/(4ηλ) (the vertex
        c(ηλ − 1)/(2ηλ) < c/2 lies below any exit past the top)."""
        h = check_positive("eta", eta) * self.lam
        return -self.top * (1.0 - h) ** 2 / (4.0 * h)


@dataclass(frozen=True)
class QuarticWell:
    """U(x) = ΔU((x/a)² − 1)²: minima ±a (U'' = 8ΔU/a²), barrier top 0 (U'' = −4ΔU/a²).
    The chain starts in the left well; escape is a passage into the right one."""

    depth: float
    half_width: float

    def __post_init__(self) -> None:
        check_positive("depth", self.depth)
        check_positive("half_width", self.half_width)

    @property
    def x_min(self) -> float:
        return -self.half_width

    @property
    def x_top(self) -> float:
        return 0.0

    def loss(self, x: Any) -> Any:
        return self.depth * ((x / self.half_width) ** 2 - 1.0) ** 2

    def grad(self, x: Any) -> Any:
        a2 = self.half_width**2
        return 4.0 * self.depth * x * (x * x - a2) / (a2 * a2)

    def curvature(self, x: Any) -> Any:
        a2 = self.half_width**2
        return 4.0 * self.depth * (3.0 * x * x - a2) / (a2 * a2)

    def drift_floor(self, eta: float, exit: float) -> float:
        """min m over (−∞, exit]: m is a cubic with m → +∞ as x → −∞, so the minimum is at
        the exit or at the critical point x = −a√((1 + k)/(3k)), k = 4ηΔU/a²."""
        a, k = self.half_width, 4.0 * check_positive("eta", eta) * self.depth / self.half_width**2
        cands = [exit, -a * math.sqrt((1.0 + k) / (3.0 * k))]
        return float(min(x - eta * self.grad(x) for x in cands if x <= exit))


# --------------------------------------------------------------------------------------
# The noisy chain and the exact law of its first passage
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscapeChain:
    """SGD x ← x − η(U'(x) + ξ), ξ ~ N(0, noise²) (noise = σ/√B), escaped at x ≥ ``exit``."""

    potential: Potential
    eta: float
    noise: float
    exit: float

    def __post_init__(self) -> None:
        check_positive("eta", self.eta)
        check_positive("noise", self.noise)
        check_real("exit", self.exit, self.potential.x_top)

    @property
    def spread(self) -> float:
        """s = ησ/√B: the standard deviation of one step's noise."""
        return self.eta * self.noise

    @property
    def temperature(self) -> float:
        """T = ησ²/(2B): the SDE temperature (per-step variance η²σ²/B = 2T·η)."""
        return self.eta * self.noise**2 / 2.0

    def drift(self, x: Any) -> Any:
        return x - self.eta * self.potential.grad(x)

    def lower(self, margin: float = 10.0) -> float:
        """L: ``margin`` spreads below the lowest value m takes on (−∞, x_b]."""
        return self.potential.drift_floor(self.eta, self.exit) - margin * self.spread


@dataclass(frozen=True)
class PassageLaw:
    """S_t = P(τ > t), t = 0..K, with its declared error bounds: ``error`` (quadrature, the
    panel-halving difference) and ``lost`` (≥ P(the chain visits x < L before τ ∧ K))."""

    survival: np.ndarray[Any, Any]
    error: float
    lost: float
    nodes: int

    @property
    def escaped(self) -> float:
        """P(τ ≤ K)."""
        return 1.0 - float(self.survival[-1])

    @property
    def mean_capped(self) -> float:
        """E[min(τ, K)] = Σ_{t<K} S_t."""
        return float(np.sum(self.survival[:-1]))

    def bound(self, steps: bool = False) -> float:
        """Total bias bound of P(τ ≤ K) (or, ``steps``, of E[min(τ, K)]: K times it)."""
        k = len(self.survival) - 1
        return (self.error + self.lost) * (k if steps else 1)


def _panels(chain: EscapeChain, lower: float, refine: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre panels of [lower, x_b], each at most ``_PANEL``·s/(refine·max(1, |m'|))
    wide, |m'| = |1 − ηU''| taken as the larger of its values at the panel's ends and on a
    probe grid (so a panel never spans more than a few of the Gaussians it integrates)."""
    probe = np.linspace(lower, chain.exit, 4001)
    slope = np.maximum(1.0, np.abs(1.0 - chain.eta * chain.potential.curvature(probe)))
    base = _PANEL * chain.spread / refine
    edges = [lower]
    while edges[-1] < chain.exit:
        a = edges[-1]
        i = np.searchsorted(probe, a)
        j = np.searchsorted(probe, a + base / slope[min(i, len(probe) - 1)], side="right")
        edges.append(min(chain.exit, a + base / float(np.max(slope[max(i - 1, 0):j + 1]))))
    e = np.array(edges)
    g, gw = leggauss(_ORDER)
    a_, b_ = e[:-1, None], e[1:, None]
    return ((a_ + b_) / 2 + (b_ - a_) / 2 * g).ravel(), ((b_ - a_) / 2 * gw).ravel()


def _density(chain: EscapeChain, start: Any, nodes: np.ndarray) -> np.ndarray:
    """k(start, nodes) for an array of starts: (len(start), len(nodes))."""
    s = chain.spread
    z = (nodes[None, :] - chain.drift(float_array("start", start))[:, None]) / s
    out: np.ndarray = np.exp(-0.5 * z * z) / (s * math.sqrt(2.0 * math.pi))
    return out


def _law(chain: EscapeChain, x0: float, steps: int, lower: float,
         refine: int) -> tuple[np.ndarray, float, int]:
    x, w = _panels(chain, lower, refine)
    W = _density(chain, x, x) * w[None, :]
    below = ndtr((lower - chain.drift(x)) / chain.spread)
    q = _density(chain, [x0], x)[0] * w  # probabilities at the nodes after one step
    survival = [1.0, float(q.sum())]
    lost = float(ndtr((lower - chain.drift(x0)) / chain.spread))
    for _ in range(steps - 1):
        lost += float(q @ below)
        q = np.einsum("i,ij->j", q, W)  # no BLAS threads: see the module notes
        survival.append(float(q.sum()))
    return np.array(survival[: steps + 1]), lost, len(x)


def first_passage(chain: EscapeChain, x0: float, steps: int,
                  lower: float | None = None) -> PassageLaw:
    """The law of τ = min{t ≥ 1 : x_t ≥ x_b} up to ``steps``, from x₀ (see the module)."""
    check_int("steps", steps, 1)
    check_real("x0", x0, -math.inf, chain.exit)
    lo = chain.lower() if lower is None else check_real("lower", lower, -math.inf, x0)
    coarse, _, _ = _law(chain, x0, steps, lo, 1)
    fine, lost, n = _law(chain, x0, steps, lo, 2)
    rounding = 4.0 * n * steps * np.finfo(float).eps
    return PassageLaw(fine, float(np.max(np.abs(fine - coarse))) + rounding, lost, n)


def escape_probability(chain: EscapeChain, x0: float, steps: int,
                       lower: float | None = None) -> float:
    """P(τ ≤ K) on the coarse panels only (no error estimate): for scans and bisections."""
    check_int("steps", steps, 1)
    lo = chain.lower() if lower is None else check_real("lower", lower, -math.inf, x0)
    survival, _, _ = _law(chain, check_real("x0", x0, -math.inf, chain.exit), steps, lo, 1)
    return 1.0 - float(survival[-1])


def two_step_survival(chain: EscapeChain, x0: float, lower: float) -> tuple[float, float]:
    """(S₂, error estimate) by adaptive quadrature, independent of the panels:
    S₂ = ∫_L^{x_b} k(x₀, y)[Φ((x_b − m(y))/s) − Φ((L − m(y))/s)] dy (the cut chain's law)."""
    s, m0 = chain.spread, float(chain.drift(check_real("x0", x0, -math.inf, chain.exit)))
    lower = check_real("lower", lower, -math.inf, chain.exit)

    def integrand(y: float) -> float:
        my = float(chain.drift(y))
        stay = ndtr((chain.exit - my) / s) - ndtr((lower - my) / s)
        return float(math.exp(-0.5 * ((y - m0) / s) ** 2) / (s * math.sqrt(2 * math.pi)) * stay)

    marks = [v for v in (m0 - 8 * s, m0, m0 + 8 * s) if lower < v < chain.exit]
    value, err = quad(integrand, lower, chain.exit, points=marks, limit=400,
                      epsabs=1e-13, epsrel=1e-12)
    return float(value), float(err)


def mean_escape_steps(chain: EscapeChain, x0: float, lower: float | None = None,
                      rtol: float = 1e-12, max_steps: int = 100_000) -> float:
    """E[τ] in steps from x₀ (a visit below L counts as an exit: negligible for a low L).

    The cut chain is run on the panels until its conditional exit probability per step,
    r_t = Σ_i q_i e_i / Σ_i q_i (e_i = Φ((L − m_i)/s) + 1 − Φ((x_b − m_i)/s), computed
    without cancellation), changes by less than ``rtol``·r_t: the law is then
    quasi-stationary, S_{t+1} = (1 − r)S_t, and E[τ] = Σ_{t<t*} S_t + S_{t*}/r. No linear
    solve: (I − W) is as ill-conditioned as 1/r, the iteration is not."""
    check_real("x0", x0, -math.inf, chain.exit)
    check_positive("rtol", rtol)
    lo = chain.lower() if lower is None else check_real("lower", lower, -math.inf, x0)
    x, w = _panels(chain, lo, 1)
    W = _density(chain, x, x) * w[None, :]
    m, s = chain.drift(x), chain.spread
    exits = ndtr((lo - m) / s) + ndtr((m - chain.exit) / s)
    p = _density(chain, [x0], x)[0] * w
    alive = float(p.sum())  # S_1; p is kept normalised (the law conditional on survival)
    p, total, rate = p / alive, 1.0, -1.0  # total = Σ_{u<t} S_u
    for _ in range(check_int("max_steps", max_steps, 1)):
        new = float(p @ exits)  # 0 until the law has spread to the exits (underflow)
        if new > 0.0 and abs(new - rate) <= rtol * new:
            return total + alive / new
        rate, total = new, total + alive
        p = np.einsum("i,ij->j", p, W)  # no BLAS threads: see the module notes
        mass = float(p.sum())
        alive, p = alive * mass, p / mass
    raise ParameterError("max_steps", max_steps, "enough steps to reach quasi-stationarity")


def escape_kernel(chain: EscapeChain, x0: float, steps: int) -> Kernel:
    """Monte Carlo chains from x₀, ``steps`` SGD steps each: per chain the indicator of
    τ ≤ K and min(τ, K). Escaped chains are parked at x_b (beyond it the iterates may
    overflow: the cubic's m sends x > c to +∞)."""
    check_int("steps", steps, 1)
    x0 = check_real("x0", x0, -math.inf, chain.exit)
    eta, noise, exit = chain.eta, chain.noise, chain.exit

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = xp.full(rng.n, x0, dtype=rng.dtype)
        alive = xp.ones(rng.n, dtype=bool_dtype(xp))
        tau = xp.full(rng.n, float(steps), dtype=rng.dtype)
        for t in range(1, steps + 1):
            x = x - eta * (chain.potential.grad(x) + noise * rng.normal())
            crossed = alive & (x >= exit)
            tau = xp.where(crossed, float(t), tau)
            alive = alive & ~crossed
            x = xp.where(alive, x, exit)
        return xp.stack([astype(xp, ~alive, rng.dtype), tau], axis=1)

    return kernel


def sde_escape_time(potential: Potential, temperature: float, exit: float,
                    lower: float, points: int = 40001) -> float:
    """The exact mean escape time (SDE time units) of dx = −U'dt + √(2T)dW from x_min to
    ``exit``, reflected at ``lower``: (1/T)∫_{x_min}^{exit} e^{U(y)/T} ∫_{lower}^{y}
    e^{−U(z)/T} dz dy, by Simpson's rule on ``points`` points (exponents shifted by the
    barrier for range; the integrands are smooth on the scale √(T/|U''|))."""
    T = check_positive("temperature", temperature)
    check_real("lower", lower, -math.inf, potential.x_min)
    exit = check_real("exit", exit, potential.x_top)
    n, x_min = check_int("points", points, 101), potential.x_min
    left = max(3, round(n * (x_min - lower) / (exit - lower)))  # x_min is a grid point
    z = np.concatenate([np.linspace(lower, x_min, left),
                        np.linspace(x_min, exit, n - left + 1)[1:]])
    u = potential.loss(z)
    u_min, u_top = float(potential.loss(x_min)), float(potential.loss(potential.x_top))
    inner = cumulative_simpson(np.exp(-(u - u_min) / T), x=z, initial=0.0)
    right = slice(left - 1, None)
    outer = np.exp((u[right] - u_top) / T) * inner[right]
    scaled = float(simpson(outer, x=z[right])) / T  # τ·e^{−ΔU/T}
    return scaled * math.exp((u_top - u_min) / T)
