"""GP-UCB Bayesian optimisation for a learning rate, on the accuracy curves of
:mod:`lrtheory.models.bayes_opt`.

* :func:`gp_ucb_search` — one GP-UCB run with scikit-learn's ``GaussianProcessRegressor``
  (fixed kernel, UCB = μ + κσ maximised over a grid), :func:`gp_ucb_trials` many of them,
  :func:`posterior_on_grid` the fitted posterior of a run;
* :func:`gp_sweep` — many GP-UCB runs for each of several named settings from one seed,
  :func:`sweep_summary` — the numbers a finding quotes from them;
* :func:`gp_posterior` — the GP posterior by Gaussian conditioning in NumPy (a check of
  scikit-learn's numbers), :func:`median_interval` — a distribution-free interval for a
  median (order statistics), :func:`clopper_pearson` — exact binomial intervals;
* :func:`gp_ucb_algebra` — the posterior after one observation and μ + κσ as a quantile.

scikit-learn is imported inside the functions that use it: it is the optional extra
``lrtheory[search]``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_probability,
    check_real,
    float_array,
)
from lrtheory.models.bayes_opt import Curve, accuracy

FloatArray = NDArray[np.float64]



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


def gp_sweep(settings: Mapping[str, tuple[Curve, Ucb]], runs: int,
             seed: int) -> dict[str, FloatArray]:
    """Evaluations to ε of ``runs`` GP-UCB runs (:func:`gp_ucb_trials`) for each named
    (curve, UCB settings) pair, every setting from the same ``seed``: the runs share their
    curve centres and first points (common random numbers), so settings differ only by what
    the settings change. One call reproduces a table of settings."""
    check_int("runs", runs, 1)
    check_int("seed", seed, 0)
    if not settings:
        raise ParameterError("settings", settings, "at least one (Curve, Ucb) pair")
    return {name: gp_ucb_trials(curve, ucb, runs, seed)
            for name, (curve, ucb) in settings.items()}


def sweep_summary(evaluations: Any, cap: int, alpha: float = 0.05) -> dict[str, Any]:
    """What a finding quotes from evaluations to ε (cap + 1 = never): the median with its
    order-statistic interval, P(N ≤ 5) and P(N ≤ 10) with Clopper–Pearson intervals, the
    share that never reached ε and E min(N, cap), each at level 1 − ``alpha``."""
    check_int("cap", cap, 1)
    n = float_array("evaluations", evaluations)
    if n.ndim != 1 or n.size == 0 or np.any(n < 1) or np.any(n > cap + 1):
        raise ParameterError("evaluations", evaluations, f"a 1-D array of counts in [1, {cap + 1}]")
    out: dict[str, Any] = {"runs": n.size, "median": float(np.median(n)),
                           "median_ci": median_interval(n, alpha),
                           "capped_mean": float(np.mean(np.minimum(n, cap)))}
    for key, hits in (("within_5", n <= 5), ("within_10", n <= 10), ("never", n > cap)):
        low, high = clopper_pearson(int(np.sum(hits)), n.size, alpha)
        out[key] = (float(np.mean(hits)), float(low), float(high))
    return out


def gp_posterior(x: Any, y: Any, at: Any, amplitude: float, length_scale: float,
                 noise_var: float) -> tuple[FloatArray, FloatArray]:
    """GP posterior mean and sd at ``at`` by Gaussian conditioning (prior mean 0, kernel
    A²exp(−(x − x')²/(2ℓ²)), noise τ²): μ = k_*ᵀ(K + τ²I)⁻¹y, σ² = A² − k_*ᵀ(K + τ²I)⁻¹k_*,
    solved with NumPy's LU — independent of scikit-learn's Cholesky route."""
    check_positive("amplitude", amplitude)
    check_positive("length_scale", length_scale)
    check_real("noise_var", noise_var, 0.0, lo_open=False)
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


def posterior_discrepancy(curve: Curve, ucb: Ucb, points: Any,
                          centre: float) -> tuple[float, float, float]:
    """scikit-learn's posterior (:func:`posterior_on_grid`) against :func:`gp_posterior` for
    the noiseless accuracies at ``points`` of the curve centred at ``centre``: the largest
    |Δμ| and |Δσ| over the grid, and cond(K + τ²I) (which bounds both by rounding)."""
    check_real("centre", centre, 0.0, 1.0, lo_open=False, hi_open=False)
    xs = float_array("points", points)
    run = Run(xs.size, xs, np.asarray(accuracy(curve, xs, centre)))
    grid, mean_sk, sd_sk = posterior_on_grid(curve, ucb, run)
    noise = curve.noise_sd**2 + 1e-8 * curve.height**2
    mean_np, sd_np = gp_posterior(xs, run.observed - curve.floor, grid, curve.height,
                                  ucb.length_scale, noise)
    gram = np.exp(-0.5 * ((xs[:, None] - xs[None, :]) / ucb.length_scale) ** 2)
    cond = float(np.linalg.cond(curve.height**2 * gram + noise * np.eye(xs.size)))
    return (float(np.max(np.abs(mean_sk - curve.floor - mean_np))),
            float(np.max(np.abs(sd_sk - sd_np))), cond)


def clopper_pearson(successes: Any, n: int, alpha: float) -> tuple[FloatArray, FloatArray]:
    """The exact (Clopper–Pearson) (1 − α) interval for binomial counts, vectorised:
    Beta(α/2; x, n − x + 1) and Beta(1 − α/2; x + 1, n − x) quantiles."""
    from scipy import stats as st

    check_int("n", n, 1)
    check_probability("alpha", alpha)
    x = float_array("successes", successes)
    if np.any(x < 0) or np.any(x > n):
        raise ParameterError("successes", successes, f"counts in [0, {n}]")
    low = np.where(x > 0, st.beta.ppf(alpha / 2, np.maximum(x, 1), n - x + 1), 0.0)
    high = np.where(x < n, st.beta.ppf(1 - alpha / 2, x + 1, np.maximum(n - x, 1)), 1.0)
    return np.asarray(low), np.asarray(high)


def median_interval(samples: Any, alpha: float) -> tuple[float, float]:
    """A distribution-free (1 − α) interval for the median: the order statistics
    [x_(l), x_(n+1−l)] with l the α/2 quantile of Binomial(n, ½) (coverage ≥ 1 − α)."""
    from scipy import stats as st

    check_probability("alpha", alpha)
    x = np.sort(float_array("samples", samples))
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ParameterError("samples", samples, "a non-empty 1-D array of finite numbers")
    low = int(st.binom.ppf(alpha / 2, x.size, 0.5))
    if low < 1:
        return (-math.inf, math.inf)
    return float(x[low - 1]), float(x[x.size - low])


# --------------------------------------------------------------------------------------
# The algebra of the acquisition
# --------------------------------------------------------------------------------------


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
