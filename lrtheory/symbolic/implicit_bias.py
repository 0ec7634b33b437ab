"""Symbolic results behind claim G6: GD on separable data aligns with the hard-margin SVM.

Everything is computed from the model's equations (:func:`results`, cached):

* **the SVM of two points** z₁, z₂ ∈ ℝ² (both support vectors): stationarity of the
  Lagrangian ½‖w‖² − Σα_n(z_nᵀw − 1) and the active constraints give ŵ = Zᵀα, α = G⁻¹1;
* **the asymptote of the flow** w' = −∇L, L = (1/N)Σ e^{−z_nᵀw} (the logistic loss's tail):
  u_n = z_nᵀw obeys u' = (1/N)G e^{−u}, and the ansatz u = ln(τ + τ₀)·1 + c solves it
  *exactly* iff e^{−c} = N G⁻¹1 = Nα — the SVM's dual variables; so
  w(τ) = ŵ ln(τ + τ₀) + ρ with z_nᵀρ = −ln(Nα_n);
* **direction, norm and angle** of w = ŵx + ρ as x = ln τ → ∞: w/x → ŵ, ‖w‖/x → ‖ŵ‖ = 1/γ̂,
  x·tan∠(w, ŵ) → |ρ × ŵ|/‖ŵ‖² — the 1/log τ law, exponent d ln θ/d ln ln τ → −1;
* **the rate of approach**: with u = x·1 + c + η (x = ln τ) the flow becomes
  η' = G diag(α) e^{−η} − 1, whose linearisation −G diag(α) has the characteristic
  polynomial (λ − 1)(λ − α₁α₂ det G) (rate 1 along ŵ: a shift of τ); a point with margin
  1 + g off the support forces it like τ^{−g}, and the logistic tail like τ^{−1};
* **step-size schedules** through the elapsed time τ_t = Σ_{s<t} η_s: constant and
  η₀/√(t+1) keep the exponent −1 in ln t, η₀/(t+1) makes it 0 (θ ∝ 1/ln ln t), η₀qᵗ has
  τ_∞ = η₀/(1 − q) < ∞ (the direction freezes);
* **normalised GD** on the two points: the component v orthogonal to ŵ settles where the
  weights p_n ∝ e^{−z_nᵀw} equal α_n/Σα (fixed point, multiplier, stability range); there
  the step Σp_n z_n is parallel to ŵ, so wᵀŵ/‖ŵ‖ = w₀ + Σ_{s<t} η = w₀ + ηt and
  t·tan θ_t → v*/η: exponent −1 in t;
* **finite-t bounds**: the descent lemma's range η ≤ 1/β, the one-step identity behind
  ‖w_{t+1} − u‖² ≤ ‖w_t − u‖² + 2η_t(L(u) − L(w_{t+1})), the norm bound it implies, and the
  identity behind sin²∠(w, ŵ) ≤ γ̂²/γ(w)² − 1.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

TAU, TAU0, N = sp.symbols("tau tau_0 N", positive=True)
X = sp.Symbol("x", positive=True)  #: x = ln τ
T, ETA, ETA0, BETA = sp.symbols("t eta eta_0 beta", positive=True)
Q = sp.Symbol("q", positive=True)
S_NORM = sp.Symbol("W", positive=True)  #: ‖ŵ‖


def _dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    return sp.expand((a.T * b)[0, 0])


def _vec(name: str, dim: int) -> sp.Matrix:
    return sp.Matrix(sp.symbols(f"{name}_1:{dim + 1}", real=True))


def _at_infinity(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """lim expr as var → ∞. For a rational function of var: substitute var = 1/h, cancel
    and set h = 0 (exact where the result is finite); otherwise SymPy's ``limit``."""
    h = sp.Dummy("h", positive=True)
    flipped = sp.cancel(expr.subs(var, 1 / h))
    if flipped.is_rational_function(h):
        value = sp.cancel(flipped.subs(h, 0))
        if not value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            return value
    return sp.limit(expr, var, sp.oo)


