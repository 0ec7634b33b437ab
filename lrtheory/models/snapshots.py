"""Snapshot ensembles on the noisy quadratic model: SGD under a cyclic schedule, with the
parameters saved ("snapshots") at the end of every cycle.

Per eigen-direction of L = ½Σλθ² with gradient noise of variance s², one SGD step is
θ ← (1 − η_tλ)θ − η_tξ_t. A cycle of rates η_1 … η_T composes to the affine map

    θ_end = ρ θ_start + ε,   ρ = Π_t (1 − η_tλ),   Var ε = q = s² Σ_t η_t² Π_{u>t} (1 − η_uλ)²,

with ε independent of θ_start (it holds only the cycle's own noise). Repeating the same cycle
(SGDR with T_mult = 1) makes the snapshots an AR(1) chain; its moments are derived in
:mod:`lrtheory.symbolic.snapshots`. This module holds the numerical side:

* :func:`sgdr_cycles` — the rates of each SGDR cycle, from :func:`lrtheory.schedules.warm_restarts`;
* :func:`cycle_map` — (ρ, q) per direction, evaluated from the product and sum above;
* :func:`snapshot_covariance` — the exact joint covariance of the snapshots, propagated step
  by step through the SGD recursion (no AR(1) structure assumed), for any sequence of cycles;
* :func:`ensemble_moments` and :func:`pair_diversity` — diversity, member loss and ensemble
  loss from that covariance;
* :func:`rounding_growth` — how much a rounding error can grow over a run of steps (the
  tolerance of checks against the recursion);
* :func:`snapshot_kernel` — the Monte Carlo kernel: chains run SGD step by step and report
  diversity, member loss and the ensemble's gain per chain;
* :func:`chain_numeric`, :func:`stationary_law`, :func:`chain_predictions` — the derived
  closed forms evaluated; :func:`consecutive_diversity`, :func:`tail_errors`,
  :func:`diversity_map` and :func:`amplitude_sweep` — D_1 over cycle lengths and amplitudes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.errors import MAX_STEPS, ParameterError, check_int, check_real, float_array
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.schedules import warm_restarts
from lrtheory.symbolic.snapshots import (
    ETA0,
    LAM,
    RHO,
    T_CYC,
    M,
    N,
    Q,
    S,
    V,
    chain_algebra,
    cosine_tail,
    floor_variance,
)

FloatArray = NDArray[np.float64]


def _curvatures(curvatures: Any) -> FloatArray:
    lam = np.atleast_1d(float_array("curvatures", curvatures))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ParameterError("curvatures", curvatures, "a non-empty 1-D array of numbers > 0")
    return lam


def _per_direction(name: str, value: Any, d: int) -> FloatArray:
    arr = float_array(name, value, f"≥ 0: a number or {d} numbers")
    if arr.ndim > 1 or arr.size not in (1, d) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(name, value, f"≥ 0: a number or {d} numbers")
    return np.array(np.broadcast_to(arr, (d,)))


def _cycles(cycles: Sequence[Any]) -> list[FloatArray]:
    out = []
    for i, c in enumerate(cycles):
        arr = float_array(f"cycles[{i}]", c, "a non-empty 1-D array of finite rates ≥ 0")
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ParameterError(f"cycles[{i}]", c, "a non-empty 1-D array of finite rates ≥ 0")
        out.append(arr)
    if not out:
        raise ParameterError("cycles", cycles, "at least one cycle")
    return out


def sgdr_cycles(eta0: float, period: int, n_cycles: int, mult: int = 1,
                eta_min: float = 0.0) -> list[FloatArray]:
    """The rates η_t at the integer steps of the first ``n_cycles`` SGDR cycles, one array
    per cycle: cycle i has T₀·mⁱ steps (``period`` T₀ and ``mult`` m integers, so that every
    restart falls on a step), η_t from :func:`lrtheory.schedules.warm_restarts`."""
    eta0 = check_real("eta0", eta0, 0.0)
    check_int("period", period, 1, MAX_STEPS)
    check_int("n_cycles", n_cycles, 1, MAX_STEPS)
    check_int("mult", mult, 1, MAX_STEPS)
    eta_min = check_real("eta_min", eta_min, 0.0, eta0, lo_open=False, hi_open=False)
    lengths: list[int] = []
    total = 0
    while len(lengths) < n_cycles and total <= MAX_STEPS:  # (stops once past the limit)
        lengths.append(period * mult ** len(lengths))
        total += lengths[-1]
    if total > MAX_STEPS:
        raise ParameterError("period, n_cycles, mult", (period, n_cycles, mult),
                             f"such that the cycles' T₀·Σ_i mⁱ ≤ {MAX_STEPS} steps")
    rates = np.asarray(warm_restarts(eta0, period, mult, eta_min)(
        np.arange(sum(lengths), dtype=np.float64)), dtype=np.float64)
    return np.split(rates, np.cumsum(lengths)[:-1])


def cycle_map(curvatures: Any, noise_var: Any, rates: Any) -> tuple[FloatArray, FloatArray]:
    """(ρ, q) of one cycle per direction: ρ = Π_t(1 − η_tλ) and
    q = s²Σ_t η_t² Π_{u>t}(1 − η_uλ)², evaluated as a product and a sum (reversed
    cumulative products), not by running the recursion."""
    lam = _curvatures(curvatures)
    s2 = _per_direction("noise_var", noise_var, lam.size)
    eta = _cycles([rates])[0]
    factors = 1.0 - np.outer(eta, lam)                       # (T, d)
    # after[t] = Π_{u>t} (1 − η_uλ): reversed cumulative product, shifted by one.
    tail = np.cumprod(factors[::-1], axis=0)[::-1]
    after = np.vstack([tail[1:], np.ones((1, lam.size))])
    rho = tail[0]
    q = s2 * np.sum((eta[:, None] * after) ** 2, axis=0)
    return rho, q


def burn_in_cycles(rho: Any, remainder: float) -> int:
    """The cycles B after which a variance recursion started at 0 is within ``remainder``
    of its fixed point, relatively: max|ρ|^(2B) ≤ remainder (at least 1)."""
    worst = float(np.max(np.abs(float_array("rho", rho))))
    check_real("rho", worst, 0.0, 1.0, lo_open=False)
    check_real("remainder", remainder, 0.0, 1.0)
    if worst == 0.0:
        return 1
    return max(1, math.ceil(math.log(remainder) / (2 * math.log(worst))))


def rounding_growth(curvatures: Any, rates: Any) -> FloatArray:
    """The largest factor by which a second moment can grow over any run of consecutive
    steps, per direction: max over windows of Π_window(1 − η_tλ)², and at least 1.

    A rounding error made at one step of the moment recursion is multiplied by the factors
    of the steps after it, so this bounds how much any single error can be amplified (1 when
    every |1 − η_tλ| ≤ 1; more where a restart's peak has η_tλ > 2). Computed as the maximum
    window sum of log|1 − η_tλ| (Kadane's scan), for the rates given (pass two consecutive
    cycles to cover windows across a restart)."""
    lam = _curvatures(curvatures)
    eta = _cycles([rates])[0]
    with np.errstate(divide="ignore"):
        logs = np.log(np.abs(1.0 - np.outer(eta, lam)))          # (T, d), −inf at a zero
    best = np.zeros(lam.size)
    running = np.zeros(lam.size)
    for row in logs:
        running = np.maximum(running + row, 0.0)
        best = np.maximum(best, running)
    return np.asarray(np.exp(2.0 * best))


def snapshot_covariance(curvatures: Any, noise_var: Any, cycles: Sequence[Any],
                        start_var: Any) -> FloatArray:
    """The exact covariance of the snapshots (θ₀, θ after cycle 1, …, θ after cycle K) per
    direction, shape (d, K + 1, K + 1), from θ₀ of variance ``start_var`` and mean 0.

    The joint second moments are propagated through every SGD step: with v = Var θ_t and
    c_j = Cov(θ_t, snapshot j), a step gives v ← (1 − η_tλ)²v + η_t²s² and
    c_j ← (1 − η_tλ)c_j (the new noise is independent of every earlier snapshot); at the end
    of cycle k the snapshot k is θ itself, so its row is (c_0 … c_{k−1}, v). Exact for any
    noise law with variance s² and any sequence of cycles (equal or not)."""
    lam = _curvatures(curvatures)
    s2 = _per_direction("noise_var", noise_var, lam.size)
    v = _per_direction("start_var", start_var, lam.size).copy()
    rates = _cycles(cycles)
    k_total = len(rates)
    cov = np.zeros((lam.size, k_total + 1, k_total + 1))
    cov[:, 0, 0] = v
    cross = np.zeros((lam.size, k_total + 1))
    cross[:, 0] = v
    for k, cycle in enumerate(rates, start=1):
        for eta in cycle:
            factor = 1.0 - eta * lam
            cross[:, :k] *= factor[:, None]
            v = factor * factor * v + eta * eta * s2
        cov[:, k, :k] = cov[:, :k, k] = cross[:, :k]
        cov[:, k, k] = v
        cross[:, k] = v
    return cov


@dataclass(frozen=True)
class EnsembleMoments:
    """Expected quantities of a snapshot ensemble, summed over the directions.

    ``diversity[m]`` = E‖θ_{i+m} − θ_i‖² averaged over the pairs at lag m (m = 1 … K);
    ``member_loss`` = the mean over snapshots of E[L(θ_i)]; ``ensemble_loss`` = E[L(θ̄)],
    θ̄ the mean of the snapshots (for a linear model also the averaged prediction)."""

    diversity: FloatArray
    member_loss: float
    ensemble_loss: float


def ensemble_moments(curvatures: Any, cov: Any) -> EnsembleMoments:
    """Diversity by lag, mean member loss and ensemble loss from a snapshot covariance of
    shape (d, N, N) (mean-zero snapshots): E(θ_i − θ_j)² = C_ii + C_jj − 2C_ij,
    E[L(θ_i)] = ½Σλ C_ii, E[L(θ̄)] = ½Σλ 1ᵀC1/N²."""
    lam = _curvatures(curvatures)
    c = float_array("cov", cov)
    if c.ndim != 3 or c.shape[0] != lam.size or c.shape[1] != c.shape[2] or c.shape[1] < 2:
        raise ParameterError("cov", c.shape, f"an array ({lam.size}, N, N) with N ≥ 2")
    n = c.shape[1]
    diag = np.diagonal(c, axis1=1, axis2=2)                    # (d, N)
    lags = []
    for m in range(1, n):
        i = np.arange(n - m)
        pair = diag[:, i] + diag[:, i + m] - 2.0 * c[:, i, i + m]
        lags.append(float(pair.sum(axis=0).mean()))
    member = float(0.5 * (lam[:, None] * diag).sum(axis=0).mean())
    ensemble = float(0.5 * np.sum(lam * c.sum(axis=(1, 2))) / n**2)
    return EnsembleMoments(np.array(lags), member, ensemble)


def chain_pair_diversity(curvatures: Any, noise_var: Any,
                         cycles: Sequence[Any]) -> FloatArray:
    """E(θ_{k+1} − θ_k)² for each cycle k from θ₀ = 0, shape (d, K), by the per-cycle
    recursion of the chain, not step by step: with (ρ_k, q_k) of cycle k (:func:`cycle_map`)
    and v_k = E θ_k², D_{k,k+1} = (1 − ρ_k)²v_k + q_k and v_{k+1} = ρ_k²v_k + q_k."""
    lam = _curvatures(curvatures)
    v, out = np.zeros_like(lam), []
    for cycle in _cycles(cycles):
        rho, q = cycle_map(lam, noise_var, cycle)
        out.append((1 - rho) ** 2 * v + q)
        v = rho**2 * v + q
    return np.array(out).T


def pair_diversity(cov: Any) -> FloatArray:
    """E(θ_{k+1} − θ_k)² for each consecutive pair, shape (d, N − 1), from a snapshot
    covariance of shape (d, N, N) (mean-zero snapshots)."""
    c = float_array("cov", cov)
    if c.ndim != 3 or c.shape[1] != c.shape[2] or c.shape[1] < 2:
        raise ParameterError("cov", c.shape, "an array (d, N, N) with N ≥ 2")
    diag = np.diagonal(c, axis1=1, axis2=2)
    k = np.arange(c.shape[1] - 1)
    return np.asarray(diag[:, k] + diag[:, k + 1] - 2.0 * c[:, k, k + 1])


def snapshot_kernel(curvatures: Any, noise_sd: Any, cycles: Sequence[Any],
                    start_sd: Any) -> Kernel:
    """Monte Carlo kernel: each chain starts at θ₀ ~ N(0, diag(start_sd²)), runs SGD with
    Gaussian noise, θ ← (1 − η_tλ) ⊙ θ − η_t s ⊙ ξ_t, through the cycles and keeps the
    snapshots θ₀ … θ_K. It returns per chain (shape (n, 3)):

    0. the mean over k of ‖θ_{k+1} − θ_k‖² (consecutive-snapshot diversity);
    1. the mean over the K + 1 snapshots of L(θ_k) = ½Σλθ_k²;
    2. the ensemble's gain: that mean minus L(θ̄), θ̄ = the mean of the K + 1 snapshots
       (the ambiguity (λ/4N²)Σ_{i≠j}(θ_i − θ_j)² ≥ 0: less spread than L(θ̄) itself).

    Their means are exactly :func:`ensemble_moments` of :func:`snapshot_covariance` with
    ``start_var`` = start_sd² (diversity at lag 1; member − ensemble loss)."""
    lam = _curvatures(curvatures)
    s = _per_direction("noise_sd", noise_sd, lam.size)
    sd0 = _per_direction("start_sd", start_sd, lam.size)
    rates = _cycles(cycles)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        curv = xp.asarray(lam, dtype=rng.dtype)
        noise = xp.asarray(s, dtype=rng.dtype)
        theta = rng.normal(lam.size) * xp.asarray(sd0, dtype=rng.dtype)
        total = xp.asarray(theta, copy=True)
        member = xp.sum(curv * theta * theta, axis=1)
        spread = xp.zeros(rng.n, dtype=rng.dtype)
        previous = theta
        for cycle in rates:
            for eta in cycle:
                theta = (1.0 - float(eta) * curv) * theta - float(eta) * noise * rng.normal(
                    lam.size)
            step = theta - previous
            spread += xp.sum(step * step, axis=1)
            member += xp.sum(curv * theta * theta, axis=1)
            total += theta
            previous = theta
        n_snap = len(rates) + 1
        mean = total / n_snap
        member = 0.5 * member / n_snap
        return xp.stack([spread / len(rates), member,
                         member - 0.5 * xp.sum(curv * mean * mean, axis=1)], axis=1)

    return kernel


@cache
def chain_numeric() -> dict[str, Any]:
    """The derived closed forms as NumPy functions: :func:`chain_algebra`'s V(q, ρ),
    D(V, ρ, m) and g(ρ, N); :func:`cosine_tail`'s D_1 → 2q_tail(s, λ, η₀, T) and
    :func:`floor_variance`'s q_∞(s, λ, η_min)."""
    r = chain_algebra()
    e_min, floor = floor_variance()
    return {"V": sp.lambdify((Q, RHO), r["stationary"], "numpy"),
            "D": sp.lambdify((V, RHO, M), r["diversity"], "numpy"),
            "g": sp.lambdify((RHO, N), r["ens_factor"], "numpy"),
            "tail_d1": sp.lambdify((S, LAM, ETA0, T_CYC), cosine_tail()["tail_d1"], "numpy"),
            "floor": sp.lambdify((S, LAM, e_min), floor, "numpy")}


def stationary_law(curvatures: Any, noise_var: Any, rates: Any) -> dict[str, Any]:
    """ρ and q of one cycle (:func:`cycle_map`) and the derived V = q/(1 − ρ²), per
    direction (raises ParameterError where |ρ| ≥ 1: no stationary law)."""
    rho, q = cycle_map(curvatures, noise_var, rates)
    if np.any(np.abs(rho) >= 1.0):
        raise ParameterError("rates", rates, "a cycle with |ρ| < 1 in every direction")
    return {"rho": rho, "q": q, "V": chain_numeric()["V"](q, rho)}


def chain_predictions(curvatures: Any, law: dict[str, Any], n_snap: int) -> dict[str, float]:
    """The derived expectations for N = ``n_snap`` consecutive stationary snapshots, summed
    over the directions: diversity at lag 1 and at lag N − 1, member loss ½ΣλV,
    ensemble loss ½ΣλV·g(ρ, N) and the gain ½ΣλV(1 − g)."""
    lam = _curvatures(curvatures)
    check_int("n_snap", n_snap, 2)
    f = chain_numeric()
    rho, v = law["rho"], law["V"]
    g = f["g"](rho, n_snap)
    return {"lag1": float(np.sum(f["D"](v, rho, 1))),
            "lag_far": float(np.sum(f["D"](v, rho, n_snap - 1))),
            "member": float(np.sum(0.5 * lam * v)),
            "ensemble": float(np.sum(0.5 * lam * v * g)),
            "gain": float(np.sum(0.5 * lam * v * (1.0 - g)))}


def consecutive_diversity(curvature: float, eta0: float, period: int, eta_min: float = 0.0,
                          noise_var: float = 1.0) -> float:
    """The exact stationary D_1 = 2q/(1 + ρ) of one direction under SGDR (T_mult = 1),
    from the cycle's product ρ and sum q (:func:`cycle_map`)."""
    cycle = sgdr_cycles(eta0, period, 1, 1, eta_min)[0]
    law = stationary_law([check_real("curvature", curvature, 0.0)], noise_var, cycle)
    return float(2 * law["q"][0] / (1 + law["rho"][0]))


def tail_errors(periods: Sequence[int], curvature: float, eta0: float) -> FloatArray:
    """Relative error (2q_tail − D_1)/D_1 of the cosine-tail asymptote against the exact
    D_1 (η_min = 0, s = 1) at each cycle length."""
    tail = chain_numeric()["tail_d1"]
    exact = np.array([consecutive_diversity(curvature, eta0, int(T)) for T in periods])
    return np.asarray(tail(1.0, curvature, eta0, float_array("periods", periods))
                      / exact - 1.0)


def diversity_map(products: Any, periods: Any) -> FloatArray:
    """D_1λ²/s², shape (len(periods), len(products)), for λη₀ = ``products``: it depends on
    λη₀ and T only, so one cycle with η₀ = 1 and λ = λη₀ gives every curve."""
    x = _curvatures(products)
    f = chain_numeric()
    rows = []
    for T in np.atleast_1d(periods):
        law = stationary_law(x, 1.0, sgdr_cycles(1.0, int(T), 1)[0])
        rows.append(x**2 * f["D"](law["V"], law["rho"], 1))
    return np.array(rows)


def amplitude_sweep(curvatures: Any, noise_var: float, period: int, amplitudes: Any,
                    n_snap: int) -> dict[str, FloatArray]:
    """:func:`chain_predictions` for SGDR cycles of ``period`` steps at each η₀ in
    ``amplitudes``, as arrays keyed like it."""
    lam = _curvatures(curvatures)
    rows = [chain_predictions(lam, stationary_law(lam, noise_var, sgdr_cycles(
        float(a), period, 1)[0]), n_snap) for a in np.atleast_1d(amplitudes)]
    return {key: np.array([r[key] for r in rows]) for key in rows[0]}
