"""Batch-size scaling rules on the noisy quadratic model, derived with SymPy.

SGD on one eigen-direction of the NQM, x ← x − η(λx + ξ) with E[ξ²] = c/B (a batch of B
examples), has m_{t+1} = (1 − ηλ)²m_t + η²c/B for m_t = E[x_t²]. After t steps it has
processed N = tB examples; with the per-example rate ρ = η/B, τ = ρλN, s = ρc/λ and
u = ηλ the path becomes

    m(N) = ((1 − u)²)^{τ/u}(m₀ − s/(2 − u)) + s/(2 − u) = m₀(τ) + u·m₁(τ) + O(u²),

so batch sizes with equal ρ share the leading curve m₀ and differ at first order in ηλ.

* :func:`examples_curve` derives that curve and its expansion (all in this module's
  symbols);
* :func:`scaling_rules` derives the rules and where they break: the √ rule from a constant
  update variance, the linear rule from a constant per-example rate, the update variance,
  SDE temperature and floors they give, the edge of stability of SGD and of heavy ball
  (Jury), and heavy ball's stationary covariance from its own update rule (Lyapunov);
* :func:`curve_loss`, :func:`first_order_gap` and :func:`heavy_ball_stationary` evaluate
  the derived forms with NumPy (for checks against the exact recursions), and
  :func:`linear_scaling_gaps` measures how far linear scaling is from "identical curves".
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.errors import check_positive
from lrtheory.models import batch_scaling as bs
from lrtheory.models.second_moments import noisy_linear_map
from lrtheory.optimizers import heavy_ball_lr_in_velocity
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.heavy_ball import half_line, heavy_ball_polynomial
from lrtheory.symbolic.jury import jury_conditions
from lrtheory.symbolic.linear import stable_interval
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments

ETA, LAM, C, B, RHO = sp.symbols("eta lambda c B rho", positive=True)
U, TAU, S, M0 = sp.symbols("u tau s m_0", positive=True)
B0, ETA0, BETA = sp.symbols("B_0 eta_0 beta", positive=True)
U0 = sp.Symbol("u_0", positive=True)
Z = sp.Symbol("z")
TO_U = {ETA: U / LAM, B: U / (RHO * LAM), C: S * LAM / RHO}  # (η, B, c) → (u, ρ, s)
_A, _Q = sp.symbols("a q", positive=True)


def _taylor(expr: sp.Expr, var: sp.Symbol, order: int) -> list[sp.Expr]:
    """The Taylor coefficients f⁽ʲ⁾(0)/j!, j = 0 … ``order``, of an expression analytic at
    var = 0 (derivatives, then var = 0: cheaper than ``series`` on these forms)."""
    return [sp.cancel(sp.diff(expr, var, j).subs(var, 0) / sp.factorial(j))
            for j in range(order + 1)]


def _solve_positive(equation: sp.Eq, var: sp.Symbol) -> sp.Expr:
    """The one root of ``equation`` in ``var`` not known to be ≤ 0 (``var`` is a positive
    quantity: a rate or a batch size); SymPy's own simplify/check passes are skipped, the
    sign test replaces the check."""
    roots = [x for x in sp.solve(equation, var, simplify=False, check=False)
             if x.is_positive is not False]
    if len(roots) != 1:  # pragma: no cover - every rule here has exactly one positive root
        raise ValueError(f"{equation} has {len(roots)} positive roots in {var}")
    return sp.factor(roots[0])


@cache
def examples_curve() -> dict[str, Any]:
    """SGD x ← x − η(λx + ξ), E[ξ²] = c/B, per direction: ``step`` (x + Δx), ``update_var``
    Var(Δx | x); ``rhs`` E[x_{t+1}²] in V = E[x_t²]; ``path`` m_t from m₀
    (:func:`lrtheory.symbolic.lyapunov.geometric_solution`); then, against examples
    (t = N/B = τ/u), ``start`` (m₀ − floor), ``floor`` s/(2 − u) and ``curve`` m(τ, u);
    ``m0`` and ``m1`` its terms of order u⁰ and u¹ at fixed τ, s.

    The decay a^t = exp((τ/u)·log a) is expanded through the exponent h(u) = τ·log(a)/u,
    analytic at u = 0 (a = (1 − u)², log a(0) = 0): e^{h} = e^{h(0)}(1 + h′(0)u + O(u²)),
    times the first-order Taylor polynomial of the start, plus that of the floor — the
    chain and product rules on three short expansions instead of a series of the whole
    curve (which the tests compare against)."""
    x, xi, v = sl.X, sl.XI, sl.V
    noise = {xi: gaussian_moments(C / B)}
    step = -ETA * (LAM * x + xi)
    r: dict[str, Any] = {"step": x + step}
    r["update_var"] = expectation((step - expectation(step, noise)) ** 2, noise)
    r["rhs"] = expectation((x + step) ** 2, {x: centred_moments(v), **noise})
    a, q = sl.affine_coefficients(r["rhs"], v)
    path = sl.geometric_solution(_A, _Q, sl.V0, sl.STEP)
    r["path"] = path.subs({_A: a, _Q: q})
    # The path is a^t(m₀ − q/(1 − a)) + q/(1 − a): split off the decay a^t, change variables.
    split = sp.Poly(sp.expand(path), _A**sl.STEP)
    start, floor = split.coeff_monomial(_A**sl.STEP), split.coeff_monomial(1)
    a_u = sp.factor(a.subs(TO_U))
    r["floor"] = sp.factor(floor.subs({_A: a, _Q: q}).subs(TO_U, simultaneous=True))
    r["start"] = sp.factor(start.subs({_A: a, _Q: q, sl.V0: M0}).subs(TO_U, simultaneous=True))
    r["curve"] = a_u ** (TAU / U) * r["start"] + r["floor"]
    # h(u) = τ·g(u)/u with g = log a, g(0) = 0: h(0) = τg′(0), h′(0) = τg″(0)/2.
    g0, g1, g2 = _taylor(sp.log(a_u), U, 2)
    if g0 != 0:  # pragma: no cover - a(0) = 1 for every rule of this form
        raise ValueError(f"a(0) = {a_u.subs(U, 0)} ≠ 1: the decay has no limit as u → 0")
    h0, h1 = TAU * g1, TAU * g2
    (st0, st1), (fl0, fl1) = _taylor(r["start"], U, 1), _taylor(r["floor"], U, 1)
    r["m0"] = sp.factor(sp.exp(h0) * st0 + fl0)
    r["m1"] = sp.factor(sp.exp(h0) * (h1 * st0 + st1) + fl1)
    return r


@cache
def scaling_rules() -> dict[str, Any]:
    """Everything :func:`examples_curve` gives, and: ``sqrt_rate`` (solve Var(Δθ)(η, B) =
    Var(Δθ)(η₀, B₀) for η), ``linear_rate`` (solve η/B = η₀/B₀), ``linear_ratio`` (Var(Δθ)
    under the linear rule over the base), ``temperature`` (the diffusion Var(Δθ)/Δt of
    the SDE with Δt = η, :func:`lrtheory.symbolic.lyapunov.diffusion_limit`) and its value
    under each rule; ``floor_ratio``; ``stable`` and ``b_star`` (SGD's stable set in η and
    where the linear rule leaves it); ``hb_poly``, ``hb_conditions`` (Jury), ``hb_edge``,
    ``b_star_hb``; ``hb_map``, ``hb_sigma`` (heavy ball's stationary covariance),
    ``hb_floor`` (against examples) and ``hb_leading`` (its u → 0 limit)."""
    r: dict[str, Any] = dict(examples_curve())
    var, base = r["update_var"], r["update_var"].subs({ETA: ETA0, B: B0})
    r["sqrt_rate"] = _solve_positive(sp.Eq(var, base), ETA)
    r["linear_rate"] = linear = _solve_positive(sp.Eq(ETA / B, ETA0 / B0), ETA)
    r["linear_ratio"] = sp.factor(var.subs(ETA, linear) / base)
    r["sqrt_ratio"] = sp.factor(var.subs(ETA, r["sqrt_rate"]) / base)
    _, diffusion = sl.diffusion_limit(r["step"] - sl.X, sl.X, {sl.XI: gaussian_moments(C / B)},
                                      ETA)
    r["temperature"] = diffusion
    r["temperature_linear"] = sp.factor(diffusion.subs(ETA, linear))
    r["temperature_sqrt"] = sp.factor(diffusion.subs(ETA, r["sqrt_rate"]))
    r["curve_free"] = sp.FiniteSet(*sorted(r["curve"].free_symbols, key=str))
    r["floor_ratio"] = sp.factor(r["floor"] / r["floor"].subs(U, U0))
    # Where linear scaling breaks: the stable set in η, then η = η₀B/B₀ solved for B.
    r["stable"] = stable_interval(sp.diff(r["step"], sl.X), ETA)  # |∂x_{t+1}/∂x_t| < 1
    r["b_star"] = _solve_positive(sp.Eq(linear, r["stable"].end), B)
    r["hb_poly"] = heavy_ball_polynomial(ETA, LAM, BETA, Z)
    r["hb_conditions"] = jury_conditions(r["hb_poly"], Z)
    r["hb_edge"] = half_line(r["hb_conditions"][1], ETA).end
    r["b_star_hb"] = _solve_positive(sp.Eq(linear, r["hb_edge"]), B)
    # Heavy ball's stationary covariance, from the rule's own linear map (θ, v) ↦ A(θ, v) + bξ.
    th, vel = sp.symbols("theta v", real=True)
    matrix, column = noisy_linear_map(
        lambda t_, v_: heavy_ball_lr_in_velocity(t_, v_, LAM * t_ + sl.XI, ETA, BETA), (th, vel),
        sl.XI)
    r["hb_map"] = (matrix, column)
    r["hb_sigma"] = sl.discrete_lyapunov(matrix, C / B * column * column.T)
    r["hb_floor"] = sp.factor(r["hb_sigma"][0, 0].subs(TO_U, simultaneous=True))
    r["hb_leading"] = sp.factor(sp.limit(r["hb_floor"], U, 0))
    # The √ rule against examples: m₀ depends on B only through ρ = η/B.
    r["m0_free"] = sp.FiniteSet(*sorted(r["m0"].free_symbols, key=str))
    r["sqrt_per_sample"] = sp.simplify(r["sqrt_rate"] / B)
    return r


# --------------------------------------------------------------------------------------
# The derived forms, evaluated (NumPy)
# --------------------------------------------------------------------------------------


@cache
def _numeric() -> dict[str, Any]:
    r = scaling_rules()
    return {"curve": sp.lambdify((TAU, U, S, M0), r["curve"], "numpy"),
            "m1": sp.lambdify((TAU, S, M0), r["m1"], "numpy"),
            "hb_sigma": sp.lambdify((ETA, LAM, C, B, BETA), r["hb_sigma"], "numpy")}


def curve_loss(curvatures: Any, per_example_var: Any, rate: float, batch: float,
               examples: float, m0: float = 1.0) -> float:
    """Σ_i ½λ_i m(τ_i, u_i) after N = ``examples`` from the derived curve (SGD), with
    τ_i = (η/B)λ_iN, u_i = ηλ_i, s_i = (η/B)c_i/λ_i and E[θ₀²] = m₀ in every direction."""
    lam, c = np.asarray(curvatures, dtype=np.float64), np.asarray(per_example_var, dtype=float)
    rho = check_positive("rate", rate) / check_positive("batch", batch)
    m = _numeric()["curve"](rho * lam * examples, rate * lam, rho * c / lam, m0)
    return float(0.5 * np.sum(lam * m))


def first_order_gap(curvatures: Any, per_example_var: Any, rate0: float, batch0: float,
                    rate: float, examples: Any, m0: float = 1.0) -> Any:
    """(η_B − η₀)·Σ_i ½λ_i² m₁(τ_i): the derived leading gap between a curve at rate η_B
    with η_B/B = η₀/B₀ (linear rule) and the base curve (η₀, B₀), at ``examples`` (any
    shape), τ_i and s_i those of the common per-example rate."""
    lam, c = np.asarray(curvatures, dtype=np.float64), np.asarray(per_example_var, dtype=float)
    rho = check_positive("rate0", rate0) / check_positive("batch0", batch0)
    n = np.asarray(examples, dtype=np.float64)[..., None]
    m1 = _numeric()["m1"](rho * lam * n, rho * c / lam, m0)
    return (rate - rate0) * np.sum(0.5 * lam**2 * m1, axis=-1)


def heavy_ball_stationary(rate: float, lam: float, per_example_var: float, batch: float,
                          beta: float) -> Any:
    """The derived stationary covariance of (θ, v) of heavy ball (v ← βv + ηg, θ ← θ − v),
    as a 2 × 2 array: past the edge of stability the map's (unphysical) fixed point."""
    return np.asarray(_numeric()["hb_sigma"](rate, lam, per_example_var, batch, beta),
                      dtype=np.float64)


def linear_scaling_gaps(curvatures: Any, per_example_var: Any, rate0: float, batch0: int,
                        batch: int, examples: int) -> tuple[float, float]:
    """(max over N of |L_B − L_{B₀}|/L_{B₀} from the exact recursions, the same from the
    first-order term :func:`first_order_gap`) for the linear-scaled batch B (η_B =
    η₀B/B₀), over N = B, 2B, … ≤ ``examples`` (:func:`lrtheory.models.batch_scaling.
    loss_vs_examples`)."""
    rate = rate0 * batch / batch0
    curve = bs.loss_vs_examples(curvatures, per_example_var, rate, batch, examples)
    base = bs.loss_vs_examples(curvatures, per_example_var, rate0, batch0, examples)
    ref = base.loss[(curve.examples // batch0).astype(int)]
    first = first_order_gap(curvatures, per_example_var, rate0, batch0, rate, curve.examples)
    return (float(np.max(np.abs(bs.relative_gap(curve, base)))),
            float(np.max(np.abs(first / ref))))
