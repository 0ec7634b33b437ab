"""Snapshot ensembles on the noisy quadratic model: SGD under a cyclic schedule, with the
parameters saved ("snapshots") at the end of every cycle.

Per eigen-direction of L = ½Σλθ² with gradient noise of variance s², one SGD step is
θ ← (1 − η_tλ)θ − η_tξ_t. A cycle of rates η_1 … η_T composes to the affine map

    θ_end = ρ θ_start + ε,   ρ = Π_t (1 − η_tλ),   Var ε = q = s² Σ_t η_t² Π_{u>t} (1 − η_uλ)²,

with ε independent of θ_start (it holds only the cycle's own noise). Repeating the same cycle
(SGDR with T_mult = 1) makes the snapshots an AR(1) chain; its moments are derived in
:mod:`lrtheory.claims.snapshots`. This module holds the numerical side:

* :func:`sgdr_cycles` — the rates of each SGDR cycle, from :func:`lrtheory.schedules.warm_restarts`;
* :func:`cycle_map` — (ρ, q) per direction, evaluated from the product and sum above;
* :func:`snapshot_covariance` — the exact joint covariance of the snapshots, propagated step
  by step through the SGD recursion (no AR(1) structure assumed), for any sequence of cycles;
* :func:`ensemble_moments` and :func:`pair_diversity` — diversity, member loss and ensemble
  loss from that covariance;
* :func:`rounding_growth` — how much a rounding error can grow over a run of steps (the
  tolerance of checks against the recursion);
* :func:`snapshot_kernel` — the Monte Carlo kernel: chains run SGD step by step and report
  the same three quantities per chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.errors import ParameterError, check_int, check_real
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.optimizers import gradient_step
from lrtheory.schedules import warm_restarts
from lrtheory.symbolic.series import finite_sum, limit_geometric

FloatArray = NDArray[np.float64]


def _curvatures(curvatures: Any) -> FloatArray:
    lam = np.atleast_1d(np.asarray(curvatures, dtype=np.float64))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ParameterError("curvatures", curvatures, "a non-empty 1-D array of numbers > 0")
    return lam


def _per_direction(name: str, value: Any, d: int) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1 or arr.size not in (1, d) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(name, value, f"≥ 0: a number or {d} numbers")
    return np.array(np.broadcast_to(arr, (d,)))


def _cycles(cycles: Sequence[Any]) -> list[FloatArray]:
    out = []
    for i, c in enumerate(cycles):
        arr = np.asarray(c, dtype=np.float64)
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
    check_int("period", period, 1)
    check_int("n_cycles", n_cycles, 1)
    check_int("mult", mult, 1)
    eta_min = check_real("eta_min", eta_min, 0.0, eta0, lo_open=False, hi_open=False)
    lengths = [period * mult**i for i in range(n_cycles)]
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
    c = np.asarray(cov, dtype=np.float64)
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


def pair_diversity(cov: Any) -> FloatArray:
    """E(θ_{k+1} − θ_k)² for each consecutive pair, shape (d, N − 1), from a snapshot
    covariance of shape (d, N, N) (mean-zero snapshots)."""
    c = np.asarray(cov, dtype=np.float64)
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
    2. the ensemble loss L(θ̄), θ̄ = the mean of the K + 1 snapshots.

    Their means are exactly :func:`ensemble_moments` of :func:`snapshot_covariance` with
    ``start_var`` = start_sd² (diversity at lag 1)."""
    lam = _curvatures(curvatures)
    s = _per_direction("noise_sd", noise_sd, lam.size)
    sd0 = _per_direction("start_sd", start_sd, lam.size)
    rates = _cycles(cycles)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        curv = xp.asarray(lam, dtype=rng.dtype)
        noise = xp.asarray(s, dtype=rng.dtype)
        theta = rng.normal(lam.size) * xp.asarray(sd0, dtype=rng.dtype)
        total = theta.copy()
        member = (curv * theta * theta).sum(axis=1)
        spread = xp.zeros(rng.n, dtype=rng.dtype)
        previous = theta
        for cycle in rates:
            for eta in cycle:
                theta = (1.0 - float(eta) * curv) * theta - float(eta) * noise * rng.normal(
                    lam.size)
            step = theta - previous
            spread += (step * step).sum(axis=1)
            member += (curv * theta * theta).sum(axis=1)
            total += theta
            previous = theta
        n_snap = len(rates) + 1
        mean = total / n_snap
        return xp.stack([spread / len(rates), 0.5 * member / n_snap,
                         0.5 * (curv * mean * mean).sum(axis=1)], axis=1)

    return kernel


# --------------------------------------------------------------------------------------
# The chain of snapshots, symbolically
# --------------------------------------------------------------------------------------

LAM, Q, V, S = sp.symbols("lambda q V s", positive=True)
RHO = sp.Symbol("rho", real=True)
THETA, XI = sp.symbols("theta xi", real=True)
N = sp.Symbol("N", integer=True, positive=True)        # snapshots in the ensemble
M = sp.Symbol("m", integer=True, nonnegative=True)     # lag between two snapshots
A, TAU, T_CYC, ETA0 = sp.symbols("a tau T eta_0", positive=True)
T_STEP = sp.Symbol("t", nonnegative=True)


