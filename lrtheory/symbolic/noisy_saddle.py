"""SGD with additive gradient noise at a saddle: the closed forms of claim D7, derived.

On f = ½λx² − ½γy² one SGD step with gradient noise s·ξ is y ← g·y − ηsξ_y, g = 1 + ηγ,
x ← (1 − ηλ)x − ηsξ_x. The quadratic is *separable*: y_{t+1} depends on neither x_t nor
ξ_x, so everything about the unstable block (its variance, its first-passage time) is the
same for any number of stable directions. From y₀ = 0, y_t is a linear combination of
Gaussians, so y_t ~ N(0, V_t) with

    V_{t+1} = g²V_t + η²s²,   V_t = ηs²(g^{2t} − 1)/(γ(2 + ηγ)),

derived from the moment recursion (:mod:`lrtheory.symbolic.moments`) and summed
(:mod:`lrtheory.symbolic.lyapunov`). The k = 1 tail P(|y_t| > r) = erfc(r/√(2V_t)) is the
integral of that N(0, V_t) density; for k unstable directions ‖y_t‖²/V_t ~ χ²_k (the law of
k independent squared standard normals: a modelled input, whose k = 1 density is derived
here by change of variables). M_t = g^{−t}y_t is a martingale whose limit has variance
v∞ = ηs²/(γ(2 + ηγ)); freezing y_t ≈ g^t M_∞ gives the approximate escape time
E[τ] ≈ [ln r − ½ln v∞ − ½E ln χ²_k]/ln g + ½, with E ln χ²_k from the χ²_k Mellin transform.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.integrals.manualintegrate import manualintegrate

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments
from lrtheory.symbolic.pac_bayes import gaussian_log_density
from lrtheory.symbolic.series import geometric_series

ETA, LAM, S, R = sp.symbols("eta lambda s r", positive=True)
GAM = sp.Symbol("gamma_-", positive=True)  # γ₋, the curvature along y (not Euler's γ)
K, D = sp.symbols("k d", positive=True)
X, Y, XI_X, XI_Y = sp.symbols("x y xi_x xi_y", real=True)
T = sp.Symbol("t", integer=True, nonnegative=True)
VAR = sp.Symbol("V", positive=True)


@dataclass(frozen=True)
class SaddleForms:
    """The derivation and its closed forms as NumPy/SciPy functions."""

    derivation: Derivation
    v_t: Any  # (η, γ, s, t) -> V_t of one unstable coordinate (scalars)
    vx_t: Any  # (η, λ, s, t) -> the same of one stable coordinate (scalars)
    v_inf: Any  # (η, γ, s) -> v∞ (scalars)
    fixed: Any  # (η, γ, s, r, k, V) -> P(‖y‖ > r) for ‖y‖²/V ~ χ²_k
    frozen_cdf: Any  # (η, γ, s, r, k, t) -> P(τ_frozen ≤ t)
    frozen_mean: Any  # (η, γ, s, r, k) -> E[τ] frozen


def _tail_above(density: sp.Expr, var: sp.Symbol, lower: sp.Expr) -> sp.Expr:
    """∫_lower^∞ density d(var), by an antiderivative (``manualintegrate``: fast) and its
    limit at ∞; 1 − erf is written erfc."""
    anti = manualintegrate(density, var)
    return sp.expand((sp.limit(anti, var, sp.oo) - anti.subs(var, lower)).rewrite(sp.erfc))


@functools.cache
def saddle_forms() -> SaddleForms:
    """Derive everything (cached: the model, the Monte Carlo and the figure share it)."""
    f = LAM * X**2 / 2 - GAM * Y**2 / 2
    x_next = X - ETA * (sp.diff(f, X) + S * XI_X)
    y_next = Y - ETA * (sp.diff(f, Y) + S * XI_Y)
    noise_term = sp.expand(y_next - (Y - ETA * sp.diff(f, Y)))
    g = sp.diff(y_next, Y)

    # one coordinate z ← a·z − ηsξ: V_t for any a, then a = g (unstable), 1 − ηλ (stable)
    a, z_ = sp.Symbol("a", real=True), sp.Symbol("z", real=True)
    rhs = expectation((a * z_ - ETA * S * XI_Y) ** 2, {z_: centred_moments(VAR),
                                                        XI_Y: gaussian_moments(1)})
    v_any = sl.geometric_solution(*sl.affine_coefficients(rhs, VAR), sp.Integer(0), T)
    rhs_y = sp.expand(rhs.subs(a, g))
    v_t, vx_t = v_any.subs(a, g), v_any.subs(a, sp.diff(x_next, X))
    increment = sp.expand(g ** (-(T + 1)) * y_next - g ** (-T) * Y)
    step_var = sp.powsimp(sp.factor(expectation(increment**2, {XI_Y: gaussian_moments(1)})))
    v_inf = sp.factor(step_var.subs(T, 0) * geometric_series(1 / g**2))
    dv = sp.factor(sp.diff(v_inf, ETA))

    # the fixed-time law: k = 1 from the N(0, V) density; χ²_k (modelled) for any k
    gauss = sp.exp(gaussian_log_density(0, VAR, Y))
    tail_1 = 2 * _tail_above(gauss, Y, R)  # symmetric: P(|y| > r) = 2P(y > r)
    u, z = sp.symbols("u z", positive=True)
    root_u = sp.sqrt(u * VAR)  # u = y²/V: both signs of y, Jacobian d√(uV)/du
    chi2_1 = 2 * gauss.subs(Y, root_u) * sp.diff(root_u, u)
    chi2 = u ** (K / 2 - 1) * sp.exp(-u / 2) / (2 ** (K / 2) * sp.gamma(K / 2))
    fixed_k = sp.uppergamma(K / 2, R**2 / (2 * VAR)) / sp.gamma(K / 2)
    mellin = sp.integrate(u**z * chi2, (u, 0, sp.oo), conds="none")
    e_log = sp.expand_log(sp.expand(sp.expand_func(sp.diff(mellin, z).subs(z, 0))),
                          force=True)
    e_tau = (sp.log(R) - sp.log(v_inf) / 2 - e_log / 2) / sp.log(g) + sp.Rational(1, 2)
    frozen_cdf = sp.uppergamma(K / 2, R**2 * g ** (-2 * T) / (2 * v_inf)) / sp.gamma(K / 2)
    noise_slope = sp.factor(sp.expand_log(S * sp.diff(e_tau, S), force=True))
    split = sp.factor(sp.expand_log(D * sp.diff(e_tau.subs(S, S / sp.sqrt(D)), D), force=True))
    eq = Step.equation
    steps = (
        eq("f = ½λx² − ½γy²: SGD step of the unstable coordinate", "y_{t+1}", y_next),
        eq("… and of the stable one", "x_{t+1}", x_next),
        eq("growth per step", "g", g),
        eq("variance recursion E[y_{t+1}²]", "V_{t+1}", rhs_y),
        eq("V_t from y₀ = 0 (geometric sum)", "V_t", v_t),
        eq("stable coordinate, same recursion", "V^x_t", vx_t),
        eq("y_t is linear in Gaussian draws: y_t ~ N(0, V_t), so P(|y_t| > r) = "
           "2∫_r^∞ N(y; 0, V_t) dy", "P(|y| > r)", tail_1),
        eq("density of u = y²/V_t (both signs of y, Jacobian): χ²₁", "p(u)", chi2_1),
        eq("k unstable directions: ‖y_t‖²/V_t ~ χ²_k (modelled: the textbook law of k "
           "independent squared N(0, 1); k = 1 derived above)", "P(‖y‖ > r)", fixed_k),
        eq("martingale M_t = g^{−t}y_t: its step", "M_{t+1} − M_t", increment,
           "independent, symmetric: Lévy's maximal inequality applies to ‖M_t‖"),
        eq("its variance", "E[(M_{t+1} − M_t)²]", step_var),
        eq("frozen limit Var(M_∞) = Σ_{t≥0} of the step variances", "v∞", v_inf),
        Step("Lévy: {τ ≤ T} ⊆ {max_{t≤T} ‖M_t‖ > rg^{−T}}, so P(‖y_T‖ > r) ≤ P(τ ≤ T) ≤ "
             "2P(‖y_T‖ > r)", sp.Integer(2) * fixed_k, "exact for every T, k, η"),
        eq("Mellin transform E[(χ²_k)^z]", "E", mellin),
        eq("E[ln χ²_k] = d/dz at z = 0", "E ln χ²", e_log),
        eq("frozen: y_t ≈ g^t M_∞, P(τ ≤ t) ≈ P(g^t‖M_∞‖ > r)", "F(t)", frozen_cdf),
        eq("frozen: E[τ] ≈ E[ln(r/‖M_∞‖)]/ln g + ½", "E[τ]", e_tau),
        eq("noise scale: s·∂E[τ]/∂s", "slope", noise_slope),
        eq("s² = s_tot²/d (fixed total noise over d coordinates): d·∂E[τ]/∂d", "slope",
           split),
    )
    identities = (
        Identity("the update's noise is the gradient noise scaled by η", noise_term,
                 -ETA * S * XI_Y, note="seed 003: 'noise …, scaled by α_t'"),
        Identity("growth g = 1 + ηγ > 1 for every η > 0", g, 1 + ETA * GAM, "derived"),
        Identity("separable: the unstable coordinate never sees x, ∂y_{t+1}/∂x_t = 0",
                 sp.diff(y_next, X), sp.Integer(0), "derived"),
        Identity("… nor the stable block's noise, ∂y_{t+1}/∂ξ_x = 0", sp.diff(y_next, XI_X),
                 sp.Integer(0), "derived",
                 note="so the law of y (and of τ) is the same for any number d_s of stable "
                      "directions: exact, no simulation needed"),
        Identity("V_{t+1} = g²V_t + η²s²", rhs_y, (1 + ETA * GAM) ** 2 * VAR + ETA**2 * S**2,
                 "derived"),
        Identity("V_t = ηs²((1+ηγ)^{2t} − 1)/(γ(2 + ηγ))", v_t,
                 ETA * S**2 * ((1 + ETA * GAM) ** (2 * T) - 1) / (GAM * (2 + ETA * GAM)),
                 "derived"),
        Identity("k = 1: the χ²_k tail Q(k/2, r²/2V_t) is the integral of the N(0, V_t) "
                 "density", tail_1, fixed_k.subs(K, 1), "derived"),
        Identity("… and the χ²_k density at k = 1 is that of y²/V_t", chi2_1, chi2.subs(K, 1),
                 "derived"),
        Identity("M_t has steps −ηs g^{−t−1}ξ_t", increment,
                 -ETA * S * XI_Y * (1 + ETA * GAM) ** (-T - 1), "derived"),
        Identity("v∞ = ηs²/(γ(2 + ηγ))", v_inf, ETA * S**2 / (GAM * (2 + ETA * GAM)),
                 "derived"),
        Identity("larger η: more noise reaches the unstable direction (dv∞/dη > 0)",
                 sp.sign(dv), sp.Integer(1), "derived",
                 note="makes seed 003's 'larger learning rates amplify this noise' exact"),
        Identity("E[ln χ²_k] = ψ(k/2) + ln 2", e_log, sp.polygamma(0, K / 2) + sp.log(2),
                 "derived"),
        Identity("frozen E[τ], k = 1: [ln(r/√v∞) + (γ_E + ln 2)/2]/ln(1 + ηγ) + ½",
                 e_tau.subs(K, 1),
                 (sp.log(R / sp.sqrt(v_inf)) + (sp.EulerGamma + sp.log(2)) / 2)
                 / sp.log(1 + ETA * GAM) + sp.Rational(1, 2), "derived"),
        Identity("escape time is logarithmic in the noise: s·∂E[τ]/∂s = −1/ln g", noise_slope,
                 -1 / sp.log(1 + ETA * GAM), "derived"),
        Identity("fixed total noise split over d coordinates: d·∂E[τ]/∂d = 1/(2 ln g)", split,
                 1 / (2 * sp.log(1 + ETA * GAM)), "derived"),
    )
    args, mods = (ETA, GAM, S, R, K, T), ["scipy", "numpy"]
    return SaddleForms(
        Derivation(steps, identities),
        sp.lambdify((ETA, GAM, S, T), v_t, "math"),  # scalars only: the cheap printer
        sp.lambdify((ETA, LAM, S, T), vx_t, "math"),
        sp.lambdify((ETA, GAM, S), v_inf, "math"),
        sp.lambdify((*args[:5], VAR), fixed_k, mods),
        sp.lambdify(args, frozen_cdf, mods),
        sp.lambdify(args[:5], e_tau, mods),
    )
