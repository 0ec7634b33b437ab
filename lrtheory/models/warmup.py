"""Two reasons for a learning-rate warm-up, as exact models (claim H7).

**(a) Adam's early second-moment estimate.** With i.i.d. gradients g ~ N(0, s²) Adam's
bias-corrected v̂_t = Σ_j w_j g²_{t−j} averages only t squares at step t, so its effective
per-parameter rate α/√v̂_t is noisy early on. This module gives the exact moments of
s/√v̂_t (the rate in units of α/s) by the Laplace quadrature of
:mod:`lrtheory.models.adam_moments`, the exact spread of v̂_t by its moment recursion, the
spread of the rate under a linear warm-up relative to its stationary spread, and the Monte
Carlo kernel that runs :func:`lrtheory.optimizers.adam` itself:

- :func:`effective_samples`: n_eff(t) = (Σw_j)²/Σw_j², from the weights;
- :func:`second_moment_spread`: Var v̂_t/(E v̂_t)², from the recursion of E v, E v²;
- :func:`effective_rate_moments` / :func:`stationary_rate_moments`: mean and variance of
  s/√v̂_t (finite iff t ≥ 3);
- :func:`warmup_spread_ratio`: S_W(t) = ω_t·sd(1/√v̂_t)/sd(1/√v̂_∞), ω_t = min(1, t/W);
- :func:`adam_rate_kernel`: per chain, s/√v̂_t after t steps of Adam.

**(b) A landscape whose sharpness falls as training proceeds.** GD on
L(x) = λx²/2 + cx⁴/4 (λ ≥ 0, c > 0): the Hessian λ + 3cx² falls as |x| does. One step is
x ← x(1 − η_t s(x)) with the *secant* curvature s(x) = L'(x)/x = λ + cx², so |x| shrinks iff
0 < z_t = η_t s(x_t) < 2, and since s grows with |x|, under a non-decreasing schedule GD
converges iff z_t < 2 at every step and diverges (super-exponentially) otherwise:

- :func:`warmup_rates`: η_t = η·ω_t at steps t = 1, 2, …, ω_t = min(1, t/W) of
  :func:`lrtheory.schedules.linear_warmup` — the same factor as Adam's in (a);
- :func:`quartic_gd`: the GD run (:func:`lrtheory.optimizers.gradient_step`, any array
  module), :func:`diverged` its outcome;
- :func:`largest_stable_start` and :func:`largest_stable_peak`: bisection on the outcome;
  :func:`stable_warmups`: the outcome at one peak η for many warm-up lengths at once;
- :func:`critical_z`: for λ = 0 the stability of z₁ = η₁s(x₀) = ηs(x₀)/W under the exact
  recursion
  z_{t+1} = (η_{t+1}/η_t) z_t(1 − z_t)², which involves neither c nor x₀, so the largest
  stable peak is z*(W)·W/s(x₀) exactly; :func:`peak_law` caps that by 2/λ for λ > 0;
- :func:`start_threshold`: for λ = 0 the largest stable start x_c = √(z*(W)·W/(cη)),
  exactly; :func:`escape_probability`: P(|x₀| > x_c) for x₀ ~ N(0, σ₀²);
- :func:`quartic_kernel`: the Monte Carlo kernel over random starts x₀ ~ N(0, σ₀²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrtheory.arrays import astype, namespace
from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    RangeError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    float_array,
)
from lrtheory.models.adam_moments import (
    ema_weights,
    inverse_power_expectation,
    stationary_steps,
)
from lrtheory.models.threshold import Threshold, bisect_threshold
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.optimizers import gradient_step
from lrtheory.schedules import constant, linear_warmup

FloatArray = NDArray[np.float64]

#: |x| is clipped here: a diverging run stays finite and keeps |x_T| > |x₀|.
CLIP = 1e100
#: Steps run after the warm-up ends. A divergence starts by step W (after it η is constant
#: and z_t falls while z_t < 2), and from then on |x| grows at every step with an excess
#: z − 2 that grows about fivefold per step (z(1 − z)² at z = 2 + δ is ≈ 2 + 5δ), so by the
#: last of these steps the growth is far above float64 resolution unless the run sits
#: within rounding of the threshold itself.
TAIL_STEPS = 10


def _beta2(beta2: float) -> float:
    return check_real("beta2", beta2, 0.0, 1.0)


# --------------------------------------------------------------------------------------
# (a) Adam's second-moment estimate
# --------------------------------------------------------------------------------------


def effective_samples(beta2: float, t: int) -> float:
    """Kish's effective number of samples of Adam's bias-corrected v̂_t, (Σw_j)²/Σw_j²,
    summed from the weights (1 − β₂)β₂^j/(1 − β₂^t), j < t."""
    w = ema_weights(_beta2(beta2), check_int("t", t, 1, MAX_STEPS))
    return float(np.sum(w) ** 2 / np.sum(w * w))


def second_moment_spread(beta2: float, t: int) -> float:
    """Var v̂_t/(E v̂_t)² for g ~ N(0, s²), by iterating Adam's update v ← β₂v + (1 − β₂)g²
    on the first two moments from v = 0 (E g² = s², E g⁴ = 3s⁴, s = 1; v and the new g are
    independent): E v ← β₂E v + (1 − β₂), E v² ← β₂²E v² + 2β₂(1 − β₂)E v + 3(1 − β₂)².
    The bias correction cancels from the ratio."""
    beta2 = _beta2(beta2)
    mean = square = 0.0
    for _ in range(check_int("t", t, 1, MAX_STEPS)):
        mean, square = (beta2 * mean + (1 - beta2),
                        beta2**2 * square + 2 * beta2 * (1 - beta2) * mean + 3 * (1 - beta2) ** 2)
    return square / mean**2 - 1.0


@dataclass(frozen=True)
class RateMoments:
    """Mean and variance of the effective rate s/√v̂_t (in units of α/s), with a bound on
    their numerical error (quadrature, tails, rounding)."""

    mean: float
    variance: float
    error: float

    @property
    def sd(self) -> float:
        return math.sqrt(self.variance)


def _rate_moments(weights: FloatArray) -> RateMoments:
    half = inverse_power_expectation(weights, 0.0, 1.0, 0.5)
    one = inverse_power_expectation(weights, 0.0, 1.0, 1.0)
    variance = one.value - half.value**2
    error = one.error + 2 * half.value * half.error + 4 * np.finfo(float).eps * one.value
    return RateMoments(half.value, variance, error + half.error)


def effective_rate_moments(beta2: float, t: int) -> RateMoments:
    """E[s/√v̂_t] and Var[s/√v̂_t] after t Adam steps from v = 0, g ~ N(0, s²), ε = 0.

    v̂_t ≥ min_j w_j·Σg² puts E[1/v̂_t] between multiples of E[1/χ²_t], which is infinite
    for t ≤ 2: the variance exists only from t = 3 on (``t`` < 3 is rejected)."""
    t = check_int("t", t, 3, MAX_STEPS)
    return _rate_moments(ema_weights(_beta2(beta2), t))


def stationary_rate_moments(beta2: float) -> RateMoments:
    """The moments of s/√v̂ once β₂ᵗ < 10⁻¹⁶ (:func:`stationary_steps`)."""
    beta2 = _beta2(beta2)
    return effective_rate_moments(beta2, max(3, stationary_steps(beta2)))


@cache
def _rate_sd(beta2: float, t: int) -> float:
    """sd(s/√v̂_t), cached (t = 0: the stationary sd)."""
    return (stationary_rate_moments(beta2) if t == 0 else effective_rate_moments(beta2, t)).sd


def warmup_factor(warmup: int, t: int) -> float:
    """ω_t = min(1, t/W) at Adam's step t ≥ 1: :func:`lrtheory.schedules.linear_warmup`
    in front of a constant, evaluated at the step count; W = 0 is no warm-up (ω = 1)."""
    warmup, t = check_int("warmup", warmup, 0, MAX_STEPS), check_int("t", t, 1, MAX_STEPS)
    return 1.0 if warmup == 0 else float(linear_warmup(constant(1.0), warmup)(float(t)))


def warmup_spread_ratio(beta2: float, warmup: int, t: int) -> float:
    """S_W(t) = ω_t·sd(s/√v̂_t)/sd(s/√v̂_∞): the spread of the rate α_t/√v̂_t under a linear
    warm-up of W steps relative to its stationary spread (exact, t ≥ 3)."""
    beta2, t = _beta2(beta2), check_int("t", t, 3, MAX_STEPS)
    return warmup_factor(warmup, t) * _rate_sd(beta2, t) / _rate_sd(beta2, 0)


def delta_spread(beta2: float, warmup: int, t: int) -> float:
    """S_W(t) by the delta method, ω_t·√(n_eff(∞)/n_eff(t)), with n_eff summed from the
    weights (:func:`effective_samples`; ∞: once β₂ᵗ < 10⁻¹⁶) — no closed form used."""
    beta2 = _beta2(beta2)
    stationary = effective_samples(beta2, max(1, stationary_steps(beta2)))
    return warmup_factor(warmup, t) * math.sqrt(stationary / effective_samples(beta2, t))


def warmup_spread_peak(beta2: float, warmup: int) -> tuple[int, float]:
    """The step t and value of the exact peak of S_W(t) over t ≥ 3 (W ≥ 3). Past the warm-up
    S_W(t) = sd_t/sd_∞ falls with t (v̂_t averages ever more squares: ``tests`` check it), so
    the peak is the largest of S_W(3), …, S_W(W) — at t = W once W is long enough, at t = 3
    (the heavy tail of v̂_3, χ²₃-like) for short warm-ups. Costs W − 2 quadratures."""
    beta2, warmup = _beta2(beta2), check_int("warmup", warmup, 3, MAX_STEPS)
    values = [warmup_factor(warmup, t) * _rate_sd(beta2, t) for t in range(3, warmup + 1)]
    k = int(np.argmax(values))
    return k + 3, values[k] / _rate_sd(beta2, 0)


def adam_rate_kernel(beta2: float, t: int) -> Kernel:
    """Per chain, s/√v̂_t after t steps of Adam's second-moment update on i.i.d.
    g ~ N(0, 1) (s = 1): v ← β₂v + (1 − β₂)g² from v = 0 — the v-part of
    :func:`lrtheory.optimizers.adam`, run in place (``tests/test_warmup.py`` checks it
    against the rule's state) — then v̂_t = v/(1 − β₂ᵗ)."""
    beta2, t = _beta2(beta2), check_int("t", t, 1, MAX_STEPS)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        v = xp.zeros(rng.n, dtype=rng.dtype)
        for _ in range(t):
            g = rng.normal()
            g *= g
            g *= 1.0 - beta2
            v *= beta2
            v += g
        return 1.0 / xp.sqrt(v / (1.0 - beta2**t))

    return kernel


# --------------------------------------------------------------------------------------
# (b) GD on λx²/2 + cx⁴/4 under a warm-up
# --------------------------------------------------------------------------------------


def _landscape(lam: float, c: float) -> tuple[float, float]:
    return check_real("lam", lam, 0.0, lo_open=False), check_positive("c", c)


def warmup_rates(eta: float, warmup: int, steps: int) -> FloatArray:
    """η_t = η·ω_t for the steps t = 1 … ``steps``: ``linear_warmup(constant(eta), W)`` at
    the step count (ω_t = t/W for t < W, 1 from t = W on; the first step has η/W), the
    convention of Adam's ω_t in (a); the constant η when W = 0 (W = 1 is the same)."""
    eta, warmup = check_positive("eta", eta), check_int("warmup", warmup, 0, MAX_STEPS)
    t = np.arange(1, check_int("steps", steps, 1, MAX_STEPS) + 1, dtype=np.float64)
    schedule = constant(eta) if warmup == 0 else linear_warmup(constant(eta), warmup)
    return np.asarray(schedule(t), dtype=np.float64)


def run_length(warmup: int) -> int:
    """Steps that decide convergence: the warm-up plus :data:`TAIL_STEPS`."""
    return check_int("warmup", warmup, 0, MAX_STEPS) + TAIL_STEPS


def _rates(rates: Any, size: int = 1) -> FloatArray:
    r = float_array("rates", rates)
    if r.ndim != 1 or r.size < size or not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ParameterError("rates", rates, f"a 1-D array of ≥ {size} finite rates η_t > 0")
    return r


def quartic_gd(x0: Any, rates: Any, lam: float, c: float) -> Any:
    """GD (:func:`lrtheory.optimizers.gradient_step`) on λx²/2 + cx⁴/4 from ``x0`` (a finite
    number or array of any module) with the rates η_t > 0 in turn; |x| is clipped at
    :data:`CLIP` so that a diverging run stays finite. Returns x_T."""
    lam, c = _landscape(lam, c)
    x0 = check_reals("x0", x0)
    x = x0
    for eta in _rates(rates):
        x = gradient_step(x, lam * x + c * x * x * x, float(eta))
        x = namespace(x).clip(x, -CLIP, CLIP) if hasattr(x, "shape") else max(-CLIP, min(CLIP, x))
    return x


def diverged(x0: Any, rates: Any, lam: float, c: float) -> Any:
    """Whether GD from x₀ diverged: |x| still grew on the last step (or hit :data:`CLIP`).

    A converging run has |x_t| falling at every step with η_t > 0 (0 < z_t < 2; it may
    underflow to 0 and stay there); a diverging one, from its first z_t > 2 on, grows at
    every step, since s(x) and η_t both rise. That first z_t > 2 comes by step W (after it
    η is constant and z_t falls while z_t < 2)."""
    r = _rates(rates, 2)
    before = quartic_gd(x0, r[:-1], lam, c)
    after = abs(quartic_gd(before, r[-1:], lam, c))
    return (after > abs(before)) | (after >= CLIP)


def largest_stable_start(eta: float, warmup: int, lam: float, c: float,
                         halvings: int = 48) -> Threshold:
    """The largest |x₀| from which GD at peak η with a W-step warm-up converges, by bisection
    on :func:`diverged` (every smaller |x₀| converges too: checked in the tests). The
    bracket's top, x₀² = 1.1·(2 max(W, 1)/η)/c, fails at the first step (there z > 2)."""
    lam, c = _landscape(lam, c)
    rates = warmup_rates(eta, warmup, run_length(warmup))
    if eta * lam >= 2:
        raise ParameterError("eta", eta, f"below 2/lam = {2 / lam:g} (else no start converges)")
    top = math.sqrt(1.1 * 2 * max(warmup, 1) / (eta * c))
    bottom = 1e-9 * top
    if not c * bottom * bottom * bottom > 1e-290:  # the gradient cx³ at the bracket's bottom
        raise RangeError("warmup.largest_stable_start", {"eta": eta, "warmup": warmup,
                         "lam": lam, "c": c}, "c·x₀³ underflows at x₀ ~ √(W/(ηc))")
    return bisect_threshold(lambda x: not diverged(x, rates, lam, c), bottom, top, halvings)


def largest_stable_peak(x0: float, warmup: int, lam: float, c: float,
                        halvings: int = 48) -> Threshold:
    """The largest peak η at which GD from x₀ with a W-step warm-up converges, by bisection
    on :func:`diverged` over η ∈ [2/s(x₀), top]: a warm-up never lowers the threshold
    2/s(x₀) of a constant rate (every η_t ≤ η and |x_t| ≤ |x₀|), and at the top, 1.1·2W/s(x₀)
    (the first step has z > 2), every run diverges. Where 2/λ is lower, the top
    is 2/λ itself; if GD still converges at (1 − 10⁻⁹)·2/λ the threshold is 2/λ, the final
    sharpness's limit (returned with that 10⁻⁹ as its tolerance)."""
    x0 = check_positive("x0", x0)
    lam, c = _landscape(lam, c)
    steps = run_length(warmup)
    s0 = lam + c * x0 * x0
    lo, top = 2 / s0, 1.1 * 2 * max(warmup, 1) / s0
    if lam > 0 and top >= 2 / lam:
        near = (1 - 1e-9) * 2 / lam
        if not diverged(x0, warmup_rates(near, warmup, steps), lam, c):
            return Threshold(2 / lam, 1e-9 * 2 / lam, 0, (near, 2 / lam))
        top = near
    return bisect_threshold(
        lambda eta: not diverged(x0, warmup_rates(eta, warmup, steps), lam, c),
        (1 - 1e-9) * lo, top, halvings)


def z_stable(z1: float, warmup: int) -> bool:
    """Whether z₁ keeps z_t < 2 under z_{t+1} = ((t + 1)/t)·z_t(1 − z_t)² for t < W (the
    pure quartic, λ = 0, under a W-step linear warm-up); after step W the rate is constant
    and z_{t+1} = z_t(1 − z_t)² < z_t while z_t < 2, so W − 1 steps decide."""
    z = check_real("z1", z1, 0.0)
    for t in range(1, check_int("warmup", warmup, 1, MAX_STEPS)):
        if z >= 2:
            return False
        z = (t + 1) / t * z * (1 - z) ** 2
    return z < 2


def critical_z(warmup: int, halvings: int = 48) -> Threshold:
    """z*(W) = sup{z₁ : :func:`z_stable`}: for λ = 0 the largest stable peak is exactly
    η*(W) = z*(W)·W/s(x₀) (z₁ = η₁s(x₀) = ηs(x₀)/W), the largest stable start
    x_c = √(z*(W)·W/(cη))."""
    warmup = check_int("warmup", warmup, 1, MAX_STEPS)
    return bisect_threshold(lambda z: z_stable(z, warmup), 1e-9, 2.0, halvings)


@cache
def critical_z_value(warmup: int) -> float:
    """z*(W) as a number (cached): 2 for W ≤ 1 (a constant rate)."""
    return critical_z(warmup).value if check_int("warmup", warmup, 0, MAX_STEPS) > 1 else 2.0


def start_threshold(eta: float, warmup: int, c: float) -> Threshold:
    """For λ = 0, the largest stable |x₀| at peak η with a W-step warm-up, exactly
    x_c = √(z*(W)·W/(cη)) (z₁ = ηcx₀²/W must lie below z*(W)), from :func:`critical_z` —
    the z-recursion, not GD runs; the tolerance carries z*'s bisection half-width."""
    eta, c = check_positive("eta", eta), check_positive("c", c)
    z = critical_z(max(1, check_int("warmup", warmup, 0, MAX_STEPS)))
    x_c = math.sqrt(z.value * max(warmup, 1) / (c * eta))
    return Threshold(x_c, x_c * z.tolerance / (2 * z.value), z.halvings, z.bracket)


def escape_probability(threshold: float, tolerance: float, sd0: float) -> tuple[float, float]:
    """P(|x₀| > x_c) for x₀ ~ N(0, σ₀²) — the fraction of random starts that diverge when the
    stable starts are |x₀| < x_c — and the most a threshold error of ``tolerance`` can move
    it, 2φ(x_c/σ₀)·tolerance/σ₀ (φ the normal density; 1 % added for the second order)."""
    u = check_positive("threshold", threshold) / check_positive("sd0", sd0)
    tolerance = check_real("tolerance", tolerance, 0.0, lo_open=False)
    density = math.exp(-u * u / 2) / math.sqrt(2 * math.pi)
    return math.erfc(u / math.sqrt(2)), 2 * density * abs(tolerance) / sd0 * 1.01


def peak_law(x0: float, warmup: int, lam: float, c: float) -> float:
    """The largest stable peak by the pure-quartic law capped by the final sharpness,
    min(z*(W)·W/s(x₀), 2/λ): exact for λ = 0 and for W = 0 (2/s(x₀)), an approximation
    otherwise (its error is measured in claim H7)."""
    lam, c = _landscape(lam, c)
    s0 = lam + c * check_positive("x0", x0) ** 2
    if warmup == 0:
        return 2.0 / s0
    law = critical_z_value(warmup) * warmup / s0
    return min(law, 2.0 / lam) if lam > 0 else law


def quartic_kernel(eta: float, warmup: int, lam: float, c: float, sd0: float) -> Kernel:
    """Per chain, x₀ = σ₀ξ and two 0/1 columns: GD at constant η diverged; GD with a W-step
    linear warm-up to η diverged (:func:`diverged`; same x₀ for both)."""
    lam, c = _landscape(lam, c)
    sd0 = check_positive("sd0", sd0)
    flat = warmup_rates(eta, 0, run_length(0))  # a constant rate decides at step 0
    warm = warmup_rates(eta, warmup, run_length(warmup))

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x0 = sd0 * rng.normal()
        columns = [diverged(x0, rates, lam, c) for rates in (flat, warm)]
        return xp.stack([astype(xp, col, rng.dtype) for col in columns], axis=1)

    return kernel


def stable_peak_grid(x0: float, warmup: int, lam: float, c: float, etas: Any) -> FloatArray:
    """Whether GD from x₀ converges at each peak η of ``etas`` (one vectorised run over the
    grid, the rates η·ω_t of a W-step warm-up): a boolean array, for figures; thresholds for
    checks come from :func:`largest_stable_peak`."""
    x0 = check_positive("x0", x0)
    grid = float_array("etas", etas)
    if grid.ndim != 1 or grid.size == 0 or np.any(grid <= 0) or not np.all(np.isfinite(grid)):
        raise ParameterError("etas", etas, "a non-empty 1-D array of η > 0")
    lam, c = _landscape(lam, c)
    omega = warmup_rates(1.0, warmup, run_length(warmup))
    x = before = np.full_like(grid, x0)
    for w in omega:
        before, x = x, (x - grid * w * (lam * x + c * x * x * x)).clip(-CLIP, CLIP)
    return np.asarray((np.abs(x) <= np.abs(before)) & (np.abs(x) < CLIP))


def stable_warmups(x0: float, eta: float, warmups: Any, lam: float, c: float) -> NDArray[Any]:
    """Whether GD from x₀ at peak η converges with a W-step warm-up, for each W of
    ``warmups`` (one vectorised run; each W gets its :func:`run_length` and the outcome of
    :func:`diverged`): a boolean array."""
    x0, eta = check_positive("x0", x0), check_positive("eta", eta)
    lam, c = _landscape(lam, c)
    ws = np.asarray(warmups)
    if ws.ndim != 1 or ws.size == 0 or np.any(ws < 0) or np.any(ws != np.round(ws)):
        raise ParameterError("warmups", warmups, "a non-empty 1-D array of integers W ≥ 0")
    t = np.arange(1, int(ws.max()) + TAIL_STEPS + 1, dtype=np.float64)
    omega = np.minimum(1.0, t[None, :] / np.maximum(ws, 1)[:, None])
    x = before = np.full(ws.shape, x0)
    outcome = np.zeros(ws.shape, dtype=bool)
    for k in range(t.size):
        before, x = x, (x - eta * omega[:, k] * (lam * x + c * x * x * x)).clip(-CLIP, CLIP)
        last = ws + TAIL_STEPS == k + 1  # each W decides at its own last step
        outcome[last] = (np.abs(x[last]) <= np.abs(before[last])) & (np.abs(x[last]) < CLIP)
    return outcome
