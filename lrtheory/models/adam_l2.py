"""L2 through Adam's gradient against decoupled decay (AdamW): means, exactly.

Per coordinate the stochastic gradient is ∇f(w) + σξ with ∇f(w) = a + hw, h ≥ 0 (h = 0: a
noisy linear loss of mean slope a; h > 0: the quadratic ½h(w − c)², a = −hc) and ξ ~ N(0, 1)
i.i.d. over steps. Two ways to add a penalty of strength λ (PyTorch's ``weight_decay=λ``):

* **Adam + L2** (``torch.optim.Adam``): Adam on ∇f + λw + σξ = (h + λ)(w − w_L2) + σξ with
  w_L2 = −a/(h + λ), the minimiser of f + ½λw². The step is odd under (w − w_L2, m, ξ) ↦
  −(w − w_L2, m, ξ) with v unchanged (M11's derivation), so from w₀ = w_L2 and zero moments
  the law of w_t is symmetric about w_L2: E w_t = w_L2 exactly, at every t, for every σ.
* **AdamW** (``torch.optim.AdamW``, :func:`lrtheory.adaptive.adamw_lr_scaled`):
  w ← (1 − ηλ)w − η d_t, d = m̂/(√v̂ + ε). On the linear loss d_t depends on the noise alone:
  E w_T = (1 − ηλ)^T w₀ − η Σ_{s=1}^{T} (1 − ηλ)^{T−s} E d_s, with E d_s the exact Laplace
  quadrature of :mod:`lrtheory.models.adam_moments` (Gaussian gradients N(a, σ²), the EMA
  weights of step s). Stationary: E w = −E d_∞/λ ≈ −a/(λ√(a² + σ²)) (ratio of
  expectations): an L2 solution of strength λ√(E g²) instead of λ.

ε's shift of E d is bounded here (:func:`eps_shift_bound`), not computed, so the quadratures
run at ε = 0 and reuse one table per set of weights for every (a, σ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import brentq

from lrtheory.adaptive import AdamState, adamw_lr_scaled
from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    float_array,
)
from lrtheory.models import adam_moments as am


@dataclass(frozen=True)
class AdamHyper:
    """Adam's hyperparameters (β₁, β₂, ε), the learning rate η and the penalty λ (PyTorch's
    ``weight_decay``; AdamW's shrink factor per step is 1 − ηλ)."""

    eta: float
    lam: float
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        check_positive("eta", self.eta)
        check_positive("lam", self.lam)
        check_real("beta1", self.beta1, 0.0, 1.0, lo_open=False)
        check_real("beta2", self.beta2, 0.0, 1.0)
        check_real("eps", self.eps, 0.0, lo_open=False)
        if self.eta * self.lam >= 1.0:
            raise ParameterError("lam", self.lam, f"in (0, 1/η) = (0, {1 / self.eta:g}) so "
                                 "that AdamW's shrink factor 1 − ηλ is positive")


def l2_solution(a: float, h: float, lam: float) -> float:
    """argmin of f(w) + ½λw² for ∇f = a + hw: w_L2 = −a/(h + λ)."""
    return -a / (check_real("h", h, 0.0, lo_open=False) + check_positive("lam", lam))


def eps_shift_bound(eps: float, beta1: float, beta2: float, s: int, sigma: float) -> float:
    """A bound on |E d_ε − E d_0| at step s, d_ε = m̂/(√v̂ + ε), gradients N(a, σ²) (any a).

    |d_ε − d_0| = |m̂|ε/(√v̂(√v̂ + ε)) ≤ C min(1, ε/√v̂), C = sup |m̂|/√v̂ (Cauchy–Schwarz,
    :func:`lrtheory.models.adam_moments.ratio_bound`). v̂ ≥ w₀ g_s², w₀ = (1 − β₂)/(1 − β₂ˢ)
    the newest gradient's weight, so min(1, ε/√v̂) ≤ min(1, ε'/|g_s|), ε' = ε/√w₀. The density
    of g_s is ≤ 1/(σ√(2π)), hence for ε' < σ: E min(1, ε'/|g|) ≤ P(|g| ≤ ε') + ε'E[1/|g|;
    ε' < |g| ≤ σ] + ε'/σ ≤ (2ε'/(σ√(2π)))(1 + ln(σ/ε')) + ε'/σ."""
    check_real("eps", eps, 0.0, lo_open=False)
    check_real("beta1", beta1, 0.0, 1.0, lo_open=False)
    check_real("beta2", beta2, 0.0, 1.0, lo_open=False)
    s = check_int("s", s, 1, MAX_STEPS)
    sigma = check_positive("sigma", sigma)
    if eps == 0.0:
        return 0.0
    c = am.ratio_bound(_ema(beta1, s), _ema(beta2, s))
    w0 = (1.0 - beta2) / (1.0 - beta2**s) if beta2 > 0 else 1.0
    e = eps / math.sqrt(w0)
    if e >= sigma:
        raise ParameterError("eps", eps, f"below σ√w₀ = {sigma * math.sqrt(w0):.3g} (bound)")
    return c * ((2.0 * e / (sigma * math.sqrt(2.0 * math.pi))) * (1.0 + math.log(sigma / e))
                + e / sigma)