def _exponent(f: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """lim var·d ln f/d var as var → ∞ (the power of var that f behaves like)."""
    return _at_infinity(sp.cancel(var * sp.diff(f, var) / f), var)


def _svm(r: dict[str, Any]) -> None:
    z1, z2 = _vec("p", 2), _vec("q", 2)
    w, a = _vec("w", 2), sp.symbols("alpha_1 alpha_2", positive=True)
    lag = _dot(w, w) / 2 - a[0] * (_dot(z1, w) - 1) - a[1] * (_dot(z2, w) - 1)
    (stationary,) = sp.linsolve([sp.diff(lag, v) for v in w], list(w))
    w_of_alpha = sp.Matrix(stationary)
    # z_nᵀw = Σ_m α_m z_nᵀz_m: the active constraints in the Gram entries g_nm = z_nᵀz_m.
    gram = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"g_{min(i, j) + 1}{max(i, j) + 1}",
                                                   real=True))
    coeff = [[sp.expand(_dot(z, w_of_alpha)).coeff(am) for am in a] for z in (z1, z2)]
    dots = sp.Matrix([[_dot(z1, z1), _dot(z1, z2)], [_dot(z2, z1), _dot(z2, z2)]])
    r["gram_check"] = sp.expand(sp.Matrix(coeff) - dots)  # the coefficients are z_nᵀz_m
    (dual,) = sp.linsolve(list(gram * sp.Matrix(a) - sp.ones(2, 1)), list(a))
    alpha = sp.Matrix(dual).applyfunc(sp.factor)
    r.update(z=(z1, z2), lagrangian=lag, w_of_alpha=w_of_alpha, gram=gram, alpha=alpha)
    r["w_hat"] = w_of_alpha.subs(dict(zip(a, alpha, strict=True)))
    r["svm_margins"] = (gram * alpha).applyfunc(sp.cancel)  # z_nᵀŵ = (Gα)_n


def _flow(r: dict[str, Any]) -> None:
    gram = r["gram"]
    c = sp.Matrix(sp.symbols("c_1 c_2", real=True))
    x = sp.Matrix(sp.symbols("X_1 X_2", positive=True))  # X = e^{−c}
    u = sp.log(TAU + TAU0) * sp.ones(2, 1) + c
    lhs = sp.diff(u, TAU)
    rhs = gram * x / (N * (TAU + TAU0))  # (1/N)G e^{−u}, e^{−u_n} = X_n/(τ + τ₀)
    (sol,) = sp.linsolve(list(lhs - rhs), list(x))
    r["flow_weights"] = sp.Matrix(sol).applyfunc(sp.factor)
    r["flow_residual"] = (lhs - rhs).subs(dict(zip(x, sol, strict=True))).applyfunc(sp.cancel)
    r["flow_drift"] = r["flow_weights"].diff(TAU).applyfunc(sp.cancel)  # 0: c is constant
    # dw/d ln(τ + τ₀) = (1/N)Σ_n e^{−c_n} z_n: the coefficients of z₁, z₂.
    r["flow_direction"] = (r["flow_weights"] / N).applyfunc(sp.cancel)
    # w = ŵ ln(τ + τ₀) + ρ stays in span{z₁, z₂}: w = Zβ with Gβ = u, so ρ = ZG⁻¹c and
    # ρᵀŵ = (G⁻¹c)ᵀG(G⁻¹1).
    along = (gram.LUsolve(c).T * gram * gram.LUsolve(sp.ones(2, 1)))[0, 0]
    r["offset_along"] = sp.factor(along)
    r["offset_residual"] = sp.cancel(along - (c.T * r["alpha"])[0, 0])
    y = sp.Symbol("y", positive=True)  # y = e^{−u}: −ℓ'(u) = 1/(1 + e^u) = y/(1 + y)
    r["logistic_tail"] = sp.cancel((y / (1 + y) - y) / y**2).subs(y, 0)  # −1/(1 + y) at 0


