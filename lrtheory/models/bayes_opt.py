"""Searching for a good learning rate: random search and GP-UCB Bayesian optimisation on a
synthetic accuracy-versus-log-η curve.

The search space is u ∈ [0, 1], the position of log η in a log range [η_lo, η_hi]
(u = ln(η/η_lo)/ln(η_hi/η_lo)), so log-uniform sampling of η is uniform sampling of u. The
validation accuracy is a bump of height A over a floor,

    acc(u) = floor + A·exp(−(u − c)²/(2w²)),

observed with Gaussian noise of standard deviation τ. A point is *ε-good* when its true
accuracy is within ε of the best, acc(u) ≥ floor + A − ε: the set c ± h,
h = w√(2 ln(A/(A − ε))). A search's *evaluations to ε* is the index of its first ε-good
evaluation.

* :func:`accuracy`, :func:`good_halfwidth`, :func:`coverage` — the curve, its ε-good set and
  the set's measure for a centre c (clipped to [0, 1]);
* :func:`random_search_kernel` — Monte Carlo kernel of random search over random curves;
* :func:`gp_ucb_search` — one GP-UCB run with scikit-learn's ``GaussianProcessRegressor``
  (fixed kernel, UCB = μ + κσ maximised over a grid), :func:`gp_ucb_trials` many of them,
  :func:`posterior_on_grid` the fitted posterior of a run;
* :func:`gp_posterior` — the GP posterior by Gaussian conditioning in NumPy (a check of
  scikit-learn's numbers), :func:`median_interval` — a distribution-free interval for a
  median (order statistics).

scikit-learn is imported inside the functions that use it: it is the optional extra
``lrtheory[search]``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.arrays import namespace
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.symbolic.series import finite_sum, geometric_series

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Curve:
    """The accuracy bump: height A over ``floor``, width w (in u), centres drawn uniformly
    from [centre_lo, centre_hi] ⊂ [0, 1], evaluations with noise sd τ, tolerance ε."""

    height: float
    width: float
    eps: float
    noise_sd: float = 0.0
    floor: float = 0.1
    centre_lo: float = 0.0
    centre_hi: float = 1.0

    def __post_init__(self) -> None:
        check_positive("height", self.height)
        check_positive("width", self.width)
        check_real("eps", self.eps, 0.0, self.height)
        check_real("noise_sd", self.noise_sd, 0.0, lo_open=False)
        check_real("floor", self.floor)
        check_real("centre_lo", self.centre_lo, 0.0, 1.0, lo_open=False, hi_open=False)
        check_real("centre_hi", self.centre_hi, self.centre_lo, 1.0, lo_open=False,
                   hi_open=False)


def accuracy(curve: Curve, u: Any, centre: Any) -> Any:
    """acc(u) = floor + A·exp(−(u − c)²/(2w²)), element-wise (NumPy or CuPy arrays)."""
    z = (u - centre) / curve.width
    return curve.floor + curve.height * namespace(z).exp(-0.5 * z * z)


def good_halfwidth(curve: Curve) -> float:
    """h = w√(2 ln(A/(A − ε))): acc(c ± h) = floor + A − ε."""
    return curve.width * math.sqrt(2.0 * math.log(curve.height / (curve.height - curve.eps)))


def coverage(curve: Curve, centre: Any) -> Any:
    """The measure of the ε-good set [c − h, c + h] ∩ [0, 1] for centres c."""
    h = good_halfwidth(curve)
    return np.minimum(1.0, np.asarray(centre) + h) - np.maximum(0.0, np.asarray(centre) - h)


def random_search_kernel(curve: Curve, budget: int, cap: int) -> Kernel:
    """Monte Carlo kernel: each chain draws a curve centre c ~ U[centre_lo, centre_hi] and
    ``cap`` log-uniform learning rates (u ~ U[0, 1]); N = the index of the first ε-good one
    (judged on the true accuracy). Returns per chain (shape (n, 2)) the indicator of
    N ≤ ``budget`` and min(N, ``cap``)."""
    check_int("cap", cap, 1)
    check_int("budget", budget, 1, cap)
    best = curve.floor + curve.height - curve.eps

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        centre = curve.centre_lo + (curve.centre_hi - curve.centre_lo) * rng.uniform(1)
        u = rng.uniform(cap)
        good = accuracy(curve, u, centre) >= best
        first = xp.where(good.any(axis=1), good.argmax(axis=1) + 1, cap + 1)
        return xp.stack([(first <= budget).astype(rng.dtype),
                         xp.minimum(first, cap).astype(rng.dtype)], axis=1)

    return kernel


# --------------------------------------------------------------------------------------
# GP-UCB (scikit-learn)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ucb:
    """GP-UCB settings: κ of the acquisition μ + κσ, the RBF length scale ℓ (in u) of a
    kernel with fixed hyperparameters (amplitude A², noise τ² — the optimiser is off), the
    candidate grid's size and the evaluation cap."""

    kappa: float = 2.0
    length_scale: float = 0.1
    grid: int = 201
    cap: int = 30

    def __post_init__(self) -> None:
        check_real("kappa", self.kappa, 0.0, lo_open=False)
        check_positive("length_scale", self.length_scale)
        check_int("grid", self.grid, 2)
        check_int("cap", self.cap, 1)


