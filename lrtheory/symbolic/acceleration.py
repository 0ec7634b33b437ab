"""Nesterov's acceleration and gradient descent on L-smooth convex f, derived with SymPy
(claim M9).

Both rates are proved the way a performance-estimation certificate proves them: a Lyapunov
function whose one-step change minus a nonnegative combination of the smoothness and
convexity inequalities is *identically zero*, as a polynomial in symbolic vectors (three
vectors in ℝ³ have a generic Gram matrix, so an identity in their inner products holds in
any dimension). The bounds are then read off the Lyapunov function at the start:

* gradient descent, η = 1/L: E_t = t(f(x_t) − f*) + (L/2)‖x_t − x*‖² never increases, so
  f(x_t) − f* ≤ E_t/t ≤ E_0/t with E_0 = (L/2)‖x₀ − x*‖²;
* Nesterov in Tseng's three-sequence form (θ_k = 2/(k + 2), s = 1/L): V_k = ((1 − θ_k)/θ_k²)
  (f(x_k) − f*) + ‖z_k − x*‖²/(2s) telescopes because 1/θ_{k−1}² ≥ (1 − θ_k)/θ_k², so
  f(x_t) − f* ≤ θ_{t−1}²V_0, V_0 at θ₀ = 1, z₀ = x₀.

The worst one-dimensional quadratic shows the rates are attained: for GD its maximiser and
value in closed form; for Nesterov the ODE limit X'' + 3X'/τ + λX = 0 (a Taylor expansion of
the update rule in δ = √s), solved by 2J₁(τ)/τ, whose envelope is 2J₁(u)²/t². With a constant
β the slow root of the characteristic polynomial is GD's with step η/(1 − β): O(1/t).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.optimizers import nesterov
from lrtheory.symbolic.jury import affine_root

L, S, R = sp.symbols("L s R", positive=True)  # smoothness, step, ‖x₀ − x*‖
T, H, U, TAU, LAM, BETA = sp.symbols("t h u tau lambda beta", positive=True)
K = sp.symbols("k", integer=True, nonnegative=True)


def _dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    return sp.expand((a.T * b)[0, 0])


def _vec(name: str) -> sp.Matrix:
    return sp.Matrix(sp.symbols(f"{name}_1:4", real=True))


def _root(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The root of an expression affine in x (in its numerator)."""
    return affine_root(expr, x)[0]


def _at_radius(expr: sp.Expr, v: sp.Matrix) -> sp.Expr:
    """``expr`` (depending on the vector v only through ‖v‖²) at ‖v‖ = R: v₁² → R² − v₂² − v₃²,
    expanded; the result must be free of v (else ‖v‖² was not the only dependence)."""
    out = sp.expand(sp.expand(expr).subs(v[0] ** 2, R**2 - v[1] ** 2 - v[2] ** 2))
    if out.free_symbols & set(v):
        raise ValueError(f"{expr} depends on {list(v)} other than through its norm")
    return out


