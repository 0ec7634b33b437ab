"""One learning rate per noise level: uncoupled quadratic levels trained by (S)GD (claim G4).

The model (a modelling choice; seed 004 only says "approximating the loss as a local
quadratic"): noise level ℓ trains on a quadratic of curvature c_ℓ in its error e = w − w*_ℓ,
L_ℓ = c_ℓe²/2, by SGD with rate η_ℓ and additive gradient noise of s.d. σ_ℓ,

    e ← e − η_ℓ (c_ℓ e + σ_ℓ ξ),    ξ ~ N(0, 1),

every level updated every step, no coupling between levels (separate parameters, or
orthogonal eigen-directions of one model). Every function takes any curvatures c_ℓ, so a
claim that derives c_ℓ from a denoiser (G7) can use them as they are:

- :func:`level_rates`: η_ℓ = r/c_ℓ per level, or one shared η = r/max c_ℓ;
- :func:`level_moments`: E e_t and Var e_t per level from the exact moment recursions;
- :func:`per_level_sgd`: the Monte Carlo kernel of all levels at once;
- :func:`gd_factor` and :func:`gd_steps`: noiseless GD on one level (the update rule
  :func:`lrtheory.optimizers.gradient_step` in Python floats), its measured factor per step
  (with its float64 rounding bound, :func:`gd_factor_rounding`) and its step count to a
  tolerance;
- :func:`shared_rate_threshold`: the largest stable shared η, bisected on GD over all levels
  (derived: 2/max c_ℓ).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    finite_result,
    float_array,
)
from lrtheory.models.quadratic import gd_growth_rate, growth_rate_rounding
from lrtheory.models.rounding import EPS
from lrtheory.models.threshold import bisect_threshold
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.optimizers import gradient_step

FloatArray = NDArray[np.float64]

RULES = ("per-level", "shared")


def _curvatures(curvatures: Any) -> FloatArray:
    c = float_array("curvatures", curvatures)
    if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise ParameterError("curvatures", curvatures, "a non-empty 1-D array of c_ℓ > 0")
    return c


def _per_level(c: FloatArray, *values: Any) -> tuple[FloatArray, ...]:
    """Values given per level or once for all, as float64 arrays of the levels' shape."""
    return tuple(np.broadcast_to(np.asarray(v, dtype=np.float64), c.shape) for v in values)


def level_rates(curvatures: Any, r: float, rule: str) -> FloatArray:
    """η_ℓ = r/c_ℓ (``"per-level"``) or one shared η = r/max c_ℓ (``"shared"``)."""
    c = _curvatures(curvatures)
    r = check_positive("r", r)
    if rule not in RULES:
        raise ParameterError("rule", rule, f"one of {', '.join(RULES)}")
    return r / c if rule == "per-level" else np.full_like(c, r / c.max())


def level_moments(curvatures: Any, etas: Any, noise_sd: Any, e0: Any,
                  steps: int) -> tuple[FloatArray, FloatArray]:
    """E e_t and Var e_t per level for t = 0 … T (arrays of shape (T + 1, L)), by iterating
    the exact moment recursions m ← (1 − ηc)m and V ← (1 − ηc)²V + η²σ² from (e₀, 0); no
    stability assumed."""
    c = _curvatures(curvatures)
    eta, sd, start = _per_level(c, etas, noise_sd, e0)
    if np.any(eta <= 0) or np.any(sd < 0) or not np.all(np.isfinite(start)):
        raise ParameterError("etas, noise_sd, e0", (etas, noise_sd, e0),
                             "η_ℓ > 0, σ_ℓ ≥ 0, finite e₀")
    q = 1.0 - eta * c
    mean, var = [start.copy()], [np.zeros_like(c)]
    for _ in range(check_int("steps", steps, 0, MAX_STEPS)):
        mean.append(q * mean[-1])
        var.append(q * q * var[-1] + (eta * sd) ** 2)
    return np.array(mean), np.array(var)