def _regressor(curve: Curve, ucb: Ucb) -> Any:
    """scikit-learn's GP with the kernel A²·RBF(ℓ) held fixed (``optimizer=None``) and the
    known noise variance τ² as ``alpha`` (plus a 1e-8·A² jitter for a noiseless curve)."""
    gp = importlib.import_module("sklearn.gaussian_process")  # the optional extra
    kernel = (gp.kernels.ConstantKernel(curve.height**2, "fixed")
              * gp.kernels.RBF(ucb.length_scale, "fixed"))
    return gp.GaussianProcessRegressor(kernel, alpha=curve.noise_sd**2 + 1e-8 * curve.height**2,
                                       optimizer=None, copy_X_train=False)


@dataclass(frozen=True)
class Run:
    """One search: evaluations to ε (``cap`` + 1 if not reached), the points evaluated and
    the noisy accuracies observed there (the ε-good last point's included)."""

    evaluations: int
    points: FloatArray
    observed: FloatArray


@contextmanager
def _lean_sklearn() -> Iterator[None]:
    """BLAS held to one thread (the matrices are tiny; more threads only cost) and
    scikit-learn's input validation skipped (the inputs are ours)."""
    sklearn = importlib.import_module("sklearn")
    threadpools = importlib.import_module("threadpoolctl")  # a dependency of scikit-learn
    with threadpools.threadpool_limits(1), sklearn.config_context(
            assume_finite=True, skip_parameter_validation=True):
        yield


def gp_ucb_search(curve: Curve, ucb: Ucb, centre: float, rng: np.random.Generator) -> Run:
    """One GP-UCB run on the curve centred at ``centre``, stopped at its first ε-good
    evaluation or after ``cap``. The first point is a log-uniform draw, as random search's;
    each next one maximises μ(u) + κσ(u) over the grid, μ and σ from the GP posterior (prior
    mean ``floor``) of the noisy accuracies seen so far."""
    check_real("centre", centre, 0.0, 1.0, lo_open=False, hi_open=False)
    with _lean_sklearn():
        return _search(curve, ucb, centre, rng)