def _direction(r: dict[str, Any]) -> None:
    w1, w2, r1, r2 = sp.symbols("W_1 W_2 rho_1 rho_2", real=True)
    w_hat, rho = sp.Matrix([w1, w2]), sp.Matrix([r1, r2])
    w = w_hat * X + rho
    r["direction_limit"] = sp.Matrix([_at_infinity(v / X, X) for v in w])
    r["norm_limit"] = sp.sqrt(_at_infinity(_dot(w, w) / X**2, X))
    cross = sp.expand(w[0] * w_hat[1] - w[1] * w_hat[0])  # w × ŵ: constant in x
    k = sp.Symbol("K", positive=True)  # |w × ŵ|
    tan = k / _dot(w, w_hat)
    r["cross"] = cross
    r["angle_constant"] = _at_infinity(X * tan, X).subs(k, sp.Abs(cross))
    r["angle_exponent"] = _exponent(tan, X)
    r["norm_hat"] = sp.sqrt(w1**2 + w2**2)


def _schedules(r: dict[str, Any]) -> None:
    s, y = sp.symbols("s y", positive=True)  # y = ln t
    rates = {"constant": ETA0 + 0 * s, "inverse_sqrt": ETA0 / sp.sqrt(s + 1),
             "inverse": ETA0 / (s + 1)}
    taus = {}
    for name, rate in rates.items():  # τ_t = ∫₀ᵗ η(s)ds from an antiderivative
        anti = sp.integrate(rate, s)
        taus[name] = sp.expand(anti.subs(s, T) - anti.subs(s, 0))
    r["tau"] = taus
    # Leading behaviour as t → ∞ (t = 1/h, h → 0): τ ~ c·t^a (a > 0) or c·ln t (a = 0).
    # θ ≈ C/ln τ, so with y = ln t the exponent of θ in y is −d ln(ln τ)/d ln y, where
    # ln τ ~ ln c + a·y, or ln c + ln y = ln c + v with y = e^v (y → ∞ as v → ∞).
    h, v = sp.Dummy("h", positive=True), sp.Dummy("v", positive=True)
    r["tau_exponent"], r["angle_exponent_t"] = {}, {}
    for k, tau in taus.items():
        lead = tau.subs(T, 1 / h).as_leading_term(h)
        c, power = lead.as_coeff_exponent(h)
        if power != 0:
            r["tau_exponent"][k] = -power
            log_tau = sp.log(c) + (-power) * y
            r["angle_exponent_t"][k] = _at_infinity(-y * sp.diff(log_tau, y) / log_tau, y)
        else:  # c = c₀·ln(1/h) = c₀ ln t
            r["tau_exponent"][k] = sp.Integer(0)
            c0 = sp.cancel(c / -sp.log(h))
            r["angle_exponent_t"][k] = _at_infinity(-1 / (sp.log(c0) + v), v)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    partial = sp.summation(Q**k, (k, 0, T - 1)).args[1][0]  # q ≠ 1: (1 − qᵗ)/(1 − q)
    r["tau_exponential_t"] = ETA0 * partial
    r["tau_exponential"] = sp.factor(r["tau_exponential_t"].subs(Q**T, 0))  # qᵗ → 0, q < 1


