"""Escape over a barrier in SymPy: the deterministic kick of GD and heavy ball on the cubic
well, and the thermal (Eyring–Kramers) escape of SGD.

The well is U(x) = λ(x²/2 − x³/(3c)) — the barrier side of a double well: a minimum at 0,
the barrier top at c, and beyond it the descent into the other basin. Everything is in the
dimensionless h = ηλ and u = x/c:

* :func:`kick_forms` — GD is x ↦ F(x) = x − ηU'(x) (built by
  :func:`lrtheory.optimizers.gradient_step`), affinely conjugate to the logistic map
  z ↦ μz(1 − z) with μ = 1 + ηλ; F(x) = c has the roots c and −c/h, so one step from x₀ < 0
  passes the top iff η > c/(λ|x₀|); the interval I_h = [−c/h, c] is mapped into itself iff
  F's vertex value ≥ −c/h, i.e. ηλ ≤ 3 (the boundary crisis, μ = 4); beyond it the
  fraction of I_h leaving within two steps is √((h − 3)/(h + 1)). Heavy ball
  (:func:`lrtheory.optimizers.heavy_ball`) from rest takes the same first step; its second
  iterate is a cubic in η.
* :func:`thermal_forms` — the temperature T = ησ²/(2B) of the diffusion limit (Δt = η), the
  backward equation the mean escape time solves, its Laplace evaluation (Kramers's rate
  k = √(U''_min|U''_top|)/(2π)·e^{−ΔU/T} per unit time, ηk per step) and the η at which
  escape within K steps has probability ½ (Lambert W).
* :func:`discrete_barrier` — the discrete chain's own small-noise quasi-potential from its
  Bellman equation, V′ = U′ − (η/2)U′U″ + (η²/12)U′²U‴ + O(η³): on the cubic the barrier
  is ΔU(1 − (ηλ)²/30), so Kramers's exponent ΔU/T is only the η → 0 limit.

:func:`escape_derivation` assembles them into D8's derivation.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.optimizers import gradient_step, heavy_ball
from lrtheory.symbolic.linear import stable_interval

X = sp.Symbol("x", real=True)
ETA, LAM, C, H, U0 = sp.symbols("eta lambda c h u_0", positive=True)
BETA = sp.Symbol("beta", nonnegative=True)
SIGMA, BATCH, TEMP, K_STEPS = sp.symbols("sigma B T K", positive=True)
CURV_MIN, CURV_TOP, BARRIER = sp.symbols("lambda_min mu Delta_U", positive=True)
X0_ABS = sp.Symbol("d_0", positive=True)  # |x₀|: the start's distance from the minimum

LOSS = LAM * (X**2 / 2 - X**3 / (3 * C))


def _first(solutions: list[Any], keep: Callable[[Any], bool] = lambda s: True) -> Any:
    return next(s for s in solutions if keep(s))


def _solve(eq: Any, var: sp.Symbol) -> list[Any]:
    """SymPy's solve without re-simplifying and re-checking its roots (the slow part); the
    callers pick the root they need and the identities check it."""
    return list(sp.solve(eq, var, check=False, simplify=False))


@cache
def kick_forms() -> dict[str, Any]:
    """The deterministic closed forms, computed from the loss and the update rules."""
    grad = sp.diff(LOSS, X)
    crit = _solve(grad, X)
    top = _first(crit, lambda r: r != 0)
    curv = sp.diff(LOSS, X, 2)
    barrier = sp.factor(LOSS.subs(X, top) - LOSS.subs(X, 0))
    F = sp.expand(gradient_step(X, grad, ETA).subs(ETA, H / LAM))  # in h = ηλ
    slope = sp.diff(F, X)
    preimages = _solve(sp.Eq(F, C), X)
    edge = _first(preimages, lambda r: r != top)
    # Affine conjugacy to the logistic map z ↦ μz(1 − z): z = 0 ↔ the top, z = 1 ↔ its other
    # preimage; μ is the multiplier at the top (multipliers are conjugacy invariants).
    mu = slope.subs(X, top)
    zv = sp.Symbol("z")
    chart = top + (edge - top) * zv
    conj = sp.factor(sp.expand(F.subs(X, chart) - chart.subs(zv, mu * zv * (1 - zv))))
    x0 = -U0 * C  # a start on the outer side, u₀ = |x₀|/c
    one_step = sp.factor(_first(_solve(sp.Eq(F.subs(X, x0), C), H)))
    vertex = _first(_solve(slope, X))
    low = sp.factor(F.subs(X, vertex))
    # I_h = [edge, top] is invariant iff F(vertex) ≥ edge (F ≤ c on I_h: F(edge) = F(c) = c).
    gap = sp.factor(low - edge)
    trapped = sp.Intersection(sp.Interval.open(0, sp.oo), *sp.solve_poly_inequality(
        sp.Poly(sp.numer(sp.together(gap / C)), H), ">="))
    # Beyond it the hole {F < edge} has width² = discriminant/lead² of F − edge.
    quad = sp.Poly(sp.numer(sp.together(F - edge)), X)
    hole = sp.factor(sp.discriminant(quad) / quad.LC() ** 2 / (top - edge) ** 2)
    c_of_barrier = _first(_solve(sp.Eq(barrier, BARRIER), C), lambda r: r.is_positive)
    kick_height = sp.factor((one_step / LAM).subs(U0, X0_ABS / C).subs(C, c_of_barrier))
    # Heavy ball from rest (v₀ = 0): the first step, then the second iterate.
    x1, v1 = heavy_ball(x0, 0, grad.subs(X, x0), ETA, BETA)
    x2, _ = heavy_ball(x1, v1, grad.subs(X, x1), ETA, BETA)
    return {
        "grad": grad, "crit": sp.Tuple(*crit), "top": top, "curv_min": curv.subs(X, 0),
        "curv_top": curv.subs(X, top), "barrier": barrier, "F": F, "mu": mu,
        "mu_other": slope.subs(X, 0), "chart": chart, "conj": conj,
        "preimages": sp.Tuple(*preimages), "edge": edge, "one_step": one_step,
        "one_step_eta": sp.factor(one_step / LAM), "vertex": vertex, "low": low, "gap": gap,
        "trapped": trapped, "crisis": trapped.sup, "hole": hole,
        "kick_height": kick_height, "edge_2": stable_interval(slope.subs(X, 0), H).end,
        "gd_twice": sp.expand(F.subs(X, F.subs(X, x0)) / C),
        "hb_first": sp.expand(x1 - F.subs(X, x0).subs(H, ETA * LAM)),
        "hb_second": sp.expand((x2 / C).subs(ETA, H / LAM)),
    }


def two_step_threshold(u0: float, beta: float) -> float:
    """The least h = ηλ at which heavy ball from rest at x₀ = −u₀c passes the top within two
    steps: the smallest root in (0, 1/u₀) of x₂(h)/c = 1 (exact real roots of a cubic with
    the rational values of the floats u₀ and β, evaluated to 30 digits), else 1/u₀."""
    f = kick_forms()
    values = {U0: sp.Rational(Fraction(u0)), BETA: sp.Rational(Fraction(beta))}
    poly = sp.Poly(sp.expand(f["hb_second"].subs(values)) - 1, H)
    limit = 1 / values[U0]
    roots = [r for r in poly.real_roots() if 0 < r < limit]
    return float(sp.N(min(roots), 30)) if roots else float(limit)


@cache
def _two_step_coefficients() -> Callable[..., Any]:
    poly = sp.Poly(kick_forms()["hb_second"] - 1, H)
    return sp.lambdify((U0, BETA), poly.all_coeffs(), "math")  # type: ignore[no-any-return]


def two_step_curve(u0: Any, beta: float) -> Any:
    """:func:`two_step_threshold` in floats (NumPy's companion-matrix roots) for an array of
    u₀: for figures; the checks use the exact roots."""
    out = []
    for u in np.atleast_1d(np.asarray(u0, dtype=float)):
        roots = np.roots(_two_step_coefficients()(u, beta))
        real = roots[(np.abs(roots.imag) < 1e-9) & (roots.real > 0) & (roots.real < 1 / u)].real
        out.append(float(real.min()) if real.size else 1.0 / u)
    return np.array(out)


def two_step_slope(u0: float, beta: float, h: float) -> float:
    """d(x₂/c)/dh at h: how fast the second iterate moves through the top (for the rounding
    slack of a bisection)."""
    f = kick_forms()
    d = sp.diff(f["hb_second"], H).subs({U0: u0, BETA: beta, H: h})
    return float(d)


@cache
def thermal_forms() -> dict[str, Any]:
    """Temperature, the backward equation, Kramers's rate and the η for escape with
    probability ½ within K steps, computed (not typed in)."""
    y, z, w, xs, b = sp.symbols("y z w x_s b", real=True)
    # SGD x ← x − η(U' + ξ), Var ξ = σ²/B: per-step variance η²σ²/B = 2T·Δt with Δt = η.
    step_var = ETA**2 * SIGMA**2 / BATCH
    temperature = _first(_solve(sp.Eq(2 * TEMP * ETA, step_var), TEMP))
    # Mean escape time τ(x) = (1/T)∫_x^b e^{U/T} ∫_{−∞}^y e^{−U/T} solves Tτ'' − U'τ' = −1.
    U = sp.Function("U")
    tau = sp.Integral(sp.exp(U(y) / TEMP) * sp.Integral(sp.exp(-U(z) / TEMP), (z, -sp.oo, y)),
                      (y, xs, b)) / TEMP
    backward = sp.expand(TEMP * sp.diff(tau, xs, 2) - sp.diff(U(xs), xs) * sp.diff(tau, xs))
    # Laplace: U ≈ U_min + λ_min w²/2 inside, U ≈ U_min + ΔU − μw²/2 across the top (b far).
    inner = sp.integrate(sp.exp(-CURV_MIN * w**2 / (2 * TEMP)), (w, -sp.oo, sp.oo), conds="none")
    outer = sp.integrate(sp.exp(-CURV_TOP * w**2 / (2 * TEMP)), (w, -sp.oo, sp.oo), conds="none")
    mean_time = sp.exp(BARRIER / TEMP) * inner * outer / TEMP
    rate = sp.powsimp(1 / mean_time)
    per_step = rate * ETA  # SDE time t = η·(steps)
    # P(τ ≤ K) ≈ 1 − e^{−rK}: rK = ln 2 at probability ½; then η k(η) = ln2/K with T ∝ η.
    r = sp.Symbol("r", positive=True)
    r_half = _first(_solve(sp.Eq(1 - sp.exp(-r * K_STEPS), sp.Rational(1, 2)), r))
    a = 2 * BATCH * BARRIER / SIGMA**2  # ΔU/T = a/η
    u = sp.Symbol("u", positive=True)  # u = a/η = ΔU/T
    condition = sp.powsimp(per_step.subs(TEMP, temperature).subs(ETA, a / u))
    u_half = _first(_solve(sp.Eq(condition, r_half), u), lambda s: s.args[0].is_positive)
    kf = kick_forms()
    cubic = {CURV_MIN: kf["curv_min"], CURV_TOP: -kf["curv_top"], BARRIER: kf["barrier"]}
    return {
        "step_var": step_var, "temperature": temperature, "backward": backward,
        "inner": inner, "outer": outer, "mean_time": mean_time, "rate": rate,
        "per_step": per_step, "r_half": r_half, "a": a, "condition": condition,
        "eta_half": a / u_half, "rate_cubic": sp.powsimp(rate.subs(cubic)),
    }


@cache
def discrete_barrier() -> dict[str, Any]:
    """The escape exponent of the *discrete* chain, to O(η²), on the cubic (λ = c = 1, so
    η = h and x in units of c).

    As T → 0 the quasi-stationary density ρ ∝ e^{−V/T} of x' = m(x) + ξ, ξ ~ N(0, 2Tη),
    obeys (Laplace on ρ(y) = ∫ρ(x)k(x, y)dx) the Bellman equation
    V(y) = min_x [V(x) + (y − m(x))²/(4η)]; its stationarity in x and envelope in y give,
    with p = V', (1) y − m(x) = 2ηp(y) and (2) p(x) = p(y)m'(x). With p = U' + ηA + η²B (A, B
    polynomials of unknown coefficients) and x = y + Σ η^k X_k, (1) fixes X_k and the
    coefficients of (2) fix A, B order by order; the barrier is ΔV = ∫_0^1 p dy. The algebra
    is polynomial in (h, y) over ℚ[a, b], truncated at h³."""
    y, xv = sp.symbols("y x'", real=True)
    V = sp.Function("V")
    U = LOSS.subs({LAM: 1, C: 1, X: y})
    grad = sp.diff(U, y)
    m_x = xv - H * grad.subs(y, xv)
    bellman = V(xv) + (y - m_x) ** 2 / (4 * H)
    stationary, envelope = sp.diff(bellman, xv), sp.diff(bellman, y)
    a, b = sp.symbols("a0:4"), sp.symbols("b0:5")
    A = sum(a[k] * y**k for k in range(4))
    B_ = sum(b[k] * y**k for k in range(5))
    order, ring = 3, sp.QQ[(*a, *b)]

    def poly(e: Any) -> sp.Poly:
        return sp.Poly(e, H, y, domain=ring)

    def cut(q: sp.Poly) -> sp.Poly:
        return sp.Poly.from_dict({mono: c for mono, c in q.as_dict(native=True).items()
                                  if mono[0] <= order}, H, y, domain=ring)

    def compose(f: Any, d: sp.Poly) -> sp.Poly:  # f(y + d) for a polynomial f(y), cut
        out, power, shift = poly(0), poly(1), poly(y) + d
        for c in reversed(sp.Poly(f, y).all_coeffs()):
            out, power = cut(out + power * poly(c)), cut(power * shift)
        return out

    p = poly(grad + H * A + H**2 * B_)
    d = poly(0)
    for k in range(1, order + 1):  # (1): −X_k + [h U'(y + d) − 2hp]_k = 0
        rhs = cut(poly(H) * compose(grad, d) - poly(2 * H) * p)
        d = d + poly(H**k * rhs.as_expr().coeff(H, k))
    slope = compose(1 - H * sp.diff(grad, y), d)  # m'(y + d)
    residual = (compose(grad + H * A + H**2 * B_, d) - cut(p * slope)).as_expr()
    sa = sp.solve(sp.Poly(residual.coeff(H, 2), y).coeffs(), a, dict=True)[0]
    sb = sp.solve(sp.Poly(sp.expand(residual.coeff(H, 3).subs(sa)), y).coeffs(), b,
                  dict=True)[0]
    A_s, B_s = sp.factor(A.subs(sa)), sp.factor(B_.subs(sb))
    antiderivative = sp.Poly(grad + H * A_s + H**2 * B_s, y).integrate()
    shifted_barrier = antiderivative.eval(1) - antiderivative.eval(0)
    return {
        "bellman": bellman, "stationary": stationary, "envelope": envelope,
        "order_1": sp.expand(residual.coeff(H, 1)), "A": A_s, "B": B_s,
        "A_general": sp.factor(-grad * sp.diff(grad, y) / 2),
        "B_general": sp.factor(grad**2 * sp.diff(grad, y, 2) / 12),
        "ratio": sp.expand(shifted_barrier / U.subs(y, 1)),
    }


@cache
def kramers_functions() -> dict[str, Callable[..., float]]:
    """The derived rate k(λ_min, μ, ΔU, T) and η_½(λ_min, μ, ΔU, σ, B, K) as floats."""
    f = thermal_forms()
    return {
        "rate": sp.lambdify((CURV_MIN, CURV_TOP, BARRIER, TEMP), f["rate"], "math"),
        "eta_half": sp.lambdify((CURV_MIN, CURV_TOP, BARRIER, SIGMA, BATCH, K_STEPS),
                                f["eta_half"], "scipy"),
    }


@cache
def escape_derivation() -> Derivation:
    """D8's derivation: the steps and identities of :func:`kick_forms`,
    :func:`thermal_forms` and :func:`discrete_barrier`."""
    f, g, q = kick_forms(), thermal_forms(), discrete_barrier()
    lam, c, h, u0 = LAM, C, H, U0
    rate_form = sp.sqrt(CURV_MIN * CURV_TOP) / (2 * sp.pi) * sp.exp(-BARRIER / TEMP)
    lw_arg = g["a"] * sp.sqrt(CURV_MIN * CURV_TOP) / (2 * sp.pi) / g["r_half"]
    steps = (
        Step.equation("loss (barrier side of a double well)", "U", LOSS),
        Step("critical points: U' = 0", f["crit"]),
        Step("curvatures U''(0), U''(c)", sp.Tuple(f["curv_min"], f["curv_top"])),
        Step.equation("barrier ΔU = U(c) − U(0)", "Delta_U", f["barrier"]),
        Step.equation("GD map, h = ηλ (optimizers.gradient_step)", "F(x)", f["F"]),
        Step("F(x) = c: the top and its other preimage", f["preimages"]),
        Step.equation("logistic parameter μ = F'(c)", "mu", f["mu"]),
        Step.equation("F(chart(z)) − chart(μz(1 − z)), chart(z) = c + (−c/h − c)z", "residual",
                      f["conj"]),
        Step.equation("one step from x₀ = −u₀c passes the top iff h >", "h_1", f["one_step"]),
        Step.equation("the same in terms of ΔU, d₀ = |x₀|", "eta_1", f["kick_height"]),
        Step.equation("F's vertex and its value", "F_min", f["low"]),
        Step.equation("F_min − (−c/h)", "gap", f["gap"]),
        Step("I_h = [−c/h, c] is mapped into itself for h in", f["trapped"]),
        Step.equation("hole {F < −c/h}: (width/|I_h|)²", "w^2", f["hole"]),
        Step.equation("heavy ball from rest: x₁ − F(x₀)", "Delta_1", f["hb_first"]),
        Step.equation("heavy ball: second iterate u₂ = x₂/c", "u_2", f["hb_second"]),
        Step.equation("SGD per-step variance", "Var", g["step_var"]),
        Step.equation("temperature: 2T·Δt = Var, Δt = η", "T", g["temperature"]),
        Step.equation("Tτ'' − U'τ' for τ = (1/T)∫e^{U/T}∫e^{−U/T}", "L tau", g["backward"]),
        Step("Laplace integrals at the minimum and across the top", sp.Tuple(g["inner"],
                                                                             g["outer"])),
        Step.equation("mean escape time (time units)", "tau", g["mean_time"]),
        Step.equation("Kramers rate k = 1/τ", "k", g["rate"]),
        Step.equation("per step (t = η·steps)", "p_step", g["per_step"]),
        Step.equation("1 − e^{−rK} = ½", "r", g["r_half"]),
        Step.equation("η k(η) with T = ησ²/(2B), u = ΔU/T = a/η", "p_step", g["condition"]),
        Step.equation("η for P(τ ≤ K) = ½", "eta_half", g["eta_half"]),
        Step.equation("SGD as T → 0 (λ = c = 1, h = η): V(y) = min over x' of", "V(y)",
                      q["bellman"], "Laplace on ρ(y) = ∫ρ(x')k(x', y)dx', ρ ∝ e^{−V/T}"),
        Step.equation("stationarity in x'", "0", q["stationary"]),
        Step.equation("envelope: V'(y) =", "p(y)", q["envelope"]),
        Step.equation("p = V' = U' + hA + h²B: A", "A", q["A"]),
        Step.equation("B", "B", q["B"]),
        Step.equation("barrier of V over ΔU: ΔV/ΔU", "r_V", q["ratio"]),
    )
    identities = (
        Identity("minimum 0 and barrier top c", f["crit"], sp.Tuple(0, c), "derived"),
        Identity("curvatures λ and −λ", sp.Tuple(f["curv_min"], f["curv_top"]),
                 sp.Tuple(lam, -lam), "derived"),
        Identity("barrier height ΔU = λc²/6", f["barrier"], lam * c**2 / 6, "derived"),
        Identity("GD is the logistic map with μ = 1 + ηλ (conjugacy residual 0)",
                 sp.Tuple(f["mu"], f["conj"]), sp.Tuple(1 + h, 0), "derived"),
        Identity("one-step kick from x₀ = −u₀c: ηλ > c/|x₀|", f["one_step"], 1 / u0, "derived"),
        Identity("one-step kick η₁ = √(6ΔU/λ)/(λ|x₀|): grows as √ΔU", f["kick_height"],
                 sp.sqrt(6 * BARRIER / lam) / (lam * X0_ABS), "derived"),
        Identity("trapped for 0 < ηλ ≤ 3 (boundary crisis, μ = 4)", f["trapped"],
                 sp.Interval.Lopen(0, 3), "derived"),
        Identity("reading 'the kick must destabilise the minimum' (ηλ > 2) as the escape edge",
                 f["crisis"], f["edge_2"], "modelled", expect_equal=False,
                 note="the minimum is unstable from ηλ = 2, but orbits stay trapped in I_h "
                      "(period doubling, chaos) until the crisis at ηλ = 3"),
        Identity("fraction of I_h escaping within two steps, ηλ > 3", f["hole"], (h - 3) / (h + 1),
                 "derived"),
        Identity("heavy ball from rest: first step = GD step (β-free)", f["hb_first"],
                 sp.Integer(0), "derived"),
        Identity("heavy ball at β = 0: x₂ = F(F(x₀))", f["hb_second"].subs(BETA, 0),
                 f["gd_twice"], "derived"),
        Identity("update noise Var(Δθ) = η²σ²/B", g["step_var"],
                 ETA**2 * SIGMA**2 / BATCH),
        Identity("temperature T = ησ²/(2B)", g["temperature"],
                 ETA * SIGMA**2 / (2 * BATCH), "derived"),
        Identity("temperature ∝ learning rate", g["temperature"],
                 ETA * sp.diff(g["temperature"], ETA), note="seed 002"),
        Identity("mean escape time solves Tτ'' − U'τ' = −1", g["backward"], sp.Integer(-1),
                 "derived"),
        Identity("Eyring–Kramers rate √(U''_min|U''_top|)/(2π)·e^{−ΔU/T}", g["rate"], rate_form,
                 "derived", note="Kramers (1940): a catalog addition, not in the seeds"),
        Identity("cubic well: k = λ/(2π)·e^{−λc²/(6T)}", g["rate_cubic"],
                 lam / (2 * sp.pi) * sp.exp(-lam * c**2 / (6 * TEMP)), "derived"),
        Identity("η_½ = a/W(a√(λ_min μ)K/(2π ln 2)), a = 2BΔU/σ²", g["eta_half"],
                 g["a"] / sp.LambertW(lw_arg), "derived"),
        Identity("SGD's quasi-potential V′ = U′ − (η/2)U′U″ + (η²/12)U′²U‴ + O(η³)",
                 sp.Tuple(q["A"], q["B"]), sp.Tuple(q["A_general"], q["B_general"]),
                 "derived", note="computed on the cubic by a polynomial ansatz"),
        Identity("SGD's barrier ΔV = ΔU(1 − (ηλ)²/30) + O(η³)", q["ratio"], 1 - h**2 / 30,
                 "derived"),
        Identity("Kramers's exponent ΔU/T holds for SGD", q["ratio"], sp.Integer(1),
                 "modelled", expect_equal=False,
                 note="the discrete chain's barrier is lower by (ηλ)²ΔU/30, so its rate "
                      "exceeds the SDE's by a factor growing like e^{(ηλ)²ΔU/(30T)}"),
    )
    return Derivation(steps, identities)