@dataclass(frozen=True)
class Mean:
    """An expectation and a bound on its numerical error."""

    value: float
    error: float


@cache
def _ema(beta: float, steps: int) -> np.ndarray:
    """Adam's bias-corrected EMA weights after ``steps`` steps (cached, read-only)."""
    weights = am.ema_weights(beta, steps)
    weights.flags.writeable = False
    return weights


@cache
def _direction(beta1: float, beta2: float, s: int, a: float, sigma: float) -> am.Quadrature:
    return am.ratio_expectation(_ema(beta1, s), _ema(beta2, s), a, sigma)


def _stationary(hp: AdamHyper, a: float, sigma: float, eps: float = 0.0) -> am.Quadrature:
    """The exact stationary E[m̂/(√v̂ + ε)] (bias corrections faded below 10⁻¹⁶)."""
    steps = am.stationary_steps(hp.beta1, hp.beta2)
    return am.ratio_expectation(_ema(hp.beta1, steps), _ema(hp.beta2, steps), a, sigma,
                                eps=eps)


def direction_mean(hp: AdamHyper, s: int, a: float, sigma: float) -> Mean:
    """E d_s = E[m̂_s/(√v̂_s + ε)] after s steps from zero moments, gradients N(a, σ²): the
    ε = 0 quadrature, its error plus :func:`eps_shift_bound`."""
    q = _direction(hp.beta1, hp.beta2, check_int("s", s, 1), check_real("a", a),
                   check_positive("sigma", sigma))
    return Mean(q.value, q.error + eps_shift_bound(hp.eps, hp.beta1, hp.beta2, s, sigma))


@cache
def adamw_linear_curve(hp: AdamHyper, a: float, sigma: float, w0: float,
                       steps: int) -> tuple[Mean, ...]:
    """E w_t, t = 0 … T, of AdamW (shrink 1 − ηλ) on the noisy linear loss from w₀ and zero
    moments, by the exact recursion of the mean E w_t = (1 − ηλ)E w_{t−1} − η E d_t (the
    direction d_t does not depend on w), each E d_t exact (module docstring); the error
    bound accumulates the directions' bounds and 4ε per step of rounding."""
    steps = check_int("steps", steps, 1)
    q = 1.0 - hp.eta * hp.lam
    w0 = check_real("w0", w0)
    value, error, out = w0, 0.0, [Mean(w0, 0.0)]
    for s in range(1, steps + 1):
        d = direction_mean(hp, s, a, sigma)
        value = q * value - hp.eta * d.value
        error = q * error + hp.eta * d.error + 4.0 * am.EPS * (abs(value) + 1.0 / hp.lam)
        out.append(Mean(value, error))
    return tuple(out)


def adamw_linear_mean(hp: AdamHyper, a: float, sigma: float, w0: float, steps: int) -> Mean:
    """E w_T of :func:`adamw_linear_curve`: (1 − ηλ)^T w₀ − η Σ_s (1 − ηλ)^{T−s} E d_s."""
    return adamw_linear_curve(hp, check_real("a", a), check_real("sigma", sigma, 0.0),
                              check_real("w0", w0), check_int("steps", steps, 1))[-1]


@cache
def adamw_linear_stationary(hp: AdamHyper, a: float, sigma: float) -> Mean:
    """AdamW's stationary mean on the noisy linear loss: −E d_∞/λ, E d_∞ the exact
    stationary quadrature (bias corrections faded below 10⁻¹⁶), ε's shift bounded by
    ε·C·E[v̂^(−½)] (:func:`lrtheory.models.adam_moments.ratio_expectation`). Cached: a
    claim's findings and its model checks ask for the same values."""
    q = _stationary(hp, check_real("a", a), check_positive("sigma", sigma), hp.eps)
    return Mean(-q.value / hp.lam, q.error / hp.lam)


def adamw_ratio_of_expectations(hp: AdamHyper, a: float, h: float, sigma: float) -> float:
    """The mean-field stationary point of AdamW on the noisy quadratic, h > 0:
    λw + G/(√(G² + σ²) + ε) = 0, G = a + hw (E m̂ = G, E v̂ = G² + σ², the spread of w
    neglected). At ε = 0 it is a root of the quartic λ²w²(G² + σ²) = G², with no closed
    form in general; solved by bracketing (the left side increases in w, and |w| < 1/λ).
    On the linear loss (h = 0) the root is −a/(λ(√(a² + σ²) + ε)) directly."""
    a = check_real("a", a)
    h = check_positive("h", h)
    sigma = check_real("sigma", sigma, 0.0, lo_open=False)

    def residual(w: float) -> float:
        g = a + h * w
        return hp.lam * w + g / (math.sqrt(g * g + sigma * sigma) + hp.eps)

    bound = 1.0 / hp.lam + 1.0
    return float(brentq(residual, -bound, bound, xtol=1e-15, rtol=4 * am.EPS))


