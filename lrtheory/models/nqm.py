"""The noisy quadratic model (NQM): SGD and heavy ball on ½Σλ_iθ_i² with additive gradient
noise, its exact second moments under any schedule, and the matching Monte Carlo kernel.

In the Hessian's eigenbasis the loss is L(θ) = ½Σ_i λ_iθ_i² and a minibatch gradient is
λ_iθ_i + ξ_i with E[ξ_i] = 0, E[ξ_i²] = s_i² = c_i/B (per-example variance c_i, batch B),
independent across directions and steps. SGD with rate η_t is, per direction,

    θ_{t+1} = (1 − η_tλ)θ_t − η_tξ_t,    so    m_{t+1} = (1 − η_tλ)² m_t + η_t² s²

for m_t = E[θ_t²] — exact for any noise law with that variance, for any schedule (ξ_t is
independent of θ_t), and E[L_t] = ½Σλ_i m_{t,i}. Heavy ball, v_{t+1} = βv_t − η_t g_t,
θ_{t+1} = θ_t + v_{t+1}, is the linear map s ↦ A_t s + b_tξ of s = (θ, v) with

    A_t = [[1 − η_tλ, β], [−η_tλ, β]],    b_t = (−η_t, −η_t),

whose covariance obeys Σ_{t+1} = A_tΣ_tA_tᵀ + s² b_tb_tᵀ
(:func:`lrtheory.models.second_moments.second_moment_path`).

* :func:`sgd_second_moments` and :func:`heavy_ball_second_moments`: E[θ_t²] for t = 0…T,
  per direction, batched over any leading axes of the rates (several schedules at once);
* :func:`expected_loss`: ½Σλ_i m_i;
* :func:`scheduled_sgd`: the Monte Carlo kernel — every chain runs the rule with Gaussian
  noise, and returns its loss at the recorded steps (no T × n arrays kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrtheory.errors import ParameterError, check_int, check_real, float_array
from lrtheory.models.second_moments import second_moment_path
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]


def _vector(name: str, value: Any, positive: bool = True) -> FloatArray:
    """A finite 1-D float64 array (a scalar becomes length 1), > 0 if ``positive``."""
    arr = np.atleast_1d(float_array(name, value))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ParameterError(name, value, "a non-empty finite 1-D array")
    if positive and not np.all(arr > 0):
        raise ParameterError(name, value, "> 0 in every entry")
    return arr


def _rates(rates: Any) -> FloatArray:
    """η_t as an array of shape (T, *batch): finite and ≥ 0."""
    arr = float_array("rates", rates)
    if arr.ndim < 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError("rates", rates, "an array (T, …) of finite rates ≥ 0")
    return arr


def _noise(noise_var: Any, d: int) -> FloatArray:
    s2 = np.broadcast_to(float_array("noise_var", noise_var), (d,)) if np.ndim(
        noise_var) <= 1 and np.size(noise_var) in (1, d) else None
    if s2 is None or not np.all(np.isfinite(s2)) or np.any(s2 < 0):
        raise ParameterError("noise_var", noise_var, f"≥ 0: a number or {d} numbers")
    return np.array(s2)


def sgd_second_moments(curvatures: Any, noise_var: Any, rates: Any,
                       m0: Any = 1.0) -> FloatArray:
    """m_t = E[θ_t²] of SGD on the NQM for t = 0…T: shape (T + 1, *batch, d).

    m_{t+1} = (1 − η_tλ_i)² m_t + η_t² s_i², exactly, from m₀ (a number or d numbers);
    ``noise_var`` is s_i² = c_i/B (a number or d numbers) and ``rates`` η_t has shape
    (T, *batch): T steps of one schedule, or of several side by side."""
    lam = _vector("curvatures", curvatures)
    s2 = _noise(noise_var, lam.size)
    eta = _rates(rates)
    m = float_array("m0", m0, "≥ 0: a number or one per direction")
    if m.size not in (1, lam.size) or m.ndim > 1:
        raise ParameterError("m0", m0, f"≥ 0: a number or {lam.size}, one per direction")
    m = np.broadcast_to(m, lam.shape)
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ParameterError("m0", m0, "≥ 0: a number or one per direction")
    path = np.empty((eta.shape[0] + 1, *eta.shape[1:], lam.size))
    path[0] = m
    for t in range(eta.shape[0]):
        step = eta[t][..., None]
        path[t + 1] = (1.0 - step * lam) ** 2 * path[t] + step**2 * s2
    return path


def heavy_ball_second_moments(curvatures: Any, noise_var: Any, rates: Sequence[float],
                              beta: float, m0: Any = 1.0) -> FloatArray:
    """E[θ_t²] of heavy ball on the NQM for t = 0…T from θ₀ with E[θ₀²] = m₀, v₀ = 0:
    shape (T + 1, d); the exact covariance recursion of s = (θ, v) (module docstring).
    β = 0 gives :func:`sgd_second_moments`."""
    lam = _vector("curvatures", curvatures)
    s2 = _noise(noise_var, lam.size)
    eta = _rates(rates)
    if eta.ndim != 1:
        raise ParameterError("rates", rates, "a 1-D array of T rates")
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    m = np.broadcast_to(float_array("m0", m0), lam.shape)
    cov = np.zeros((lam.size, 2, 2))
    cov[:, 0, 0] = m
    # Noise of unit variance with b scaled by s_i per direction: one call for all d.
    scale = np.sqrt(s2)

    def transitions() -> Any:
        for e in eta:
            a = np.zeros((lam.size, 2, 2))
            a[:, 0, 0], a[:, 0, 1] = 1.0 - e * lam, beta
            a[:, 1, 0], a[:, 1, 1] = -e * lam, beta
            b = np.stack([-e * scale, -e * scale], axis=-1)[..., None]
            yield a, b

    path = second_moment_path(cov, transitions(), 1.0)
    return np.concatenate([m[None], np.array([c[:, 0, 0] for c in path])])


def expected_loss(curvatures: Any, moments: Any) -> FloatArray:
    """E[L] = ½Σ_i λ_i m_i over the last axis of ``moments`` (any leading shape)."""
    lam = _vector("curvatures", curvatures)
    m = float_array("moments", moments)
    if m.shape[-1:] != lam.shape:
        raise ParameterError("moments", m.shape, f"an array whose last axis has {lam.size}")
    return np.asarray(0.5 * (m * lam).sum(axis=-1))


def scheduled_sgd(curvatures: Any, noise_sd: Any, rates: Any, record: Sequence[int],
                  x0: Any = 1.0, beta: float = 0.0) -> Kernel:
    """Monte Carlo kernel of SGD (β = 0) or heavy ball on the NQM with Gaussian noise:

        v ← βv − η_t(λ ⊙ θ + s ⊙ ξ_t),   θ ← θ + v,   ξ_t ~ N(0, I),

    every chain from θ₀ = ``x0`` (a number or d numbers), v₀ = 0, for T = len(rates) steps;
    returns each chain's loss ½Σλ_iθ_i² at the steps in ``record`` (0 ≤ step ≤ T), shape
    (n, len(record)). Its mean is exactly ½Σλ_i m_{t,i} of :func:`sgd_second_moments`
    (:func:`heavy_ball_second_moments`) with m₀ = x0²."""
    lam = _vector("curvatures", curvatures)
    s = np.broadcast_to(_noise(np.square(float_array("noise_sd", noise_sd)), lam.size),
                        lam.shape) ** 0.5
    eta = _rates(rates)
    if eta.ndim != 1:
        raise ParameterError("rates", rates, "a 1-D array of T rates")
    steps = [check_int(f"record[{i}]", k, 0, eta.size) for i, k in enumerate(record)]
    if not steps:
        raise ParameterError("record", record, "at least one step in [0, T]")
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    start = np.broadcast_to(float_array("x0", x0), lam.shape)
    if not np.all(np.isfinite(start)):
        raise ParameterError("x0", x0, "finite: a number or one per direction")

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        curv = xp.asarray(lam, dtype=rng.dtype)
        theta = xp.empty((rng.n, lam.size), dtype=rng.dtype)
        theta[...] = xp.asarray(start, dtype=rng.dtype)
        v = xp.zeros_like(theta)
        sd = xp.asarray(s, dtype=rng.dtype)
        out = xp.empty((rng.n, len(steps)), dtype=rng.dtype)
        wanted = {k: [j for j, step in enumerate(steps) if step == k] for k in set(steps)}
        for t in range(eta.size + 1):
            for j in wanted.get(t, ()):
                out[:, j] = 0.5 * xp.sum(curv * theta * theta, axis=1)
            if t == eta.size:
                break
            grad = curv * theta + sd * rng.normal(lam.size)
            v = beta * v - float(eta[t]) * grad
            theta += v
        return out

    return kernel