def _search(curve: Curve, ucb: Ucb, centre: float, rng: np.random.Generator) -> Run:
    grid = np.linspace(0.0, 1.0, ucb.grid)[:, None]
    best = curve.floor + curve.height - curve.eps
    xs: list[float] = [float(rng.uniform())]
    ys: list[float] = []
    for n in range(1, ucb.cap + 1):
        true = float(accuracy(curve, xs[-1], centre))
        ys.append(true + curve.noise_sd * float(rng.normal()))
        if true >= best:
            return Run(n, np.array(xs), np.array(ys))
        if n == ucb.cap:
            break
        gp = _regressor(curve, ucb).fit(np.array(xs)[:, None], np.array(ys) - curve.floor)
        mean, sd = gp.predict(grid, return_std=True)
        xs.append(float(grid[int(np.argmax(mean + ucb.kappa * sd)), 0]))
    return Run(ucb.cap + 1, np.array(xs), np.array(ys))


def posterior_on_grid(curve: Curve, ucb: Ucb, run: Run) -> tuple[FloatArray, FloatArray,
                                                                 FloatArray]:
    """(grid, μ + floor, σ) of scikit-learn's GP fitted to a run's observations."""
    grid = np.linspace(0.0, 1.0, ucb.grid)
    with _lean_sklearn():
        gp = _regressor(curve, ucb).fit(run.points[:, None], run.observed - curve.floor)
        mean, sd = gp.predict(grid[:, None], return_std=True)
    return grid, np.asarray(mean) + curve.floor, np.asarray(sd)


def gp_ucb_trials(curve: Curve, ucb: Ucb, n_runs: int, seed: int) -> FloatArray:
    """Evaluations to ε of ``n_runs`` independent GP-UCB runs (curve centres drawn
    uniformly from [centre_lo, centre_hi]), reproducible from ``seed``."""
    check_int("n_runs", n_runs, 1)
    check_int("seed", seed, 0)
    out = np.empty(n_runs)
    streams = np.random.SeedSequence(seed).spawn(n_runs)
    with _lean_sklearn():
        for i, stream in enumerate(streams):
            rng = np.random.default_rng(stream)
            centre = curve.centre_lo + (curve.centre_hi - curve.centre_lo) * rng.uniform()
            out[i] = _search(curve, ucb, centre, rng).evaluations
    return out


def gp_posterior(x: Any, y: Any, at: Any, amplitude: float, length_scale: float,
                 noise_var: float) -> tuple[FloatArray, FloatArray]:
    """GP posterior mean and sd at ``at`` by Gaussian conditioning (prior mean 0, kernel
    A²exp(−(x − x')²/(2ℓ²)), noise τ²): μ = k_*ᵀ(K + τ²I)⁻¹y, σ² = A² − k_*ᵀ(K + τ²I)⁻¹k_*,
    solved with NumPy's LU — independent of scikit-learn's Cholesky route."""
    x, y, at = (np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (x, y, at))
    if x.shape != y.shape or x.ndim != 1:
        raise ParameterError("y", y, f"one value per point of x (shape {x.shape})")

    def k(a: FloatArray, b: FloatArray) -> FloatArray:
        return np.asarray(amplitude**2 * np.exp(-0.5 * ((a[:, None] - b[None, :])
                                                        / length_scale) ** 2))

    gram = k(x, x) + noise_var * np.eye(x.size)
    cross = k(x, at)
    weights = np.linalg.solve(gram, np.column_stack([y, cross]))
    mean = cross.T @ weights[:, 0]
    var = amplitude**2 - np.sum(cross * weights[:, 1:], axis=0)
    return mean, np.sqrt(np.maximum(var, 0.0))


def clopper_pearson(successes: Any, n: int, alpha: float) -> tuple[FloatArray, FloatArray]:
    """The exact (Clopper–Pearson) (1 − α) interval for binomial counts, vectorised:
    Beta(α/2; x, n − x + 1) and Beta(1 − α/2; x + 1, n − x) quantiles."""
    from scipy import stats as st

    x = np.asarray(successes, dtype=np.float64)
    if np.any(x < 0) or np.any(x > n):
        raise ParameterError("successes", successes, f"counts in [0, {n}]")
    low = np.where(x > 0, st.beta.ppf(alpha / 2, np.maximum(x, 1), n - x + 1), 0.0)
    high = np.where(x < n, st.beta.ppf(1 - alpha / 2, x + 1, np.maximum(n - x, 1)), 1.0)
    return np.asarray(low), np.asarray(high)