def averaged_fixed_point(hp: AdamHyper, a: float, h: float, sigma: float) -> Mean:
    """AdamW's stationary point on the quadratic in the limit η → 0 (w frozen over the
    moments' memory): the root of λw + F(a + hw, σ) = 0, F(μ, σ) the exact stationary
    E[m̂/√v̂] for gradients N(μ, σ²). F is increasing in μ, so the root is unique; its error
    is the quadrature's divided by the slope λ (plus brentq's tolerance)."""
    a = check_real("a", a)
    check_positive("h", h)
    sigma = check_positive("sigma", sigma)

    def residual(w: float) -> float:
        return hp.lam * w + _stationary(hp, a + h * w, sigma).value

    bound = 1.0 / hp.lam + 1.0
    root = float(brentq(residual, -bound, bound, xtol=1e-13))
    err = _stationary(hp, a + h * root, sigma).error
    return Mean(root, err / hp.lam + 2e-13)


@cache
def overregularisation_boundary(hp: AdamHyper, a: float) -> Mean:
    """The gradient RMS √(a² + σ*²) at which Adam + L2 and AdamW (same λ) have the same
    stationary mean on the linear loss, i.e. E d_∞(a, σ*) = a (0 < a < 1): below it Adam +
    L2 shrinks w more than AdamW (|w_L2| < |w_W|), above it less. The ratio of expectations
    puts it at RMS = 1 (ε → 0). Cached, as :func:`adamw_linear_stationary`."""
    a = check_real("a", a, 0.0, 1.0)

    def gap(sigma: float) -> float:
        return _stationary(hp, a, sigma).value - a

    sigma = float(brentq(gap, 1e-3, 1e3, xtol=1e-12))
    return Mean(math.hypot(a, sigma), 1e-12)


def deterministic_fixed_point(hp: AdamHyper, h: float, c: float) -> float:
    """AdamW's fixed point on ½h(w − c)² with exact gradients (σ = 0), c > 1/λ: there
    m̂ = G, v̂ = G², G = h(w − c) < 0, and λw = |G|/(|G| + ε), the root in (0, c) of
    λw(h(c − w) + ε) = h(c − w). As ε → 0 it is w = 1/λ whatever h and c: a box
    |w| ≤ 1/λ, not an L2 solution."""
    h, c = check_positive("h", h), check_real("c", c, 1.0 / hp.lam)
    qa, qb, qc = hp.lam * h, -(hp.lam * (h * c + hp.eps) + h), h * c  # qa w² + qb w + qc = 0
    # The smaller root (it lies in (0, c)), in the form without cancellation.
    return 2.0 * qc / (-qb + math.sqrt(qb * qb - 4.0 * qa * qc))


def run_to_fixed_point(hp: AdamHyper, h: float, cs: np.ndarray,
                       max_steps: int = 200_000) -> np.ndarray:
    """AdamW (:func:`lrtheory.adaptive.adamw_lr_scaled`) with exact gradients h(w − c) on
    ½h(w − c)², one run per c in ``cs`` from w = 0, iterated until its whole state (w, m, v)
    is a floating-point fixed point. There |η(d + λw)| is below the rounding of w, and the
    residual r(w) = λw + G/(|G| + ε) grows with slope ≥ λ, so the returned w is within
    (4ε|w|/η + 16ε)/λ of the exact fixed point. Raises RuntimeError if ``max_steps`` do not
    suffice."""
    h = check_positive("h", h)
    cs = float_array("cs", cs)
    if cs.ndim != 1 or cs.size == 0 or not np.all(np.isfinite(cs)):
        raise ParameterError("cs", cs, "a non-empty 1-D array of finite optima c")
    w = np.zeros_like(cs)
    state = AdamState.zeros(w)
    for _ in range(check_int("max_steps", max_steps, 1)):
        new, nxt = adamw_lr_scaled(w, state, h * (w - cs), hp.eta, hp.lam, hp.beta1, hp.beta2,
                                   hp.eps)
        if np.all(new == w) and np.all(nxt.m == state.m) and np.all(nxt.v == state.v):
            return w
        w, state = new, nxt
    raise RuntimeError(f"AdamW did not reach a floating-point fixed point in {max_steps} steps")


def stationary_curve(hp: AdamHyper, a: float, sigmas: np.ndarray) -> np.ndarray:
    """AdamW's exact stationary mean −E d_∞/λ on the linear loss for each σ (figures)."""
    return np.array([adamw_linear_stationary(hp, a, float(s)).value for s in sigmas])