def solve_linear(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The root of ``expr`` = 0 for ``expr`` affine in x: −expr(0)/(∂expr/∂x)."""
    slope = sp.diff(expr, x)
    if slope.has(x) or slope == 0:
        raise ParameterError("expr", expr, f"affine in {x} with a non-zero slope")
    return sp.factor(-expr.subs(x, 0) / slope)


@cache
def chain_algebra() -> dict[str, Any]:
    """The AR(1) chain θ_{k+1} = ρθ_k + ε_k (ε_k independent of θ_k, Var ε = q) and the
    ensemble of N consecutive members on L = ½λθ², derived with SymPy: the stationary
    variance V (fixed point of V = ρ²V + q), where it exists (ρ² < 1), the lag-m covariance
    ρᵐV (m steps of c ← ρc), the diversity D_m = 2V − 2c_m, the ensemble factor
    g = Σ_{ij}ρ^{|i−j|}/N² = E L(θ̄)/E L(θ_k) and the ambiguity decomposition of the gain.
    Any chain of snapshots, iterates or averages of this form can reuse it."""
    out: dict[str, Any] = {}
    # The snapshot chain θ_{k+1} = ρθ_k + ε_k, Var ε = q: stationary variance and lags.
    out["stationary"] = solve_linear(RHO**2 * V + Q - V, V)
    out["stable"] = sp.solve_univariate_inequality(RHO**2 < 1, RHO, relational=False)
    k = sp.Symbol("k", integer=True, nonnegative=True)   # c_m = ρ c_{m−1}, m times from V
    out["lag_cov"] = V * sp.Product(RHO, (k, 0, M - 1)).doit()
    out["diversity"] = sp.factor(2 * V - 2 * out["lag_cov"])
    out["d1"] = sp.factor(out["diversity"].subs(M, 1).subs(V, out["stationary"]))
    p = sp.Symbol("p", positive=True)              # 0 < ρ < 1 for the limit m → ∞
    out["d_far"] = limit_geometric(out["diversity"].subs(RHO, p), p, M)
    out["d1_rho0"] = out["d1"].subs(RHO, 0)
    # Any one cycle of any chain (cycles of unequal length too): θ' = ρ_kθ + ε, E θε = 0.
    v_k, q_k, rho_k = sp.symbols("v_k q_k rho_k", positive=True)
    square = sp.expand(((rho_k - 1) * THETA + XI) ** 2)
    out["pair_moments"] = (v_k, q_k, rho_k)
    out["pair"] = square.subs({THETA * XI: 0}).subs({THETA**2: v_k, XI**2: q_k})
    out["d1_drho"] = sp.factor(sp.diff(out["d1"], RHO))
    # Ensemble of N consecutive snapshots: Var θ̄ = (V/N²) Σ_{i,j} ρ^{|i−j|}.
    # Σ_{m=1}^{N−1} (N − m)ρᵐ = N Σρᵐ − ρ d/dρ Σρᵐ (the weighted sum by differentiation).
    powers = finite_sum(RHO**M, M, 1, N - 1)
    inner = N * powers - RHO * sp.diff(powers, RHO)
    out["ens_factor"] = sp.factor(sp.together((N + 2 * inner) / N**2).replace(
        RHO ** (N - 1), RHO**N / RHO))
    out["ens_rho0"] = out["ens_factor"].subs(RHO, 0)
    # At ρ = 1 every pair counts fully: the double sum before summing (it is a polynomial in ρ).
    out["ens_rho1"] = sp.factor((N + 2 * finite_sum(N - M, M, 1, N - 1)) / N**2)
    # Ambiguity decomposition (Krogh–Vedelsby), three snapshots: mean member loss minus
    # ensemble loss is (λ/4N²)Σ_{i,j}(θ_i − θ_j)².
    th = sp.symbols("theta_1:4", real=True)
    bar = sum(th) / 3
    out["ambiguity"] = sp.expand(sum(LAM * x**2 / 2 for x in th) / 3 - LAM * bar**2 / 2)
    out["ambiguity_stated"] = sp.expand(LAM / 36 * sum((x - y) ** 2 for x in th for y in th))
    out["gain"] = sp.factor(LAM * V / 2 * (1 - out["ens_factor"]))
    # Σ_{i≠j} D_{|i−j|} = Σ_m 2(N − m)·2V(1 − ρ^m), from the two sums above.
    pairs = 4 * V * (finite_sum(N - M, M, 1, N - 1) - inner)
    out["gain_from_diversity"] = sp.factor(LAM / (4 * N**2) * pairs)
    return out


@cache
def cycle_algebra(steps: int) -> dict[str, Any]:
    """``steps`` SGD steps (:func:`lrtheory.optimizers.gradient_step`, gradient λθ + ξ_t)
    composed symbolically with rates η[1] … η[T]: the step, the end point, ρ = ∂θ_end/∂θ and
    the noise terms s²(∂θ_end/∂ξ_t)², each next to the product formula it must equal
    (``rho_stated`` = Π(1 − η_uλ), ``q_stated`` = s²η_t²Π_{u>t}(1 − η_uλ)²)."""
    check_int("steps", steps, 1)
    eta, xi = sp.IndexedBase("eta"), sp.IndexedBase("xi")
    u = sp.Symbol("u", integer=True, positive=True)
    ts = range(1, steps + 1)
    end = THETA
    for t in ts:
        end = sp.expand(gradient_step(end, LAM * end + xi[t], eta[t]))
    return {
        "step": gradient_step(THETA, LAM * THETA + XI, eta[1]),
        "cycle": end,
        "rho": sp.factor(sp.diff(end, THETA)),
        "q_terms": sp.Matrix([sp.factor(S**2 * sp.diff(end, xi[t]) ** 2) for t in ts]),
        "rho_stated": sp.Product(1 - eta[u] * LAM, (u, 1, steps)).doit(),
        "q_stated": sp.Matrix([sp.factor(S**2 * eta[t] ** 2 * sp.Product(
            (1 - eta[u] * LAM) ** 2, (u, t + 1, steps)).doit()) for t in ts]),
    }


@cache
def cosine_tail() -> dict[str, Any]:
    """The noise the end of a long cosine-annealed cycle (SGDR, η_min = 0) leaves on
    L = ½λθ²: near the end η(T − τ) ≈ aτ² (Taylor, from
    :func:`lrtheory.schedules.warm_restarts`), and in the continuous-time limit of the
    variance recursion, q_tail = ∫₀^∞ a²τ⁴s² exp(−2λaτ³/3) dτ ∝ s²λ^(−5/3)a^(1/3); with ρ ≈ 0
    consecutive snapshots then differ by D_1 = 2q_tail. ``exp_T`` and ``exp_eta`` are the
    elasticities d ln D_1/d ln T and d ln D_1/d ln η₀."""
    sgdr = warm_restarts(ETA0, T_CYC)(T_STEP)
    in_cycle = sgdr.subs(sp.floor(T_STEP / T_CYC), 0).subs(T_STEP, T_CYC - TAU)  # 1st cycle
    taylor = [sp.diff(in_cycle, TAU, j).subs(TAU, 0) for j in range(3)]
    q_tail = sp.integrate(A**2 * TAU**4 * S**2 * sp.exp(-2 * LAM * A * TAU**3 / 3),
                          (TAU, 0, sp.oo))
    d1 = sp.powsimp(2 * q_tail.subs(A, taylor[2] / 2))
    log_d1 = sp.expand_log(sp.log(d1), force=True)   # D_1 is a product of powers
    return {"sgdr": sgdr, "tail_taylor": taylor, "tail_rate": taylor[2] / 2 * TAU**2,
            "tail_q": q_tail, "tail_d1": d1,
            "tail_exp_T": sp.expand(T_CYC * sp.diff(log_d1, T_CYC)),
            "tail_exp_eta": sp.expand(ETA0 * sp.diff(log_d1, ETA0))}


@cache
def chain_numeric() -> dict[str, Any]:
    """:func:`chain_algebra`'s V(q, ρ), D(V, ρ, m) and g(ρ, N) as NumPy functions."""
    r = chain_algebra()
    return {"V": sp.lambdify((Q, RHO), r["stationary"], "numpy"),
            "D": sp.lambdify((V, RHO, M), r["diversity"], "numpy"),
            "g": sp.lambdify((RHO, N), r["ens_factor"], "numpy")}


def stationary_law(curvatures: Any, noise_var: Any, rates: Any) -> dict[str, Any]:
    """ρ and q of one cycle (:func:`cycle_map`) and the derived V = q/(1 − ρ²), per
    direction (raises ParameterError where |ρ| ≥ 1: no stationary law)."""
    rho, q = cycle_map(curvatures, noise_var, rates)
    if np.any(np.abs(rho) >= 1.0):
        raise ParameterError("rates", rates, "a cycle with |ρ| < 1 in every direction")
    return {"rho": rho, "q": q, "V": chain_numeric()["V"](q, rho)}


def chain_predictions(curvatures: Any, law: dict[str, Any], n_snap: int) -> dict[str, float]:
    """The derived expectations for N = ``n_snap`` consecutive stationary snapshots, summed
    over the directions: diversity at lag 1 and at lag N − 1, member loss ½ΣλV and
    ensemble loss ½ΣλV·g(ρ, N)."""
    lam = _curvatures(curvatures)
    check_int("n_snap", n_snap, 2)
    f = chain_numeric()
    rho, v = law["rho"], law["V"]
    return {"lag1": float(np.sum(f["D"](v, rho, 1))),
            "lag_far": float(np.sum(f["D"](v, rho, n_snap - 1))),
            "member": float(np.sum(0.5 * lam * v)),
            "ensemble": float(np.sum(0.5 * lam * v * f["g"](rho, n_snap)))}