def median_interval(samples: Any, alpha: float) -> tuple[float, float]:
    """A distribution-free (1 − α) interval for the median: the order statistics
    [x_(l), x_(n+1−l)] with l the α/2 quantile of Binomial(n, ½) (coverage ≥ 1 − α)."""
    from scipy import stats as st

    x = np.sort(np.asarray(samples, dtype=np.float64))
    low = int(st.binom.ppf(alpha / 2, x.size, 0.5))
    if low < 1:
        return (-math.inf, math.inf)
    return float(x[low - 1]), float(x[x.size - low])


# --------------------------------------------------------------------------------------
# The algebra: first-success laws and the GP-UCB acquisition
# --------------------------------------------------------------------------------------

P, Q, Z = sp.symbols("p q z", positive=True)                # q = 1 − p
K, J = sp.symbols("k j", integer=True, positive=True)
N_ = sp.Symbol("n", integer=True, positive=True)


@cache
def first_success_law() -> dict[str, Any]:
    """N, the index of the first success in independent trials of success probability
    p = 1 − q, derived: P(N = n) = q^(n−1)(1 − q), P(N ≤ k) (a finite sum), E N = Σ_j P(N > j),
    E min(N, k) from its definition and from the tail sum Σ_{j<k} q^j, and the median
    (1 − q^z = ½, solved after taking logs)."""

    pmf = Q ** (N_ - 1) * (1 - Q)
    # Σ_{n<k} n q^(n−1) = d/dq Σ_{n<k} qⁿ: the definition of E min(N, k) summed exactly.
    weighted = sp.diff(finite_sum(Q**N_, N_, 0, K - 1), Q)
    return {
        "pmf": pmf,
        "cdf": sp.factor(finite_sum(pmf, N_, 1, K)),
        "mean": sp.factor(geometric_series(Q)),             # Σ_{j≥0} P(N > j) = Σ q^j
        "capped": sp.factor(sp.expand((1 - Q) * weighted + K * Q ** (K - 1))),
        "tail_sum": sp.factor(finite_sum(Q**J, J, 0, K - 1)),
        "median": sp.solve_linear(sp.expand_log(sp.log(Q**Z), force=True),  # z ln q = ln ½
                                  sp.log(sp.Rational(1, 2)), [Z])[1],
    }


@cache
def gp_ucb_algebra() -> dict[str, Any]:
    """The GP posterior after one observation y at u₁ (prior mean 0, kernel
    A²exp(−(u − u')²/(2ℓ²)), noise τ²) by Gaussian conditioning of the joint law of
    (f(u), y), and the UCB μ + κσ as the posterior's upper quantile at level Φ(κ)."""
    from sympy.stats import Normal, cdf, quantile  # deferred: sympy.stats is slow to import

    x, mu = sp.symbols("u mu", real=True)
    amp, y, tau, ell, u1, kappa, sigma, level = sp.symbols(
        "A y tau ell u_1 kappa sigma q_level", positive=True)
    k1 = amp**2 * sp.exp(-((x - u1) ** 2) / (2 * ell**2))
    joint = sp.Matrix([[amp**2, k1], [k1, amp**2 + tau**2]])     # of (f(u), y)
    post_var = joint[0, 0] - joint[0, 1] ** 2 / joint[1, 1]
    phi = cdf(Normal("Z", 0, 1))(kappa)
    return {"post_mean": joint[0, 1] / joint[1, 1] * y, "post_var": post_var,
            "post_var_dy": sp.diff(post_var, y), "post_var_at": sp.factor(post_var.subs(x, u1)),
            "gp": (y, tau, ell, u1), "phi": phi, "ucb_syms": (mu, kappa, sigma),
            "ucb": sp.simplify(quantile(Normal("F", mu, sigma))(level).subs(level, phi))}