def _rates(r: dict[str, Any]) -> None:
    """How fast the flow approaches w = ŵ ln(τ/N) + ρ. With u = x·1 + c + η, x = ln τ and
    e^{−c} = Nα (the exact solution), u' = (1/N)G e^{−u} becomes, in x,
    η' = G diag(α) e^{−η} − 1: linearise at η = 0; a point off the support and the
    logistic tail add forcing terms, whose exponents in τ are read off."""
    gram, alpha = r["gram"], r["alpha"]
    a1, a2 = sp.symbols("alpha_1 alpha_2", positive=True)
    dual = dict(zip((a1, a2), alpha, strict=True))  # α = G⁻¹1, substituted last
    eta = sp.Matrix(sp.symbols("eta_1 eta_2", real=True))
    field = gram * sp.diag(a1, a2) * eta.applyfunc(lambda v: sp.exp(-v)) - sp.ones(2, 1)
    zero = dict.fromkeys(eta, 0)
    r["rate_field"] = field
    r["rate_fixed_point"] = field.subs(zero).subs(dual).applyfunc(sp.cancel)
    jac = field.jacobian(eta).subs(zero)
    lam = sp.Symbol("lambda")
    r["rate_jacobian"] = jac
    r["rate_charpoly"] = sp.factor((-jac).charpoly(lam).as_expr().subs(dual))
    second = a1 * a2 * gram.det()
    r["rate_second"] = sp.factor(second.subs(dual))
    r["rate_charpoly_stated"] = sp.factor(sp.expand((lam - 1) * (lam - second)).subs(dual))
    r["rate_shift_mode"] = (-jac * sp.ones(2, 1)).subs(dual).applyfunc(sp.cancel)  # −J·1
    # A point with z_mᵀŵ = 1 + g on the asymptote: u_m = (1 + g) ln(τ/N) + z_mᵀρ, and it
    # enters dδ/d ln τ as τ·e^{−u_m}/N; the logistic tail's relative correction is e^{−u_n}
    # on the support, u_n = ln(τ/(Nα_n)).
    # Exponents as τ·d ln f/dτ of ln f, written out.
    g, cm, an = sp.symbols("g c_m alpha_n", positive=True)
    forcing = sp.log(TAU) - (1 + g) * (sp.log(TAU) - sp.log(N)) - cm - sp.log(N)
    r["rate_forcing"] = _at_infinity(sp.cancel(TAU * sp.diff(forcing, TAU)), TAU)
    tail = -(sp.log(TAU) - sp.log(N * an))  # ln e^{−u_n}
    r["rate_tail"] = _at_infinity(sp.cancel(TAU * sp.diff(tail, TAU)), TAU)


def _normalised(r: dict[str, Any]) -> None:
    a1, a2 = sp.symbols("a_1 a_2", real=True)  # a_n = z_nᵀe⊥, e⊥ ⟂ ŵ
    al1, al2, gamma = sp.symbols("alpha_1 alpha_2 gamma", positive=True)
    ratio = sp.Symbol("r", positive=True)  # p₁/p₂ = e^{−(a₁−a₂)v}, p_n ∝ e^{−z_nᵀw}
    h = (ratio * a1 + a2) / (ratio + 1)  # Σ p_n a_n: the e⊥-component of Σ p_n z_n
    (r_star,) = sp.roots(sp.Poly(sp.numer(sp.together(h)), ratio))  # h is affine over r
    r["ngd_ratio"] = r_star
    r["ngd_ratio_svm"] = sp.cancel(r_star.subs(a2, -al1 * a1 / al2))  # α₁a₁ + α₂a₂ = 0
    r["ngd_fixed_point"] = -sp.log(r["ngd_ratio_svm"]) / (a1 - a2)  # v* from p₁/p₂
    # d/dv = (dr/dv) d/dr with dr/dv = −(a₁ − a₂)r: the linearised map's slope at r*.
    slope = sp.factor((-(a1 - a2) * ratio * sp.diff(h, ratio)).subs(ratio, al1 / al2))
    r["ngd_slope"] = slope
    r["ngd_multiplier"] = 1 + ETA * slope / gamma  # ‖Σ p_n z_n‖ = γ̂ at p = α/Σα
    lin, const = sp.Poly(r["ngd_multiplier"] + 1, ETA).all_coeffs()  # m(η) = −1: the flip
    r["ngd_stable_eta"] = sp.factor(-const / lin)
    # At the settled weights p = α/Σα the step direction Σp_n z_n/‖Σp_n z_n‖ is ŵ/‖ŵ‖ (ŵ =
    # Σα_n z_n): each step adds η along ŵ, so wᵀŵ/‖ŵ‖ = w₀ + Σ_{s<t} η, while v → v*.
    z1, z2 = r["z"]
    wh = r["w_hat"]
    p_sum = (al1 * z1 + al2 * z2) / (al1 + al2)
    p_sum = p_sum.subs({al1: r["alpha"][0], al2: r["alpha"][1]})
    r["ngd_direction"] = sp.cancel(p_sum[0] * wh[1] - p_sum[1] * wh[0])  # ∥ ŵ: cross = 0
    s, w0 = sp.Symbol("s", integer=True, nonnegative=True), sp.Symbol("w_0", real=True)
    r["ngd_along"] = w0 + sp.summation(ETA, (s, 0, T - 1))
    vs = sp.Symbol("v_*", positive=True)
    tan = vs / r["ngd_along"]
    r["ngd_angle_constant"] = _at_infinity(T * tan, T)
    r["ngd_angle_exponent"] = _exponent(tan, T)


