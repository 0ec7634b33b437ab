"""Nesterov's accelerated gradient on λθ²/2, derived with SymPy from the update rules.

From :func:`lrtheory.optimizers.nesterov` (look-ahead), :func:`~lrtheory.optimizers.
nesterov_rewritten` and seed 003's equations as printed (:func:`seed_step`,
:func:`seed_two_step`, written here directly, not through ``nesterov``) SymPy derives
P(z) = z² − (1 + β)(1 − h)z + β(1 − h), h = ηλ. Jury: stable iff 0 < h < 2(1 + β)/(1 + 2β)
for 0 ≤ β < 1 (heavy ball: 2(1 + β)); critical damping β_c = (1 − √h)/(1 + √h), double root
1 − √h. On [μ, L] the textbook η = 1/L, β = (√κ − 1)/(√κ + 1) contracts as 1 − 1/√κ; Jury's
conditions for |z| < r make {h : ρ < r} an interval (max(ℓ₁, ℓ₃), u₂) whose end ratio is
least at β = r/(2 − r), which gives the minimax η* = 4/(3L + μ),
β* = (√(3κ+1) − 2)/(√(3κ+1) + 2), rate 1 − 2/√(3κ+1) (Lessard, Recht & Packard 2016). Under
gradient noise s² the discrete Lyapunov equation gives the stationary Var θ, for NAG and,
from the same equation, for seed 003's heavy ball.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.errors import check_positive, check_real
from lrtheory.optimizers import heavy_ball_lr_in_velocity, nesterov, nesterov_rewritten
from lrtheory.symbolic.heavy_ball import (
    critical_beta,
    half_line,
    heavy_ball_polynomial,
    polyak_rate,
)
from lrtheory.symbolic.jury import affine_root, coefficients, jury_conditions
from lrtheory.symbolic.linear import intersect_open_intervals
from lrtheory.symbolic.lyapunov import discrete_lyapunov
from lrtheory.symbolic.update_maps import characteristic_polynomial, update_matrix

H = sp.Symbol("h", positive=True)  # ηλ
BETA = sp.Symbol("beta", nonnegative=True)
BETA_P = sp.Symbol("beta", positive=True)  # β > 0 where the radius analysis divides by it
ETA, LAM, S2, R = sp.symbols("eta lambda s^2 r", positive=True)
KAPPA, MU, BIG_L = sp.symbols("kappa mu L", positive=True)
THETA, PHI, V, PREV, XI = sp.symbols("theta phi v theta_prev xi", real=True)
Z = sp.Symbol("z")


def _hyper(eta: Any, beta: Any) -> None:
    """Numbers must be η > 0 and 0 ≤ β < 1 (as for the rules); SymPy expressions pass."""
    if not isinstance(eta, sp.Basic):
        check_positive("eta", eta)
    if not isinstance(beta, sp.Basic):
        check_real("beta", beta, 0.0, 1.0, lo_open=False)


def seed_step(theta: Any, prev: Any, v: Any, lam: Any, eta: Any, beta: Any) -> tuple[Any, ...]:
    """Seed 003's NAG as printed, on ∇L(y) = λy: y_t = θ_{t−1} + β(θ_{t−1} − θ_{t−2}),
    v_t = βv_{t−1} + α∇L(y_t), θ_t = θ_{t−1} − v_t; the state (θ_{t−1}, θ_{t−2}, v_{t−1})
    maps to (θ_t, θ_{t−1}, v_t)."""
    _hyper(eta, beta)
    y = theta + beta * (theta - prev)
    v_new = beta * v + eta * lam * y
    return theta - v_new, theta, v_new


def seed_two_step(theta: Any, prev: Any, lam: Any, eta: Any, beta: Any) -> tuple[Any, Any]:
    """Seed 003's NAG with v eliminated: θ_t = θ_{t−1} − βv_{t−1} − α∇L(y_t) and
    −βv_{t−1} = β(θ_{t−1} − θ_{t−2}) = y_t − θ_{t−1}, so θ_t = y_t − α∇L(y_t); the state
    (θ_{t−1}, θ_{t−2}) maps to (θ_t, θ_{t−1})."""
    _hyper(eta, beta)
    y = theta + beta * (theta - prev)
    return y - eta * lam * y, theta


def _in_sqrt(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """``expr``, rational in √x (x > 0), cancelled as a function of q = √x and written back."""
    q = sp.Dummy("q", positive=True)
    return sp.factor(sp.cancel(expr.subs(x, q**2))).subs(q, sp.sqrt(x))


def _solve(expr: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """The roots of ``expr`` in ``var`` (SymPy's solve, without its slow simplification)."""
    return list(sp.solve(expr, var, simplify=False, check=False))


def _below_one(roots: list[sp.Expr], at: Mapping[sp.Symbol, float]) -> sp.Expr:
    """The one root lying in (0, 1) at the sample parameters ``at`` (picks a branch)."""
    inside = [x for x in roots if 0 < float(x.subs(at)) < 1]
    if len(inside) != 1:  # pragma: no cover - each use has exactly one such root
        raise ValueError(f"expected one root in (0, 1), got {roots}")
    return inside[0]


def _log_ratio(fast: sp.Expr, slow: sp.Expr) -> sp.Expr:
    """lim_{κ→∞} ln(fast)/ln(slow), how many times more steps the slower rate needs, by
    l'Hôpital in q = 1/√κ → 0⁺: both rates are analytic in q with value 1 at q = 0, so the
    limit is fast'(0)/slow'(0)."""
    q = sp.Dummy("q", positive=True)
    in_q = [sp.cancel(sp.together(x.subs(KAPPA, q**-2).replace(
        lambda a: a.is_Pow and not a.exp.is_Integer,
        lambda a: sp.Pow(sp.together(a.base), a.exp)))) for x in (fast, slow)]
    if [x.subs(q, 0) for x in in_q] != [1, 1]:  # pragma: no cover - rates → 1 as κ → ∞
        raise ValueError(f"rates {in_q} do not tend to 1")
    fast_slope, slow_slope = (sp.diff(x, q).subs(q, 0) for x in in_q)
    return sp.radsimp(fast_slope / slow_slope)


def _stationary_variance(step: Any) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix, sp.Expr]:
    """(M, b, Σ, Var θ) of a rule ``step(θ, v, ∇f)`` on λθ²/2 with gradient noise ξ of
    variance s²: b = ∂(θ', v')/∂ξ and Σ = MΣMᵀ + s²bbᵀ (discrete Lyapunov)."""
    matrix = update_matrix(lambda th, v: step(th, v, lambda y: LAM * y), (THETA, V))
    b = sp.Matrix(step(THETA, V, lambda y: LAM * y + XI)).diff(XI)
    sigma = discrete_lyapunov(matrix, S2 * b * b.T)
    return matrix, b, sigma, sp.factor(sigma[0, 0])


