"""Nesterov's acceleration on smooth convex problems, run from the update rules (claim M9).

Gradient descent x_{t+1} = x_t − η∇f(x_t) and Nesterov's method with a momentum that grows
with t are both :mod:`lrtheory.optimizers` rules: :func:`run_method` calls
``gradient_step``, or ``nesterov`` with β_t at step t. For the accelerated schedule
(:func:`nag_momentum`) the look-ahead from iterate k uses β_k = (k − 1)/(k + 2), so step t
(from x_{t−1} to x_t) is ``nesterov`` with β = (t − 2)/(t + 1) (β = 0 at t ≤ 2, where the
velocity is still zero or the coefficient would be negative).

The problems, all L-smooth and convex, none strongly convex uniformly in its family:

* **one-dimensional quadratics** f = λx²/2, λ ∈ (0, L]: a linear method gives x_t =
  P_t(ηλ)x₀ with a polynomial P_t (:func:`quadratic_factors`), and the *worst case over the
  family* is the envelope W(t) = sup_λ λP_t(ηλ)²x₀²/2 (:func:`worst_case_envelope`); for a
  d-dimensional quadratic with eigenvalues λ_i the gap is Σ_i λ_iP_t(ηλ_i)²x₀ᵢ²/2, so the
  per-direction weights :func:`loss_weights` give every start's loss curve at once;
* **logistic regression with soft labels** (:func:`soft_logistic`): f(w) = (1/m)Σ_i
  [p_i ln(1 + e^{−x_iᵀw}) + (1 − p_i) ln(1 + e^{x_iᵀw})] with p_i = σ(x_iᵀw*), so
  ∇f(w*) = (1/m)Σ x_i(σ(x_iᵀw*) − p_i) = 0: the minimiser is w* *exactly*; features with
  log-uniform scales make its curvature spread over decades, so over a window of t the gap
  follows the worst-case power laws.

:func:`gd_energy` and :func:`nag_energy` evaluate the Lyapunov functions whose one-step
decrease the claim derives (t·F_t + (L/2)‖x_t − x*‖², and ((k+1)²/4)F_k + (L/2)‖z_k − x*‖²
with z_k = x_{k−1} + ((k+1)/2)(x_k − x_{k−1})) along any run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    float_array,
)
from lrtheory.models.rounding import EPS
from lrtheory.models.slopes import bound_check, loglog_slope
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.optimizers import gradient_step, nesterov

Schedule = np.ndarray | float | None
"""β per step (array of length T), one constant β, or None for gradient descent."""


def nag_momentum(steps: int) -> np.ndarray:
    """β used at steps t = 1 … T by the accelerated schedule: β_{t−1} = (t − 2)/(t + 1),
    clipped at 0 for t ≤ 2 (the look-ahead from iterate k = t − 1 uses (k − 1)/(k + 2))."""
    steps = check_int("steps", steps, 1, MAX_STEPS)
    t = np.arange(1, steps + 1, dtype=float)
    out: np.ndarray = np.maximum(0.0, (t - 2.0) / (t + 1.0))
    return out


def _betas(betas: Schedule, steps: int) -> np.ndarray | None:
    if betas is None:
        return None
    b = np.broadcast_to(float_array("betas", betas), (steps,))
    if not np.all((b >= 0) & (b < 1)):
        raise ParameterError("betas", betas, "momenta in [0, 1), one per step or one constant")
    return b


def iterate(gradient: Callable[[Any], Any], x0: Any, eta: float, steps: int,
            betas: Schedule = None) -> Iterator[np.ndarray]:
    """x_1 … x_T one by one: gradient descent (``betas`` None) or ``nesterov`` with
    β = betas[t−1] at step t, velocity v₀ = 0, step ``eta``."""
    steps = check_int("steps", steps, 1, MAX_STEPS)
    eta = check_positive("eta", eta)
    b = _betas(betas, steps)
    x = np.array(x0, dtype=float)
    v = np.zeros_like(x)
    for t in range(1, steps + 1):
        if b is None:
            x = gradient_step(x, gradient(x), eta)
        else:
            x, v = nesterov(x, v, gradient, eta, float(b[t - 1]))
        yield x


def run_method(gradient: Callable[[Any], Any], x0: Any, eta: float, steps: int,
               betas: Schedule = None) -> np.ndarray:
    """Iterates x_0 … x_T (shape (T+1, *x0.shape)) of :func:`iterate`."""
    x0 = np.array(x0, dtype=float)
    return np.stack([x0, *iterate(gradient, x0, eta, steps, betas)])


# --------------------------------------------------------------------------------------
# Quadratics: per-direction factors, loss weights and the worst case over λ ∈ (0, L]
# --------------------------------------------------------------------------------------


def _h(h: Any) -> np.ndarray:
    a = float_array("h", h)
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ParameterError("h", h, "finite values ηλ > 0")
    return a


def quadratic_factors(h: Any, steps: int, betas: Schedule = None) -> np.ndarray:
    """P_t(h) for t = 0 … T, x_t = P_t(ηλ)x₀ on λx²/2, h = ηλ (array, vectorised)."""
    ha = _h(h)
    return run_method(lambda x: ha * x, np.ones_like(ha), 1.0, steps, betas)


def loss_weights(h: Any, steps: int, betas: Schedule = None) -> np.ndarray:
    """a_t(h) = h P_t(h)²/2, shape (T+1, *h.shape): f(x_t) − f* = L Σ_i a_t(h_i) x₀ᵢ² on a
    quadratic with eigenvalues λ_i = L h_i, η = 1/L (so the start's weights are x₀ᵢ²)."""
    ha = _h(h)
    out: np.ndarray = ha * quadratic_factors(ha, steps, betas) ** 2 / 2.0
    return out


class Envelope(NamedTuple):
    """The worst one-dimensional quadratic at every t: W_t = sup_h a_t(h) (L = x₀ = 1)."""

    values: np.ndarray  #: W_t, t = 0 … T
    argmax: np.ndarray  #: the maximising h at each t
    refinement: np.ndarray  #: how much the local refinement raised each value (relative)


def worst_case_envelope(steps: int, betas: Schedule = None, h_max: float = 1.0,
                        h_min: float = 1e-8, points: int = 4000,
                        refine: int = 33) -> Envelope:
    """sup over h ∈ [h_min, h_max] of h P_t(h)²/2 for every t ≤ T: a log-spaced grid of
    ``points`` values, then at each t a finer grid of ``refine`` points spanning the grid
    cells either side of that t's maximiser (all t in one vectorised run). A grid maximum
    is a lower estimate of the supremum: at the defaults it falls short by ≲ 10⁻⁸
    relative (against GD's closed form, tests), the square of the fine spacing in ln h
    times the curvature of ln a_t there. ``refinement`` records the gain of the second
    pass."""
    steps = check_int("steps", steps, 1, MAX_STEPS)
    h_max = check_positive("h_max", h_max)
    h_min = check_real("h_min", h_min, 0.0, h_max)
    points, refine = check_int("points", points, 3), check_int("refine", refine, 3)
    grid = np.geomspace(h_min, h_max, points)
    coarse = loss_weights(grid, steps, betas)
    best = np.argmax(coarse, axis=1)
    lo = grid[np.maximum(best - 1, 0)]
    hi = grid[np.minimum(best + 1, points - 1)]
    fine = np.geomspace(lo, hi, refine, axis=1)  # (T+1, refine): row t around t's maximiser
    own = np.empty_like(fine)
    own[0] = fine[0] / 2.0  # x₀ = 1: a_0(h) = h/2
    for t, x in enumerate(iterate(lambda y: fine * y, np.ones_like(fine), 1.0, steps, betas),
                          start=1):
        own[t] = fine[t] * x[t] ** 2 / 2.0  # only row t is needed at step t
    j = np.argmax(own, axis=1)
    rows = np.arange(steps + 1)
    first = coarse[rows, best]
    better = own[rows, j] > first
    top = np.where(better, own[rows, j], first)
    where = np.where(better, fine[rows, j], grid[best])
    return Envelope(top, where, (top - first) / first)


def expected_normalised_gap(weights: Any) -> float:
    """E[Σ_i a_i z_i²/‖z‖²] for z ~ N(0, I_d): exactly the mean of the weights a_i.

    The d ratios z_i²/‖z‖² are exchangeable (z is rotation invariant) and sum to 1, so each
    has mean 1/d (their law is Beta(½, (d − 1)/2)): with a_i = a_t(h_i) this is the mean gap
    (f(x_t) − f*)/(L‖x₀ − x*‖²) over Gaussian starts, exact however skewed the a_i are."""
    a = float_array("weights", weights)
    if a.ndim != 1 or a.size < 1 or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ParameterError("weights", np.shape(weights), "a finite 1-D array of values ≥ 0")
    return float(np.mean(a))


def start_kernel(window: Sequence[int], slope_weights: Sequence[np.ndarray],
                 gap_weights: Sequence[np.ndarray]) -> Kernel:
    """Gaussian starts x₀ ~ N(0, I) on a d-dimensional quadratic, every method's loss curve
    from its weights (f(x_t) − f* = L Σ_i a_t(h_i) x₀ᵢ² — exact, the rules being linear).

    Per chain: the measured log-log slope of each method in ``slope_weights`` (arrays (K, d),
    row k at step window[k]), then for each weight vector in ``gap_weights`` ((d,), one step
    t) the gap per unit L‖x₀‖², Σ_i a_i x₀ᵢ²/‖x₀‖² (mean: :func:`expected_normalised_gap`)."""
    ts = float_array("window", window)
    d = int(np.shape(slope_weights[0])[1])
    for name, group in (("slope_weights", slope_weights), ("gap_weights", gap_weights)):
        if any(np.shape(a)[-1] != d for a in group):
            raise ParameterError(name, [np.shape(a) for a in group], f"d = {d} weights per row")

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        z = rng.normal(d)
        z2 = z * z
        cols = [loglog_slope(ts, z2 @ xp.asarray(a.T, dtype=rng.dtype)) for a in slope_weights]
        r2 = xp.sum(z2, axis=1)
        cols += [(z2 @ xp.asarray(a, dtype=rng.dtype)) / r2 for a in gap_weights]
        return xp.stack(cols, axis=1)

    return kernel


# --------------------------------------------------------------------------------------
# Logistic regression with soft labels: minimiser known exactly
# --------------------------------------------------------------------------------------


class SoftLogistic(NamedTuple):
    """K logistic-regression problems side by side: features X (K, m, d), soft labels
    p (K, m), exact minimisers w_star (K, d); X is scaled so that L = λ_max(XᵀX)/(4m) = 1."""

    X: np.ndarray
    p: np.ndarray
    w_star: np.ndarray

    def loss(self, w: np.ndarray) -> np.ndarray:
        """f(w) per problem, w of shape (K, d) (or (T, K, d))."""
        z = np.einsum("kmd,...kd->...km", self.X, w)
        out: np.ndarray = np.mean(self.p * np.logaddexp(0.0, -z)
                                  + (1.0 - self.p) * np.logaddexp(0.0, z), axis=-1)
        return out

    def gradient(self, w: np.ndarray) -> np.ndarray:
        z = np.einsum("kmd,kd->km", self.X, w)
        out: np.ndarray = np.einsum("kmd,km->kd", self.X,
                                    1.0 / (1.0 + np.exp(-z)) - self.p) / self.X.shape[1]
        return out


def soft_logistic(seed: int, problems: int, samples: int, dim: int, decades: float,
                  radius: float) -> SoftLogistic:
    """``problems`` random data sets: rows x_i ~ N(0, diag(s²)) with scales s log-uniform
    over ``decades``/2 decades (curvatures over ``decades``), rescaled to L = 1; w* = radius
    · (±1, …, ±1)/√d (random signs), so ‖w* − 0‖ = radius; p_i = σ(x_iᵀw*)."""
    problems = check_int("problems", problems, 1, MAX_SIZE)
    samples = check_int("samples", samples, 2, MAX_SIZE)
    dim = check_int("dim", dim, 1, MAX_SIZE)
    decades = check_real("decades", decades, 0.0, 30.0, lo_open=False)
    radius = check_positive("radius", radius)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    scales = np.geomspace(1.0, 10.0 ** (-decades / 2), dim)
    X = rng.standard_normal((problems, samples, dim)) * scales
    top = np.linalg.eigvalsh(np.einsum("kmd,kme->kde", X, X) / samples)[:, -1] / 4.0
    X = X / np.sqrt(top)[:, None, None]
    w = radius * rng.choice([-1.0, 1.0], (problems, dim)) / np.sqrt(dim)
    p = 1.0 / (1.0 + np.exp(-np.einsum("kmd,kd->km", X, w)))
    return SoftLogistic(X, p, w)


class LogisticRuns(NamedTuple):
    """GD and Nesterov (β_t) at η = 1/L = 1 from w = 0 on a batch of problems."""

    problem: SoftLogistic
    gd: np.ndarray  #: iterates (T+1, K, d)
    nag: np.ndarray
    gap_gd: np.ndarray  #: f(x_t) − f*, (T+1, K)
    gap_nag: np.ndarray


@cache
def logistic_runs(seed: int, problems: int, samples: int, dim: int, decades: float,
                  radius: float, steps: int) -> LogisticRuns:
    """Both methods on :func:`soft_logistic` problems (cached: a claim's model and figure
    share the runs)."""
    prob = soft_logistic(seed, problems, samples, dim, decades, radius)
    x0 = np.zeros_like(prob.w_star)
    gd, nag = (run_method(prob.gradient, x0, 1.0, steps, b) for b in (None, nag_momentum(steps)))
    f_star = prob.loss(prob.w_star)
    return LogisticRuns(prob, gd, nag, prob.loss(gd) - f_star, prob.loss(nag) - f_star)


def logistic_checks(runs: LogisticRuns, L: float, gd_bound: np.ndarray,
                    nag_bound: np.ndarray) -> list[ModelCheck]:
    """∇f(w*) = 0, both bounds (per t = 1 … T, shape (T,)) at every t on every problem, and
    both Lyapunov energies non-increasing, as ModelChecks with float64 rounding tolerances."""
    prob = runs.problem
    steps, samples = runs.gap_gd.shape[0] - 1, prob.X.shape[1]
    t = np.arange(1, steps + 1, dtype=float)[:, None]
    f0 = float(np.max(prob.loss(np.zeros_like(prob.w_star))))
    # f is a mean of m softplus terms ≤ f(0) in size, each to ~4ε; a gap is a difference
    # of two such values: ≤ 8ε·m·f(0) absolutely, taken relative to the smallest bound.
    abs_round = 8 * EPS * samples * f0
    checks = [
        ModelCheck("∇f(w*) = 0 for soft labels p = σ(Xw*) (largest |component|)", 0.0,
                   float(np.max(np.abs(prob.gradient(prob.w_star)))),
                   8 * EPS * samples * float(np.max(np.abs(prob.X))),
                   "float64 rounding of a mean of m terms x·(σ(z) − p), |σ − p| ≤ 2ε"),
        bound_check(f"GD ≤ L‖x₀ − x*‖²/(2t) on {prob.X.shape[0]} data sets, every t ≤ {steps}",
                    t, runs.gap_gd[1:], gd_bound[:, None], abs_round / float(np.min(gd_bound))),
        bound_check(f"Nesterov ≤ 2L‖x₀ − x*‖²/(t + 1)², every t ≤ {steps}", t,
                    runs.gap_nag[1:], nag_bound[:, None], abs_round / float(np.min(nag_bound)))]
    for name, energy, gaps, its in (
            ("GD: t·F_t + (L/2)‖x_t − x*‖²", gd_energy, runs.gap_gd, runs.gd),
            ("Nesterov: ((k+1)²/4)F_k + (L/2)‖z_k − x*‖²", nag_energy, runs.gap_nag, runs.nag)):
        e = energy(its, gaps, prob.w_star, L)
        rise = float(np.max(np.diff(e, axis=0) / e[0]))
        size = float(np.max(np.abs(e) / e[0]))
        checks.append(ModelCheck(
            f"{name} never increases (largest step change / E₀ = {rise:.3g})", 0.0,
            max(0.0, rise), (steps + 1) ** 2 * abs_round / float(np.min(e[0])) + 16 * EPS * size,
            "one-sided; rounding of the gaps times (t + 1)²/4, plus of the distances"))
    return checks


# --------------------------------------------------------------------------------------
# Lyapunov energies along a run
# --------------------------------------------------------------------------------------


def _distance2(iterates: np.ndarray, x_star: Any) -> np.ndarray:
    """‖x − x*‖² over the last (coordinate) axis."""
    diff = iterates - float_array("x_star", x_star)
    out: np.ndarray = np.sum(diff * diff, axis=-1)
    return out


def gd_energy(iterates: np.ndarray, gaps: np.ndarray, x_star: Any, L: float) -> np.ndarray:
    """t·(f(x_t) − f*) + (L/2)‖x_t − x*‖², t = 0 … T: non-increasing for GD at η = 1/L."""
    L = check_positive("L", L)
    t = np.arange(iterates.shape[0], dtype=float).reshape((-1,) + (1,) * (gaps.ndim - 1))
    if gaps.shape != iterates.shape[:-1]:
        raise ParameterError("gaps", gaps.shape, f"one gap per iterate, {iterates.shape[:-1]}")
    out: np.ndarray = t * gaps + L / 2.0 * _distance2(iterates, x_star)
    return out


def nag_energy(iterates: np.ndarray, gaps: np.ndarray, x_star: Any, L: float) -> np.ndarray:
    """𝓔_k = ((k+1)²/4)(f(x_k) − f*) + (L/2)‖z_k − x*‖², z_k = x_{k−1} + ((k+1)/2)(x_k −
    x_{k−1}) (k ≥ 1), 𝓔₀ = (L/2)‖x₀ − x*‖²: non-increasing for the accelerated schedule."""
    L = check_positive("L", L)
    if gaps.shape != iterates.shape[:-1]:
        raise ParameterError("gaps", gaps.shape, f"one gap per iterate, {iterates.shape[:-1]}")
    k = np.arange(1, iterates.shape[0], dtype=float)
    grow = ((k + 1.0) / 2.0).reshape((-1,) + (1,) * (iterates.ndim - 1))
    z = iterates[:-1] + grow * (iterates[1:] - iterates[:-1])
    kk = k.reshape((-1,) + (1,) * (gaps.ndim - 1))
    first = L / 2.0 * _distance2(iterates[:1], x_star)
    rest = (kk + 1.0) ** 2 / 4.0 * gaps[1:] + L / 2.0 * _distance2(z, x_star)
    out: np.ndarray = np.concatenate([first, rest])
    return out
