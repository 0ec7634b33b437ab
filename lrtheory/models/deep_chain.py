"""A deep linear chain of scalar layers: per-layer gradient scales and per-layer rates.

Layer ℓ = 1, …, L computes h_ℓ = a_ℓh_{ℓ−1} + w_ℓx_ℓ (h₀ = 0) and the output is f = h_L;
a_ℓ is the gain from layer ℓ − 1 (weight × activation slope; see
:mod:`lrtheory.symbolic.deep_chain`), x_ℓ layer ℓ's own input at unit scale. Backprop
multiplies by one gain per layer, so ∂f/∂w_ℓ = B_ℓx_ℓ with B_ℓ = Π_{k>ℓ} a_k
(:func:`backprop_factors`; a^{L−ℓ} for equal gains). With errors e = w − w* and a teacher
f(w*), the residual is r = Σ_k B_kx_ke_k and:

* over x ~ N(0, I) the loss is ½Σ B_ℓ²e_ℓ²: layer ℓ has curvature B_ℓ², so full-batch GD
  multiplies e_ℓ by 1 − η_ℓB_ℓ² (:func:`layer_factors`);
* per-example SGD keeps that mean, E e_ℓ(t+1) = (1 − η_ℓB_ℓ²) E e_ℓ(t), and its second
  moments s_ℓ = E e_ℓ² evolve exactly by s ↦ diag(1 − 2u + 2u²)s + (η²⊙B²)(B²·s), u_ℓ =
  η_ℓB_ℓ² (:func:`sgd_second_moments`), which is stable iff every u_ℓ ∈ (0, 1) and
  Σ u_ℓ/(2(1 − u_ℓ)) < 1 (:func:`mean_square_margin`).

Three rate rules, each at the fraction f of its own stability limit (:func:`layer_rates`):
one global η = 2f/max B_ℓ², η_ℓ ∝ 1/B_ℓ (equal per-example update size) and η_ℓ ∝ 1/B_ℓ²
(equal convergence factors).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from lrtheory.arrays import namespace
from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_real,
    check_reals,
    float_array,
)

Array = np.ndarray[Any, Any]
Rule = Literal["global", "gradient", "curvature"]
RULES: tuple[Rule, ...] = ("global", "gradient", "curvature")

#: E ln|z| for z ~ N(0, 1): −(γ + ln 2)/2 (derived in claim S11).
LOG_ABS_NORMAL_MEAN = -0.5 * (float(np.euler_gamma) + math.log(2.0))


def backprop_factors(gains: Any) -> Any:
    """B_ℓ = Π_{k=ℓ+1}^{L} a_k for gains a_2, …, a_L (last axis, length L − 1; any leading
    batch axes): B_L = 1. Returns the (…, L) factors."""
    xp = namespace(gains)
    g = xp.asarray(gains)
    if g.ndim == 0 or g.dtype.kind not in "iuf" or not bool(xp.all(xp.isfinite(g))):
        raise ParameterError("gains", gains, "finite real gains a_2, …, a_L along the last axis")
    ones = xp.ones((*g.shape[:-1], 1), dtype=g.dtype if g.dtype.kind == "f" else float)
    tail = xp.cumprod(g[..., ::-1], axis=-1)[..., ::-1]  # Π_{k≥j} a_k for j = 2, …, L
    return xp.concatenate([tail, ones], axis=-1)


def equal_gains(gain: float, depth: int) -> Array:
    """The L − 1 gains of a chain with one gain a (a > 0)."""
    check_real("gain", gain, 0.0)
    return np.full(check_int("depth", depth, 2, MAX_SIZE) - 1, float(gain))


def _check_chain(x: Any, gains: Any) -> int:
    """The depth L of a batch of inputs (…, L) whose gains have L − 1 entries on their last
    axis (shapes only: no data is read, so this costs nothing on a GPU)."""
    if getattr(x, "ndim", 0) == 0 or x.shape[-1] < 1:
        raise ParameterError("x", getattr(x, "shape", x), "inputs (…, L) with L ≥ 1")
    if getattr(gains, "ndim", 0) == 0 or gains.shape[-1] != x.shape[-1] - 1:
        raise ParameterError("gains", getattr(gains, "shape", gains),
                             f"L − 1 = {x.shape[-1] - 1} gains along the last axis")
    return int(x.shape[-1])


def chain_output(w: Any, x: Any, gains: Any) -> Any:
    """f = h_L with h_ℓ = a_ℓh_{ℓ−1} + w_ℓx_ℓ: the forward pass, rows of ``x`` (…, L)."""
    depth = _check_chain(x, gains)
    if getattr(w, "shape", (None,))[-1] != depth:
        raise ParameterError("w", getattr(w, "shape", w), f"weights (…, {depth})")
    h = w[..., 0] * x[..., 0]
    for k in range(1, depth):
        h = gains[..., k - 1] * h + w[..., k] * x[..., k]
    return h


def chain_gradients(w: Any, x: Any, gains: Any, target: Any) -> Any:
    """Per-example ∂½(f − y)²/∂w_ℓ by backprop: δ_L = f − y, δ_ℓ = a_{ℓ+1}δ_{ℓ+1},
    ∂/∂w_ℓ = δ_ℓx_ℓ. Shapes: w, x (…, L); gains (…, L − 1) or (L − 1,); target (…)."""
    xp = namespace(w, x)
    out = chain_output(w, x, gains)
    try:
        delta = out - check_reals("target", target)
    except ValueError:
        raise ParameterError("target", f"an array of shape {np.shape(target)}", "of a shape "
                             f"that broadcasts with the outputs' {np.shape(out)}") from None
    grads = [delta * x[..., -1]]
    for k in range(x.shape[-1] - 2, -1, -1):
        delta = gains[..., k] * delta
        grads.append(delta * x[..., k])
    return xp.stack(grads[::-1], axis=-1)


def log_gradient_slope(grads: Any) -> Any:
    """Per row, the least-squares slope of ln|∂/∂w_ℓ| against the depth from the output
    L − ℓ: ln a for equal gains in expectation (the input's and residual's logs cancel or
    are shared), E ln|a_k| for random gains. Needs L ≥ 2 layers on the last axis."""
    if getattr(grads, "ndim", 0) == 0 or grads.shape[-1] < 2:
        raise ParameterError("grads", getattr(grads, "shape", grads),
                             "gradients (…, L) of L ≥ 2 layers (a slope needs two)")
    xp = namespace(grads)
    depth = grads.shape[-1]
    t = xp.arange(depth - 1, -1, -1, dtype=grads.dtype)
    t = t - xp.mean(t)
    return xp.sum(xp.log(xp.abs(grads)) * t, axis=-1) / float(xp.sum(t * t))


def _factors(factors: Any) -> Array:
    """A 1-D array of finite nonzero backprop factors B_ℓ, or ParameterError."""
    b: Array = float_array("factors", factors)
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)) or np.any(b == 0):
        raise ParameterError("factors", factors, "a 1-D array of finite nonzero factors B_ℓ")
    return b


def _rates(rates: Any, size: int) -> Array:
    """Per-layer rates η_ℓ > 0, finite, one per layer, or ParameterError."""
    eta: Array = float_array("rates", rates)
    if eta.shape != (size,) or not np.all(np.isfinite(eta)) or not np.all(eta > 0):
        raise ParameterError("rates", rates, f"{size} finite positive rates, one per layer")
    return eta


def layer_rates(factors: Any, fraction: float, rule: Rule) -> Array:
    """η_ℓ at the fraction f of each rule's stability limit (max_ℓ η_ℓB_ℓ² = 2f):
    ``"global"`` 2f/max B², ``"gradient"`` c/|B_ℓ| with c = 2f/max|B|, ``"curvature"``
    2f/B_ℓ². Only |B_ℓ| matters (a negative gain flips the gradient's sign, not its size)."""
    b = np.abs(_factors(factors))
    f = check_real("fraction", fraction, 0.0, 1.0)
    if rule == "global":
        return np.full_like(b, 2.0 * f / float(np.max(b * b)))
    if rule == "gradient":
        return np.asarray(2.0 * f / float(np.max(b)) / b)
    if rule == "curvature":
        return np.asarray(2.0 * f / (b * b))
    raise ParameterError("rule", rule, f"one of {', '.join(RULES)}")


def layer_factors(factors: Any, rates: Any) -> Array:
    """Full-batch GD factors 1 − η_ℓB_ℓ² per layer."""
    b = _factors(factors)
    return np.asarray(1.0 - _rates(rates, b.size) * b * b)


def orthonormal_design(depth: int) -> Array:
    """L examples x = √L·(unit vector ℓ): their mean of xxᵀ is I exactly, so full-batch GD
    on them is GD on the population loss ½ΣB_ℓ²e_ℓ²."""
    return math.sqrt(check_int("depth", depth, 1, MAX_SIZE)) * np.eye(depth)


def full_batch_step(gains: Any, rates: Any, design: Array) -> Any:
    """One full-batch GD step on the errors e (w* = 0, teacher f = 0), by backprop."""
    def step(e: Any, t: int) -> Any:
        grads = chain_gradients(e[:, None, :], design[None, :, :], gains, 0.0)
        return e - rates * grads.mean(axis=1)
    return step


def sgd_second_moment_path(factors: Any, rates: Any, s0: Any, steps: int) -> Array:
    """Exact E e_ℓ(t)² for t = 0, …, ``steps`` (rows) of per-example SGD on x ~ N(0, I)
    from second moments ``s0``: s ↦ (1 − 2u + 2u²)⊙s + (η²⊙B²)(B²·s), u = η⊙B² (module
    docstring)."""
    b2 = _factors(factors) ** 2
    eta = _rates(rates, b2.size)
    s = float_array("s0", s0)
    if s.shape != b2.shape or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ParameterError("s0", s0, f"{b2.size} finite second moments ≥ 0, one per layer")
    u = eta * b2
    path = [s]
    for _ in range(check_int("steps", steps, 0, MAX_STEPS)):
        s = path[-1]
        path.append((1.0 - 2.0 * u + 2.0 * u * u) * s + eta * eta * b2 * float(b2 @ s))
    return np.stack(path)


def sgd_second_moments(factors: Any, rates: Any, s0: Any, steps: int) -> Array:
    """E e_ℓ² after ``steps`` steps: the last row of :func:`sgd_second_moment_path`."""
    return np.asarray(sgd_second_moment_path(factors, rates, s0, steps)[-1])


def mean_square_margin(factors: Any, rates: Any) -> float:
    """Σ u_ℓ/(2(1 − u_ℓ)), u_ℓ = η_ℓB_ℓ² ∈ (0, 1): per-example SGD's second moments stay
    bounded iff this is < 1 (∞ if some u_ℓ ≥ 1)."""
    b = _factors(factors)
    u = _rates(rates, b.size) * b * b
    if np.any(u >= 1.0):
        return math.inf
    return float(np.sum(u / (2.0 * (1.0 - u))))
