"""Snapshot ensembles on the noisy quadratic, derived with SymPy.

Per eigen-direction of L = ½λθ² with gradient noise ξ of variance s², SGD under a cyclic
schedule saves a snapshot at the end of every cycle. The generic functions *compute*:

* :func:`cycle_algebra` — a cycle of SGD steps (:func:`lrtheory.optimizers.gradient_step`)
  composed symbolically: θ_end = ρθ_start + ε, ρ = Π(1 − η_tλ), Var ε = q;
* :func:`chain_algebra` — the AR(1) chain θ_{k+1} = ρθ_k + ε_k: stationary variance,
  lag covariance, diversity D_m, the ensemble factor g(ρ, N) and the ambiguity decomposition;
* :func:`cosine_tail` — the noise the end of a long cosine-annealed cycle leaves (η_min = 0);
* :func:`floor_variance` — the stationary variance at a constant rate η_min (η_min > 0);
* :func:`solve_linear` — the root of an expression affine in one symbol.

The numerical side is :mod:`lrtheory.models.snapshots`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from lrtheory.errors import ParameterError, check_int
from lrtheory.optimizers import gradient_step
from lrtheory.schedules import warm_restarts
from lrtheory.symbolic.series import finite_sum, limit_geometric

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
    out["stable"] = sp.Union(*sp.solve_poly_inequality(sp.Poly(RHO**2 - 1, RHO), "<"))
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
def floor_variance() -> tuple[sp.Symbol, sp.Expr]:
    """(η_min, q_∞): SGD at the constant rate η_min (a cycle's end with η_min > 0 and
    T → ∞) reaches the fixed point of w = (1 − η_minλ)²w + η_min²s²."""
    e_min, w = sp.symbols("eta_min w", positive=True)
    return e_min, solve_linear((1 - e_min * LAM) ** 2 * w + e_min**2 * S**2 - w, w)