def per_level_sgd(curvatures: Any, etas: Any, noise_sd: Any, e0: Any, steps: int) -> Kernel:
    """SGD on every level at once from e₀; each chain returns e_T, shape (n, L).

    Per-level rates are one shared rate in rescaled coordinates: with x_ℓ = e_ℓ/(η_ℓσ_ℓ) the
    step e ← (1 − η_ℓc_ℓ)e − η_ℓσ_ℓξ is x ← x − (a_ℓx + ξ), a_ℓ = η_ℓc_ℓ: SGD with rate 1,
    curvatures a_ℓ and unit noise, which the shared kernel
    :func:`lrtheory.montecarlo.kernels.sgd_diagonal_quadratic` runs (exact algebra)."""
    c = _curvatures(curvatures)
    eta, sd, start = _per_level(c, etas, noise_sd, e0)
    if np.any(eta <= 0) or np.any(sd <= 0):
        raise ParameterError("etas, noise_sd", (etas, noise_sd), "η_ℓ > 0 and σ_ℓ > 0")
    scale = eta * sd
    inner = sgd_diagonal_quadratic(1.0, eta * c, 1.0, steps, x0=start / scale)

    def kernel(rng: ChunkRNG) -> Any:
        return inner(rng) * rng.xp.asarray(scale, dtype=rng.dtype)

    return kernel


# --------------------------------------------------------------------------------------
# noiseless GD on one level
# --------------------------------------------------------------------------------------


@finite_result
def gd_factor(c: float, eta: float, steps: int) -> float:
    """|e_T/e₀|^{1/T} of T GD steps (gradient_step, Python floats) on c e²/2 from e₀ = 1: the
    measured factor per step, |1 − ηc| in exact arithmetic."""
    c, eta = check_positive("c", c), check_positive("eta", eta)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    e = 1.0
    for _ in range(steps):
        e = gradient_step(e, c * e, eta)
    return float(abs(e) ** (1.0 / steps))


def gd_factor_rounding(c: float, eta: float) -> float:
    """Absolute float64 bound on :func:`gd_factor` against q = |1 − ηc|, any T.

    One step forms fl(e − fl(η·fl(c·e))): relative error ≤ ε(2 + 2ηc/q) of the result (the
    subtraction cancels when ηc ≈ 1); the T-th root of T such factors keeps that relative
    size; 4ε more for the closed form, the power and the root: qε(6 + 2ηc/q)."""
    c, eta = check_positive("c", c), check_positive("eta", eta)
    q = abs(1.0 - eta * c)
    return q * EPS * (6.0 + 2.0 * eta * c / q) if q > 0.0 else 2.0 * EPS * eta * c


def gd_steps(c: float, eta: float, tol: float, max_steps: int) -> int:
    """Steps of GD (gradient_step, Python floats) on c e²/2 from e₀ = 1 until |e| ≤ tol
    (t = 0 is the start); −1 if not within ``max_steps``. The closed form of a contracting
    level is ⌈ln tol/ln|1 − ηc|⌉ (:func:`lrtheory.models.convergence.geometric_steps`)."""
    c, eta, tol = check_positive("c", c), check_positive("eta", eta), check_positive("tol", tol)
    e = 1.0
    for t in range(check_int("max_steps", max_steps, 0, MAX_STEPS) + 1):
        if abs(e) <= tol:
            return t
        e = gradient_step(e, c * e, eta)
    return -1


def shared_rate_threshold(curvatures: Any, steps: int, halvings: int = 40) -> tuple[float, float]:
    """The largest shared η at which GD on all levels does not grow, and its tolerance.

    Bisection (:func:`lrtheory.models.threshold.bisect_threshold`) on whether the measured
    growth rate of T GD steps on diag(c_ℓ) (:func:`lrtheory.models.quadratic.gd_growth_rate`)
    is < 1, over η ∈ [0.5, 1.6]·2/max c_ℓ; the tolerance is the bisection's plus the
    growth-rate rounding at 2/max c_ℓ over the slope max c_ℓ of the rate in η there."""
    c = _curvatures(curvatures)
    h, width = np.diag(c), 2.0 / c.max()
    found = bisect_threshold(lambda eta: gd_growth_rate(h, eta, steps) < 1.0,
                             0.5 * width, 1.6 * width, halvings=halvings)
    return found.value, found.tolerance + growth_rate_rounding(h, width, steps) / c.max()