@cache
def nesterov_derivation() -> tuple[Derivation, dict[str, sp.Expr]]:
    """M5's derivation (steps and identities) and the derived forms the numerics use."""
    poly = characteristic_polynomial(
        lambda ph, v: nesterov_rewritten(ph, v, LAM * ph, ETA, BETA), (PHI, V), Z)
    poly_seed = characteristic_polynomial(
        lambda th, prev, v: seed_step(th, prev, v, LAM, ETA, BETA), (THETA, PREV, V), Z)
    poly_two = characteristic_polynomial(
        lambda th, prev: seed_two_step(th, prev, LAM, ETA, BETA), (THETA, PREV), Z)
    seen: list[sp.Expr] = []  # where the rule takes its gradient, with v = θ_{t−2} − θ_{t−1}

    def spy(y: sp.Expr) -> sp.Expr:
        seen.append(y)
        return sp.Integer(0)

    nesterov(THETA, PREV - THETA, spy, ETA, BETA)
    g = sp.Function("g")  # any gradient: φ = θ − βv conjugates the two forms
    th1, v1 = nesterov(THETA, V, g, ETA, BETA)
    phi = THETA - BETA * V
    conjugated = sp.Matrix(nesterov_rewritten(phi, V, g(phi), ETA, BETA))
    p_h = sp.collect(sp.expand(poly.subs(ETA, H / LAM)), Z)
    # Stability: Jury's conditions, the two linear in h solved as half-lines.
    conds = jury_conditions(p_h, Z)
    region = intersect_open_intervals(half_line(conds[0], H), half_line(conds[1], H))
    lo, hi = region.start, region.end
    slope = sp.diff(conds[1], H)
    c0_ends = [sp.factor(coefficients(p_h, Z)[0].subs(H, x)) for x in (lo, hi)]
    third = sp.Tuple(*(1 - sp.Abs(c) for c in c0_ends))  # c₀ = β(1 − h) is linear in h
    hb_poly = heavy_ball_polynomial(H, 1, BETA, Z)
    hb_hi = half_line(jury_conditions(hb_poly, Z)[1], H).end
    # Critical damping: the discriminant's root in β below 1, and the double root there.
    disc = sp.factor(sp.discriminant(p_h, Z))
    beta_c = _in_sqrt(_below_one(_solve(disc, BETA), {H: 0.25}), H)
    z_c = _in_sqrt(-coefficients(p_h, Z)[1].subs(BETA, beta_c) / 2, H)  # double: −c₁/2
    at_c = p_h.subs(BETA, beta_c)
    hb_beta_c = critical_beta(H)
    multiplicity = sp.Tuple(*(_in_sqrt(x.subs(Z, z_c), H) for x in (at_c, sp.diff(at_c, Z))))
    # Roots in |z| < r: Jury's conditions for P(rw)/r² (β > 0). P(r) > 0 gives h > ℓ₁ (for
    # r > β/(1+β)), P(−r) > 0 gives h < u₂, |c₀| < r² gives ℓ₃ < h < u₃ (roots only: the
    # sides are argued in the steps).
    w = sp.Dummy("w")
    scaled = sp.expand(p_h.subs(BETA, BETA_P).subs(Z, R * w) / R**2)
    rc = jury_conditions(scaled, w)
    l1, u2 = affine_root(rc[0], H)[0], affine_root(rc[1], H)[0]
    c0 = coefficients(scaled, w)[0]
    l3, u3 = (affine_root(sign - c0, H)[0] for sign in (1, -1))
    (beta_x,) = (sp.factor(x) for x in _solve(l1 - l3, BETA_P))
    d_ratio = sp.factor(sp.diff(l1 / u2, BETA_P))
    lower_x, upper_x = sp.factor(l1.subs(BETA_P, beta_x)), sp.factor(u2.subs(BETA_P, beta_x))
    feasibility = sp.factor(KAPPA * lower_x - upper_x)
    rate_opt = _below_one(_solve(feasibility, R), {KAPPA: 4.0})
    beta_opt = sp.factor(sp.together(beta_x.subs(R, rate_opt)))
    eta_opt = sp.factor((sp.expand(lower_x.subs(R, rate_opt)) / MU).subs(KAPPA, BIG_L / MU))
    # The textbook choice η = 1/L: β critically damps h = 1/κ; its rate from ℓ₁ = ℓ₃ = 1/κ.
    beta_std = _in_sqrt(beta_c.subs(H, 1 / KAPPA), KAPPA)
    rate_std = _in_sqrt(z_c.subs(H, 1 / KAPPA), KAPPA)
    ends_std = sp.Tuple(*(_in_sqrt(x.subs({BETA_P: beta_std, R: rate_std}), KAPPA)
                          for x in (l1, l3)))
    polyak = polyak_rate(KAPPA)  # Polyak's heavy-ball rate, derived (M3)
    # Gradient noise ξ (variance s²) enters through b = ∂(θ', v')/∂ξ.
    matrix, b, sigma, var = _stationary_variance(
        lambda th, v, grad: nesterov(th, v, grad, ETA, BETA))
    hb_var = _stationary_variance(
        lambda th, v, grad: heavy_ball_lr_in_velocity(th, v, grad(th), ETA, BETA))[3]
    poles = sp.FiniteSet(*(affine_root(f, H)[0] for f, _ in sp.factor_list(
        sp.denom(var.subs(ETA, H / LAM)))[1] if f.has(H)))
    at = {ETA: sp.Rational(1, 2) / LAM, BETA: sp.Rational(9, 10)}  # ηλ = 1/2, β = 0.9
    per_unit = sp.Tuple(*(sp.cancel((x * LAM / (ETA * S2)).subs(at)) for x in (var, hb_var)))
    sqk = sp.sqrt(3 * KAPPA + 1)
    steps = (
        Step.equation("NAG on λθ²/2, rewritten form: M = ∂(φ', v')/∂(φ, v)", "M",
                      update_matrix(lambda ph, v: nesterov_rewritten(ph, v, LAM * ph, ETA, BETA),
                                    (PHI, V))),
        Step.equation("seed 003's equations as printed, state (θ_{t−1}, θ_{t−2}, v_{t−1})",
                      "det(zI − M_seed)", sp.factor(poly_seed)),
        Step.equation("characteristic polynomial, h = ηλ", "P(z)", p_h),
        Step("Jury's conditions (each > 0)", sp.Tuple(*conds)),
        Step.equation("P(−1) > 0: slope in h", "dP(−1)/dh", slope, "negative: an upper bound"),
        Step.equation("stable set in h (0 ≤ β < 1)", "S", region),
        Step.equation("|c₀| condition at the two ends (β(1−h) is linear in h)", "1 − |c₀|",
                      third, "both > 0 for β < 1, so the third condition never binds"),
        Step.equation("heavy ball's bound from the same conditions", "h_HB", hb_hi),
        Step.equation("discriminant", "D", disc),
        Step.equation("critical damping D = 0", "beta_c", beta_c),
        Step.equation("double root there", "z_c", z_c),
        Step("ρ(h) < r ⟺ ℓ < h < u: P(r), P(−r), |c₀| < r² solved for h",
             sp.Tuple(l1, u2, l3, u3)),
        Step.equation("ℓ₁ = ℓ₃ at", "beta_x", beta_x),
        Step.equation("d(ℓ₁/u₂)/dβ (ℓ₃ ↑ and u₂ ↓ in β)", "d(ℓ₁/u₂)/dβ", d_ratio),
        Step.equation("best window at β_x", "(ℓ, u)", sp.Tuple(lower_x, upper_x)),
        Step.equation("[ημ, ηL] fits iff κℓ ≤ u: boundary", "F(r)", feasibility),
        Step.equation("minimax rate", "r*", rate_opt),
        Step.equation("minimax momentum β_x(r*)", "beta*", beta_opt),
        Step.equation("minimax η = ℓ(r*)/μ", "eta*", eta_opt),
        Step.equation("stationary Var θ with gradient noise (Σ = MΣMᵀ + s²bbᵀ, b = ∂s'/∂ξ)",
                      "Sigma_θθ", var),
        Step.equation("the same for seed 003's heavy ball (v ← βv + η(λθ + ξ), θ ← θ − v)",
                      "Sigma_θθ^HB", hb_var),
    )
    identities = (
        Identity("the rule's look-ahead point is seed 003's y_t = θ_{t−1} + β(θ_{t−1} − θ_{t−2})",
                 seen[0], THETA + BETA * (THETA - PREV), "stated",
                 note="with v_{t−1} = θ_{t−2} − θ_{t−1}, as θ_t = θ_{t−1} − v_t makes it"),
        Identity("look-ahead form and rewritten form: same iterates (φ = θ − βv), any ∇f",
                 conjugated, sp.Matrix([th1 - BETA * v1, v1]), "derived"),
        Identity("seed 003's three equations as printed: det(zI − M) = z·P(z)",
                 sp.expand(poly_seed), sp.expand(Z * poly), "derived",
                 note="written from the seed, not through nesterov(); the root 0 is the "
                      "constraint v_{t−1} = θ_{t−2} − θ_{t−1}, which one step enforces"),
        Identity("seed 003's form with v eliminated, θ_t = y_t − α∇L(y_t): same P(z)",
                 poly_two, poly, "derived"),
        Identity("characteristic polynomial", p_h, Z**2 - (1 + BETA) * (1 - H) * Z
                 + BETA * (1 - H), "derived"),
        Identity("stability region (0 ≤ β < 1)", region,
                 sp.Interval.open(0, 2 * (1 + BETA) / (1 + 2 * BETA)), "derived"),
        Identity("heavy ball's region is wider by 1 + 2β", hb_hi / hi, 1 + 2 * BETA, "derived"),
        Identity("critical damping", beta_c, (1 - sp.sqrt(H)) / (1 + sp.sqrt(H)), "derived"),
        Identity("P(z_c) = P′(z_c) = 0: a double root", multiplicity, sp.Tuple(0, 0), "derived"),
        Identity("double root at critical damping (as for heavy ball)", z_c, 1 - sp.sqrt(H),
                 "derived"),
        Identity("heavy ball's critical β is (1 − ηλ) times NAG's", hb_beta_c,
                 (1 - H) * beta_c, "derived"),
        Identity("u₃ − u₂ > 0: u₂ is the upper end", sp.sign(sp.factor(u3 - u2)), sp.Integer(1),
                 "derived"),
        Identity("ℓ₁/u₂ falls in β (r − 1 < 0, the rest > 0)", d_ratio,
                 2 * BETA_P * R**3 * (BETA_P + 2) * (R - 1)
                 / ((BETA_P + R)**2 * (R + 1) * (BETA_P * R - BETA_P + R)**2), "derived"),
        Identity("textbook β = (√κ−1)/(√κ+1) critically damps λ = μ at η = 1/L", beta_std,
                 (sp.sqrt(KAPPA) - 1) / (sp.sqrt(KAPPA) + 1), "derived"),
        Identity("textbook rate: ℓ₁ = ℓ₃ = 1/κ at r = 1 − 1/√κ", ends_std,
                 sp.Tuple(1 / KAPPA, 1 / KAPPA), "derived"),
        Identity("textbook rate", rate_std, 1 - 1 / sp.sqrt(KAPPA), "derived"),
        Identity("minimax rate", rate_opt, 1 - 2 / sqk, "derived"),
        Identity("minimax β", beta_opt, (sqk - 2) / (sqk + 2), "derived"),
        Identity("minimax η", eta_opt, 4 / (3 * BIG_L + MU), "derived"),
        Identity("iterations per e-fold: textbook NAG / Polyak's heavy ball (M3's minimax "
                 "rate, derived) → 2", _log_ratio(polyak, rate_std), sp.Integer(2), "derived"),
        Identity("iterations per e-fold: minimax NAG / Polyak's heavy ball → √3",
                 _log_ratio(polyak, rate_opt), sp.sqrt(3), "derived"),
        Identity("stationary Var θ with gradient noise s²", var, sp.factor(
                 ETA * S2 * (1 + BETA - BETA * ETA * LAM) / (LAM * (1 - BETA + BETA * ETA * LAM)
                 * (2 * (1 + BETA) - (1 + 2 * BETA) * ETA * LAM))), "derived"),
        Identity("its poles in ηλ: the stability bound and 1 − 1/β < 0", poles,
                 sp.FiniteSet(hi, 1 - 1 / BETA), "derived"),
        Identity("small η: Var θ/η → s²/(2λ(1−β)), as for heavy ball", sp.factor(
                 sp.cancel(var / ETA).subs(ETA, 0)), S2 / (2 * LAM * (1 - BETA)), "derived"),
        Identity("β = 0: GD's variance ηs²/(λ(2 − ηλ))", var.subs(BETA, 0),
                 ETA * S2 / (LAM * (2 - ETA * LAM)), "derived"),
        Identity("heavy ball's stationary Var θ (same Lyapunov equation)", hb_var, sp.factor(
                 ETA * S2 * (1 + BETA) / (LAM * (1 - BETA) * (2 * (1 + BETA) - ETA * LAM))),
                 "derived"),
        Identity("β = 0.9, ηλ = 0.5: λ·Var θ/(ηs²) for NAG and for heavy ball", per_unit,
                 sp.Tuple(sp.Rational(145, 132), sp.Rational(190, 33)), "derived",
                 note="≈ 1.10 and 5.76: heavy ball's is 152/29 ≈ 5.24 times NAG's"),
    )
    c1, c0 = coefficients(p_h, Z)[1], coefficients(p_h, Z)[0]
    forms = {"c1": c1, "c0": c0, "bound": hi, "hb_bound": hb_hi, "beta_c": beta_c,
             "hb_beta_c": hb_beta_c, "beta_std": beta_std, "rate_std": rate_std,
             "beta_opt": beta_opt, "rate_opt": rate_opt, "eta_opt": eta_opt,
             "polyak": polyak, "matrix": matrix, "sigma": sigma, "b": b}
    return Derivation(steps, identities), forms
