"""Batch-size scaling rules on the noisy quadratic model: loss against examples processed.

A rule ties the learning rate to the batch size, η_B = η₀(B/B₀)^p: p = 1 is the linear
rule (η/B held fixed), p = ½ the square-root rule (η²/B, the update variance, held fixed).
On the NQM (:mod:`lrtheory.models.nqm`) with per-example gradient-noise variances c_i, a
batch of B examples has noise variance c_i/B, and after t steps it has processed N = tB
examples; comparing batch sizes at equal N is what "loss against examples processed" means.

* :func:`scaled_rate` applies a rule;
* :func:`loss_vs_examples` runs the exact second-moment recursion of SGD or heavy ball for
  N examples and returns the expected loss at N = 0, B, 2B, … (an :class:`ExamplesCurve`);
* :func:`relative_gap` compares a curve with a reference curve at the examples they share;
* :func:`stationary_moment` solves the discrete Lyapunov equation of the heavy-ball (or
  SGD, β = 0) covariance map with SciPy: the stationary E[θ²] where the map is stable, and
  the (unphysical, negative or huge) fixed point where it is not — its sign change marks
  the edge of stability, which :func:`stationary_edge` locates by bisection;
  :func:`stationary_loss` sums it over directions;
* :func:`edge_check` and :func:`fixed_point_check` turn a derived edge and a derived
  stationary covariance into model checks against these numerical models;
* :func:`simulated_curve` is the Monte Carlo curve at every step, :func:`onset` the first
  grid value where an error reaches a level (for validity statements);
* :func:`update_noise` is the update variance Var(Δθ | θ) = η²c_i/B of one step of the
  exact recursion (from θ = 0), the quantity the √ rule holds fixed; :func:`noise_ratios`
  compares it, and the temperature Var(Δθ)/η, with the base batch's under a rule.

The curve against examples, derived with SymPy, is in :mod:`lrtheory.symbolic.batch_scaling`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import solve_discrete_lyapunov

from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models import nqm
from lrtheory.models.heavy_ball import numeric_matrix
from lrtheory.models.rounding import EPS, recursion_rounding
from lrtheory.models.threshold import Threshold, bisect_threshold
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.optimizers import heavy_ball_lr_in_velocity

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ExamplesCurve:
    """The expected loss of one run at N = 0, B, 2B, … examples processed."""

    batch: int
    rate: float
    examples: FloatArray
    loss: FloatArray


def scaled_rate(eta0: float, batch0: float, batch: float, power: float) -> float:
    """η_B = η₀(B/B₀)^p: p = 1 the linear rule, p = ½ the square-root rule, p = 0 none."""
    eta0, batch0 = check_positive("eta0", eta0), check_positive("batch0", batch0)
    batch = check_positive("batch", batch)
    power = check_real("power", power, 0.0, 1.0, lo_open=False, hi_open=False)
    return float(eta0 * (batch / batch0) ** power)


def per_example_variances(per_example_var: Any, curvatures: Any) -> FloatArray:
    """The per-example gradient noise variances: ≥ 0, one number or one per curvature."""
    c = float_array("per_example_var", per_example_var)
    d = np.size(curvatures)
    if c.ndim > 1 or c.size not in (1, d) or np.any(~np.isfinite(c)) or np.any(c < 0):
        raise ParameterError("per_example_var", per_example_var,
                             f"finite and ≥ 0: a number or {d}, one per entry of curvatures")
    return c


def loss_vs_examples(curvatures: Any, per_example_var: Any, rate: float, batch: int,
                     examples: int, beta: float = 0.0, m0: Any = 1.0) -> ExamplesCurve:
    """E[L] of SGD (β = 0) or heavy ball at constant ``rate`` and batch B on the NQM, after
    0, B, 2B, … ≤ ``examples`` examples: the exact recursion of :mod:`lrtheory.models.nqm`
    with noise variance c_i/B, for ⌊N/B⌋ steps from E[θ₀²] = m₀. A diverging run (a rate
    beyond the edge) is a result: its curve grows to inf from the step it leaves the floats."""
    batch = check_int("batch", batch, 1, MAX_STEPS)
    examples = check_int("examples", examples, batch, MAX_STEPS)
    rate = check_positive("rate", rate)
    c = per_example_variances(per_example_var, curvatures)
    steps = examples // batch
    rates = np.full(steps, rate)
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is a result
        moments = (nqm.sgd_second_moments(curvatures, c / batch, rates, m0) if beta == 0.0
                   else nqm.heavy_ball_second_moments(curvatures, c / batch, rates.tolist(), beta,
                                                        m0))
    loss = nqm.expected_loss(curvatures, moments)
    return ExamplesCurve(batch, rate, np.arange(steps + 1, dtype=np.float64) * batch, loss)


@finite_result
def update_noise(curvatures: Any, per_example_var: Any, rate: float,
                 batch: float) -> FloatArray:
    """Var(Δθ_i | θ) of one SGD step at batch B, per direction: E[θ₁²] of the exact NQM
    recursion (:func:`nqm.sgd_second_moments`) from θ₀ = 0, where Δθ = −ηξ, E[ξ²] = c_i/B."""
    rate, batch = check_positive("rate", rate), check_positive("batch", batch)
    c = per_example_variances(per_example_var, curvatures)
    out: FloatArray = nqm.sgd_second_moments(curvatures, c / batch, [rate], 0.0)[1]
    return out


@finite_result
def noise_ratios(curvatures: Any, per_example_var: Any, eta0: float, batch0: float,
                 batch: float, power: float) -> tuple[float, float]:
    """(Var(Δθ), temperature Var(Δθ)/η) in the top direction (the first) at batch B under
    the rule η_B = η₀(B/B₀)^p, each over its value at (η₀, B₀) (:func:`update_noise`)."""
    rate = scaled_rate(eta0, batch0, batch, power)
    var = update_noise(curvatures, per_example_var, rate, batch)[0]
    base = update_noise(curvatures, per_example_var, eta0, batch0)[0]
    return float(var / base), float(var / rate / (base / eta0))


def noise_checks(label: str, closed: tuple[float, float],
                 measured: tuple[float, float]) -> list[ModelCheck]:
    """Derived (Var(Δθ), temperature) ratios of a rule (``label``) against
    :func:`noise_ratios`: each side of each ratio is one step of the recursion, so float64
    rounding bounds the difference (:func:`recursion_rounding` of one step, twice)."""
    reason = "float64 rounding of one recursion step at B and at B₀ (a ratio of the two)"
    names = ("Var(Δθ) over B₀'s (derived ratio) vs one step of the NQM recursion",
             "temperature Var(Δθ)/η over B₀'s (derived ratio) vs the recursion")
    return [ModelCheck(f"{label}: {name}", c, m, 2 * recursion_rounding(1, abs(c)), reason)
            for name, c, m in zip(names, closed, measured, strict=True)]


def relative_gap(curve: ExamplesCurve, reference: ExamplesCurve) -> FloatArray:
    """(L(N) − L_ref(N))/L_ref(N) at every N of ``curve`` (N ≥ 0); the reference must
    have been recorded at those N too (its batch divides the curve's)."""
    if curve.batch % reference.batch:
        raise ParameterError("reference", reference.batch,
                             f"a batch size dividing {curve.batch}")
    idx = (curve.examples // reference.batch).astype(np.int64)
    if idx[-1] >= reference.loss.size:
        raise ParameterError("reference", reference.examples[-1],
                             f"a curve reaching {curve.examples[-1]:g} examples")
    ref = reference.loss[idx]
    out: FloatArray = (curve.loss - ref) / ref
    return out


def _covariance_map(eta: float, lam: float, beta: float) -> tuple[FloatArray, FloatArray]:
    """(A, b) of heavy ball v ← βv − η(λθ + ξ), θ ← θ + v on s = (θ, v): s ← As + bξ."""
    a = np.array([[1.0 - eta * lam, beta], [-eta * lam, beta]])
    return a, np.array([-eta, -eta])


@finite_result
def stationary_moment(eta: float, lam: float, beta: float, noise_var: float) -> float:
    """E[θ²] of the fixed point Σ = AΣAᵀ + s²bbᵀ of the heavy-ball covariance map (SciPy's
    ``solve_discrete_lyapunov``): the stationary variance when ρ(A) < 1; past the edge of
    stability no stationary law exists and the fixed point, which SciPy still returns,
    has E[θ²] < 0 (or is singular on the edge itself)."""
    eta, lam = check_positive("eta", eta), check_positive("lam", lam)
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    noise_var = check_positive("noise_var", noise_var)
    a, b = _covariance_map(eta, lam, beta)
    return float(solve_discrete_lyapunov(a, noise_var * np.outer(b, b))[0, 0])


def stationary_edge(rate_of: Any, lam: float, beta: float, noise_var_of: Any, lo: float,
                    hi: float, halvings: int = 30) -> tuple[Threshold, float]:
    """The x (a batch size, say) where :func:`stationary_moment` at η = ``rate_of(x)`` and
    s² = ``noise_var_of(x)`` stops being positive, by bisection on [lo, hi]; returns the
    threshold and a rounding slack for it.

    Near the edge the Lyapunov operator X ↦ AXAᵀ − X is nearly singular, and a backward-
    stable solve answers for some A + δA with ‖δA‖ ≲ 2⁸ε‖A‖_F, so its sign can be wrong only
    where the edge of A + δA lies on the other side of x. On the edge the eigenvalues are
    −1 and −β (well apart for β < 1) and −1 moves with ηλ at the rate 1/(1 − β), so the
    edge moves by ≲ 2⁸ε‖A‖_F·κ/(1 − β)·(1 − β) in ηλ, κ = O(1/(1 − β)) the eigenvalue
    condition: the slack 2⁹ε‖A‖_F/(1 − β) in ηλ, a backward-error estimate, is converted
    to x by the local slope of η(x)λ (a central difference)."""
    check_positive("lam", lam)
    halvings = check_int("halvings", halvings, 1, 60)

    def positive(x: float) -> bool:
        m = stationary_moment(rate_of(x), lam, beta, noise_var_of(x))
        return bool(np.isfinite(m) and m > 0.0)

    found = bisect_threshold(positive, lo, hi, halvings)
    a, _ = _covariance_map(rate_of(found.value), lam, beta)
    step = 1e-6 * found.value
    slope = abs(rate_of(found.value + step) - rate_of(found.value - step)) * lam / (2 * step)
    slack = 2**9 * EPS * float(np.linalg.norm(a)) / (1.0 - beta) / slope
    return found, slack


def stationary_loss(curvatures: Any, per_example_var: Any, rate: float, batch: float,
                    beta: float = 0.0) -> float:
    """Σ_i ½λ_i·E[θ_i²] at stationarity (:func:`stationary_moment` per direction), batch B."""
    lam = float_array("curvatures", curvatures)
    c = np.broadcast_to(float_array("per_example_var", per_example_var), lam.shape)
    return float(sum(0.5 * li * stationary_moment(rate, li, beta, ci / batch)
                     for li, ci in zip(lam, c, strict=True)))


def edge_check(name: str, closed: float, rate_of: Any, lam: float, beta: float,
               noise_var_of: Any, lo: float, hi: float) -> ModelCheck:
    """A derived edge ``closed`` (in x) against :func:`stationary_edge` on [lo, hi]."""
    found, slack = stationary_edge(rate_of, lam, beta, noise_var_of, lo, hi)
    return ModelCheck(f"{name} vs bisection of 'the stationary E[θ²] (SciPy Lyapunov) is "
                      "positive'", closed, found.value, found.tolerance + slack,
                      f"bisection: {found.halvings} halvings, plus the solve's backward-error "
                      f"slack {slack:.2g}")


def fixed_point_check(name: str, sigma: Any, eta: float, lam: float, beta: float,
                      noise_var: float) -> ModelCheck:
    """A stationary covariance Σ of (θ, v) in the convention v ← βv + ηg, θ ← θ − v
    (:func:`lrtheory.optimizers.heavy_ball_lr_in_velocity`) against one step of the exact
    covariance recursion AΣAᵀ + s²bbᵀ, with A and b found by running that rule on floats
    (from the basis states, and from rest with g = ξ = 1); compares the θθ entries."""
    sig = float_array(name, sigma)
    a = numeric_matrix(eta, lam, beta, heavy_ball_lr_in_velocity)
    b = np.array(heavy_ball_lr_in_velocity(0.0, 0.0, 1.0, eta, beta), dtype=np.float64)
    stepped = a @ sig @ a.T + noise_var * np.outer(b, b)
    tol = 8 * EPS * (np.linalg.norm(a) ** 2 * np.linalg.norm(sig) + noise_var * float(b @ b))
    return ModelCheck(name, float(sig[0, 0]), float(stepped[0, 0]), float(tol),
                      "float64 rounding of AΣAᵀ + s²bbᵀ: ≤ 8ε(‖A‖²‖Σ‖ + s²‖b‖²)")


def simulated_curve(curvatures: Any, per_example_var: Any, rate: float, batch: int,
                    examples: int, chains: int, ensemble: Ensemble,
                    beta: float = 0.0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Monte Carlo of :func:`loss_vs_examples` at every step (:func:`nqm.scheduled_sgd`,
    Gaussian noise, θ₀ = 1): (examples, mean loss, its standard error)."""
    batch = check_int("batch", batch, 1)
    steps = check_int("examples", examples, batch) // batch
    noise_sd = np.sqrt(float_array("per_example_var", per_example_var) / batch)
    kernel = nqm.scheduled_sgd(curvatures, noise_sd, np.full(steps, rate),
                               list(range(steps + 1)), x0=1.0, beta=beta)
    m = ensemble.run(kernel, chains, what=f"NQM curve at B = {batch}")
    return np.arange(steps + 1, dtype=np.float64) * batch, m.mean, m.stderr_mean


def onset(values: Any, errors: Any, level: float) -> float:
    """The first grid value (``values`` increasing) whose error reaches ``level``; ∞ if none."""
    reached = [float(v) for v, e in zip(values, errors, strict=True) if e >= level]
    return min(reached) if reached else float("inf")