@cache
def derived() -> dict[str, Any]:
    """Every SymPy result of the derivation (cached: the claim's model and figure reuse
    them)."""
    r: dict[str, Any] = {}
    x, z, g = _vec("x"), _vec("z"), _vec("g")  # x, z relative to x*; g = ∇f(y)
    Fx, Fy, Fp, F, Fn = sp.symbols("F_x F_y F_+ F_t F_{t+1}", real=True)
    # Descent lemma: f(y − sg) ≤ f(y) − s(1 − Ls/2)‖g‖², at most −(s/2)‖g‖² iff (dividing
    # by s > 0) the affine q(s) = 1 − Ls/2 − 1/2 ≥ 0; q decreases, so s ∈ (0, root].
    q = 1 - L * S / 2 - sp.Rational(1, 2)
    r["descent_slope"] = sp.diff(q, S)
    r["descent"] = sp.Interval.Lopen(0, _root(q, S))
    # Gradient descent, η = 1/L: E_t = tF_t + (L/2)‖x_t − x*‖².
    desc, conv = Fn - F + _dot(g, g) / (2 * L), F - _dot(g, x)
    xn = x - g / L
    e_t, e_n = T * F + L / 2 * _dot(x, x), (T + 1) * Fn + L / 2 * _dot(xn, xn)
    r["gd_certificate"] = sp.expand(e_n - e_t - ((T + 1) * desc + conv - T * _dot(g, g) / (2 * L)))
    r["gd_start"] = _at_radius(e_t.subs(T, 0), x)  # E_0
    r["gd_bound"] = r["gd_start"] / T  # F_t ≤ E_t/t ≤ E_0/t
    # Nesterov in Tseng's three-sequence form, θ_k = 2/(k + 2), s = 1/L.
    th = sp.symbols("theta", positive=True)
    y = (1 - th) * x + th * z
    xp, zp = y - S * g, z - (S / th) * g
    i1 = Fp - Fy + S / 2 * _dot(g, g)  # smoothness at y (s ≤ 1/L)
    i2 = Fy - Fx + _dot(g, x - y)  # convexity: f(x_k) ≥ f(y) + gᵀ(x_k − y)
    i3 = Fy - _dot(g, y)  # convexity: f* ≥ f(y) + gᵀ(x* − y)
    v, vp = (1 - th) / th**2 * Fx + _dot(z, z) / (2 * S), Fp / th**2 + _dot(zp, zp) / (2 * S)
    r["nag_certificate"] = sp.expand(vp - v - (i1 + (1 - th) * i2 + th * i3) / th**2)
    r["nag_x_on_line"] = sp.expand(xp - ((1 - th) * x + th * zp))
    theta = sp.Lambda(K, 2 / (K + 2))
    r["beta"] = sp.factor(theta(K) * (1 / theta(K - 1) - 1))
    r["schedule_slack"] = sp.cancel(1 / theta(K - 1) ** 2 - (1 - theta(K)) / theta(K) ** 2)
    r["nag_start"] = _at_radius(v.subs({th: theta(0), S: 1 / L}), z)  # V_0, z₀ = x₀
    r["nag_bound"] = sp.factor(theta(T - 1) ** 2 * r["nag_start"])  # F_t/θ_{t−1}² ≤ V_0
    r["tseng_vs_rule"] = _tseng_vs_rule(theta)
    r["exponents"] = tuple(sp.limit(sp.cancel(T * sp.diff(sp.log(b), T)), T, sp.oo)
                           for b in (r["gd_bound"], r["nag_bound"]))  # d ln B/d ln t
    # The worst one-dimensional quadratic for GD (L = R = 1): W(h) = h(1 − h)^{2t}/2.
    w = H * (1 - H) ** (2 * T) / 2
    r["gd_hstar"] = _root(sp.numer(sp.together(sp.diff(sp.log(w), H))), H)
    r["gd_envelope"] = w.subs(H, r["gd_hstar"])
    r["gd_envelope_limit"] = sp.limit(T * r["gd_envelope"], T, sp.oo)
    log_w = sp.log(r["gd_hstar"] / 2) + 2 * T * sp.log(1 - r["gd_hstar"])  # ln W(h*)
    r["gd_envelope_exponent"] = sp.limit(sp.cancel(T * sp.diff(log_w, T)), T, sp.oo)
    r.update(_ode_limit(r["beta"]))
    # A constant β: the slow root of z² − (1+β)(1−h)z + β(1−h) is 1 + ch + O(h²).
    c, zz = sp.symbols("c z")
    char = zz**2 - (1 + BETA) * (1 - H) * zz + BETA * (1 - H)
    r["slow_rate"] = _root(sp.expand(char.subs(zz, 1 + c * H)).coeff(H, 1), c)
    r["const_limit"] = sp.factor(-r["gd_envelope_limit"] / r["slow_rate"])  # h → h/(1 − β)
    r["const_exponent"] = sp.limit(T * sp.diff(sp.log(r["const_limit"] / T), T), T, sp.oo)
    return r