def _bounds(r: dict[str, Any]) -> None:
    q = 1 - BETA * ETA / 2 - sp.Rational(1, 2)  # descent lemma keeps −(η/2)‖g‖² iff q ≥ 0
    a, b = sp.Poly(q, ETA).all_coeffs()
    r["descent"] = sp.Interval.Lopen(0, sp.factor(-b / a))
    w, u, g = _vec("w", 3), _vec("u", 3), _vec("g", 3)
    fw, fu, fp = sp.symbols("L_w L_u L_+", real=True)
    wp = w - ETA * g
    conv = fu - fw - _dot(g, u - w)  # ≥ 0: convexity
    desc = fw - fp - ETA / 2 * _dot(g, g)  # ≥ 0: descent lemma, η ≤ 1/β
    lhs = _dot(wp - u, wp - u) - _dot(w - u, w - u) - 2 * ETA * (fu - fp)
    r["fejer_residual"] = sp.expand(lhs + 2 * ETA * (conv + desc))
    n, un, lu = sp.symbols("n U L_U", positive=True)  # ‖w_t‖, ‖u‖, L(u)
    roots = sp.roots(sp.Poly((n - un) ** 2 - un**2 - 2 * TAU * lu, n))
    r["norm_bound"] = max(roots, key=lambda e: e.subs({un: 1, lu: 1, TAU: 1}))
    # The comparator u = sŵ, s = ln(1 + τ/‖ŵ‖²): every margin of u is ≥ s.
    s = sp.log(1 + TAU / S_NORM**2)
    lu_s = sp.log(1 + sp.exp(-s))
    r["comparator"] = s
    r["loss_bound"] = lu_s + s**2 * S_NORM**2 / (2 * TAU)
    r["norm_upper"] = r["norm_bound"].subs({un: s * S_NORM, lu: lu_s})
    r["margin_lower"] = -sp.log(sp.exp(N * r["loss_bound"]) - 1)
    # Angle–margin lemma: with ŵ = Σα_n z_n, for any v,
    # ‖v‖² − ‖ŵ‖² − ‖v − ŵ‖² = 2Σα_n(z_nᵀv − 1) + 2Σα_n(1 − z_nᵀŵ)  (a polynomial identity).
    z1, z2, vv = _vec("z", 3), _vec("y", 3), _vec("v", 3)
    al = sp.symbols("alpha_1 alpha_2", real=True)
    wh = al[0] * z1 + al[1] * z2
    r["angle_margin_residual"] = sp.expand(
        _dot(vv, vv) - _dot(wh, wh) - _dot(vv - wh, vv - wh)
        - 2 * sum(al[i] * (_dot(z, vv) - 1) + al[i] * (1 - _dot(z, wh))
                  for i, z in enumerate((z1, z2))))


@cache
def results() -> dict[str, Any]:
    """Every SymPy result of the G6 derivation (cached: model, figure and tests reuse it)."""
    r: dict[str, Any] = {}
    _svm(r)
    _flow(r)
    _direction(r)
    _schedules(r)
    _rates(r)
    _normalised(r)
    _bounds(r)
    return r