def _ode_limit(beta: sp.Expr) -> dict[str, Any]:
    """Nesterov's ODE limit (Su, Boyd & Candès): x_k ≈ X(k√s), Taylor in δ = √s, with the
    momentum ``beta`` (a function of k); its Bessel solution and envelope."""
    r: dict[str, Any] = {}
    d = sp.symbols("delta", positive=True)
    X0, X1, X2, X3 = sp.symbols("X X' X'' X'''")

    def shifted(e: sp.Expr) -> sp.Expr:
        return X0 + e * X1 + e**2 * X2 / 2 + e**3 * X3 / 6

    b_k = beta.subs(K, TAU / d)  # = (τ − δ)/(τ + 2δ)
    y_k = X0 + b_k * (X0 - shifted(-d))
    residual = shifted(d) - y_k + d**2 * LAM * y_k  # x_{k+1} = y_k − s λ y_k
    # residual·(τ + 2δ) is a polynomial in δ: c₀ = c₁ = 0 and residual = (c₂/τ)δ² + O(δ³).
    poly = sp.Poly(sp.expand(sp.cancel(residual * (TAU + 2 * d))), d)
    r["ode_low_orders"] = (poly.coeff_monomial(1), poly.coeff_monomial(d))
    r["ode"] = sp.expand(poly.coeff_monomial(d**2) / TAU)
    sol = 2 * sp.besselj(1, TAU) / TAU  # λ = 1: X'' + 3X'/τ + X = 0, X(0) = 1
    r["bessel_residual"] = _bessel_reduced(sp.diff(sol, TAU, 2) + 3 / TAU * sp.diff(sol, TAU)
                                           + sol)
    r["bessel_start"] = sp.limit(sol, TAU, 0)
    r["bessel_envelope"] = sp.powsimp(sp.expand((T**2 * H * sol.subs(TAU, T * sp.sqrt(H)) ** 2
                                                 / 2).subs(H, U**2 / T**2)))
    return r


def _bessel_reduced(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every J_n, n ≥ 2, lowered by J_n(τ) = (2(n−1)/τ)J_{n−1}(τ) − J_{n−2}(τ),
    expanded: a combination of J₀ and J₁, which are independent, so 0 iff it vanishes."""
    def high(a: sp.Basic) -> bool:
        return isinstance(a, sp.besselj) and a.args[0].is_Integer and a.args[0] >= 2

    def lower(a: sp.besselj) -> sp.Expr:
        n, x = a.args
        return 2 * (n - 1) / x * sp.besselj(n - 1, x) - sp.besselj(n - 2, x)

    while expr.has(sp.besselj) and any(high(a) for a in sp.preorder_traversal(expr)):
        expr = expr.replace(high, lower)
    return sp.expand(expr)


def _tseng_vs_rule(theta: sp.Lambda, steps: int = 4) -> sp.Expr:
    """x_T of ``nesterov`` with β_t = max(0, (t−2)/(t+1)) minus Tseng's form, on λx²/2 with
    symbolic λ, s and x₀ (both polynomials in them)."""
    x0 = sp.Symbol("x_0")
    th, v = x0, sp.Integer(0)
    for t in range(1, steps + 1):
        th, v = nesterov(th, v, lambda q: LAM * q, S, sp.Rational(max(0, t - 2), t + 1))
    x, z = x0, x0
    for k in range(steps):
        y = (1 - theta(k)) * x + theta(k) * z
        x, z = y - S * LAM * y, z - S / theta(k) * LAM * y
    return sp.expand(th - x)


@cache
def j1_peak() -> tuple[float, float]:
    """(u, J₁(u)) at the first maximum of J₁ (J₁'(u) = 0)."""
    from scipy.special import j1, jnp_zeros

    u = float(jnp_zeros(1, 1)[0])
    return u, float(j1(u))


def bessel_constant() -> float:
    """lim t²·W_NAG(t) for L = ‖x₀‖ = 1: 2 max J₁²."""
    return 2.0 * j1_peak()[1] ** 2


def derivation() -> Derivation:
    """Claim M9's steps and identities."""
    r = derived()
    eq = Step.equation
    steps = (
        Step("descent lemma keeps −(s/2)‖g‖² for s in", r["descent"],
             f"f(y − sg) ≤ f(y) − s(1 − Ls/2)‖g‖²; d/ds(1/2 − Ls/2) = {r['descent_slope']}"),
        eq("GD: E_{t+1} − E_t − [(t+1)(descent) + (convexity) − t‖g‖²/(2L)]", "residual",
           r["gd_certificate"], "E_t = t(f(x_t) − f*) + (L/2)‖x_t − x*‖², η = 1/L; both "
           "brackets ≤ 0, so E_t ≤ E_0"),
        eq("GD: E_0 (t = 0, ‖x₀ − x*‖ = R)", "E_0", r["gd_start"]),
        eq("GD bound on f(x_t) − f*: E_t/t ≤ E_0/t", "gap(t)", r["gd_bound"]),
        eq("Tseng: y = (1−θ)x + θz, x⁺ = y − sg, z⁺ = z − (s/θ)g; momentum θ_k(1/θ_{k−1} − 1)",
           "β(k)", r["beta"], "θ_k = 2/(k + 2)"),
        eq("library look-ahead rule minus Tseng's form, 4 steps on λx²/2", "difference",
           r["tseng_vs_rule"]),
        eq("V⁺ − V − [I₁ + (1−θ)I₂ + θI₃]/θ²", "residual", r["nag_certificate"],
           "V = ((1−θ)/θ²)F(x_k) + ‖z_k − x*‖²/(2s); I₁ smoothness, I₂, I₃ convexity (≤ 0)"),
        eq("schedule: 1/θ_{k−1}² − (1 − θ_k)/θ_k²", "slack", r["schedule_slack"],
           "≥ 0, so V telescopes"),
        eq("Nesterov: V_0 (θ₀ = 1, z₀ = x₀, s = 1/L, ‖x₀ − x*‖ = R)", "V_0", r["nag_start"]),
        eq("Nesterov bound on f(x_t) − f*: θ_{t−1}²V_0", "gap(t)", r["nag_bound"]),
        eq("d ln(bound)/d ln t as t → ∞: GD, Nesterov", "p", sp.Tuple(*r["exponents"])),
        eq("GD's worst quadratic: argmax over h of h(1 − h)^{2t}", "h*", r["gd_hstar"]),
        eq("… its value × t as t → ∞ (L = ‖x₀‖ = 1)", "t·W", r["gd_envelope_limit"],
           f"{float(2 * r['gd_envelope_limit']):.3f} of the bound's 1/2"),
        eq("Nesterov, x_k = X(k√s): leading order in δ = √s (divided by δ²)", "0", r["ode"],
           f"orders δ⁰, δ¹: {r['ode_low_orders']}"),
        eq("X = 2J₁(τ)/τ in X'' + 3X'/τ + X", "residual", r["bessel_residual"],
           f"X(0) = {r['bessel_start']}"),
        eq("worst quadratic for Nesterov, u = t√h: t²·hX(t√h)²/2", "t²W", r["bessel_envelope"],
           f"largest at J₁'(u) = 0, u = {j1_peak()[0]:.6f}: t²W → {bessel_constant():.6f}"),
        eq("constant β: slow root 1 + ch of z² − (1+β)(1−h)z + β(1−h)", "c", r["slow_rate"],
           "the slow mode is GD with step η/(1 − β)"),
        eq("constant β: t·W as t → ∞", "t·W", r["const_limit"]),
        eq("constant β: d ln W/d ln t as t → ∞", "p", r["const_exponent"],
           "O(1/t), not O(1/t²)"),
    )
    gd_exp, nag_exp = r["exponents"]
    identities = (
        Identity("η ≤ 1/L keeps the descent lemma", r["descent"], sp.Interval.Lopen(0, 1 / L),
                 "derived"),
        Identity("GD certificate is an identity", r["gd_certificate"], sp.Integer(0), "derived"),
        Identity("GD: f(x_t) − f* ≤ L‖x₀ − x*‖²/(2t)", r["gd_bound"], L * R**2 / (2 * T),
                 "derived", note="catalog form; the source prints O(1/t)"),
        Identity("GD: the bound decays as t^(−1) (\"O(1/t) of vanilla gradient descent\")",
                 gd_exp, sp.Integer(-1)),
        Identity("θ_k = 2/(k+2) gives β_k = (k − 1)/(k + 2)", r["beta"], (K - 1) / (K + 2),
                 "derived"),
        Identity("lrtheory's nesterov with β_t is Tseng's method", r["tseng_vs_rule"],
                 sp.Integer(0), "derived"),
        Identity("Nesterov certificate is an identity", r["nag_certificate"], sp.Integer(0),
                 "derived"),
        Identity("x⁺ = (1−θ)x + θz⁺ (the three sequences agree)", r["nag_x_on_line"],
                 sp.zeros(3, 1), "derived"),
        Identity("schedule slack 1/4 ≥ 0", r["schedule_slack"], sp.Rational(1, 4), "derived"),
        Identity("Nesterov: f(x_t) − f* ≤ 2L‖x₀ − x*‖²/(t + 1)²", r["nag_bound"],
                 2 * L * R**2 / (T + 1) ** 2, "derived", note="catalog form"),
        Identity("Nesterov: the bound decays as t^(−2) (\"O(1/t^2) for smooth convex\")",
                 nag_exp, sp.Integer(-2)),
        Identity("GD's worst quadratic: argmax h = 1/(2t + 1)", r["gd_hstar"], 1 / (2 * T + 1),
                 "derived"),
        Identity("GD's worst quadratic: t·W → L‖x₀‖²/(4e)", r["gd_envelope_limit"],
                 sp.exp(-1) / 4, "derived"),
        Identity("GD's worst case decays as t^(−1) too (the bound's rate is attained)",
                 r["gd_envelope_exponent"], sp.Integer(-1), "derived"),
        Identity("ODE limit: no terms of order 1, √s", sp.Tuple(*r["ode_low_orders"]),
                 sp.Tuple(0, 0), "derived"),
        Identity("ODE limit X'' + (3/τ)X' + λX = 0", r["ode"],
                 sp.Symbol("X''") + 3 * sp.Symbol("X'") / TAU + LAM * sp.Symbol("X"),
                 "derived"),
        Identity("2J₁(τ)/τ solves it", r["bessel_residual"], sp.Integer(0), "derived"),
        Identity("… from X(0) = 1", r["bessel_start"], sp.Integer(1), "derived"),
        Identity("Nesterov's worst quadratic: t²W(t) → 2J₁(u)² at u = t√h", r["bessel_envelope"],
                 2 * sp.besselj(1, U) ** 2, "derived"),
        Identity("constant β: slow root 1 − h/(1 − β)", r["slow_rate"], -1 / (1 - BETA),
                 "derived"),
        Identity("constant β: t·W → (1 − β)L‖x₀‖²/(4e)", r["const_limit"],
                 (1 - BETA) * sp.exp(-1) / 4, "derived"),
        Identity("the source's rule with a constant β is O(1/t²): exponent −2",
                 r["const_exponent"], sp.Integer(-2), "stated", expect_equal=False,
                 note="seed 003 prints NAG with a fixed β (\"typically 0.9\") and O(1/t^2); "
                      "with a constant β the worst case's exponent is the derived one above"),
    )
    return Derivation(steps, identities)
