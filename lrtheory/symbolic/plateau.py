"""Reduce-on-plateau against the SGD loss recursion, derived with SymPy (claim H6).

SGD x ← x − η(λx + ξ), E[ξ²] = σ²/B, on L = ½λx²: the second-moment recursion comes from
the update (:func:`lrtheory.symbolic.moments.expectation`), its fixed point gives the floor
F(η) = ησ²/(2B(2 − ηλ)), and the gap g = E[L] − F shrinks by A = (1 − ηλ)^{2E} per epoch of
E steps. The rule (:mod:`lrtheory.schedules.plateau`) watching E[L]:

* a window of w epochs from the best loss F + g improves on it by a factor 1 − δ iff
  g > G_w = δF/(1 − δ − A^w), and G_w falls with w (∂G_w/∂w < 0 for A < 1), so the widest
  window the rule allows, p + 1 epochs, is the last that can show an improvement;
* the gap falls to G_{p+1} after t* epochs; the last improvement comes at the first epoch
  b ≥ ⌈t*⌉ on which one is due (b ≤ ⌈t*⌉ + p) and the cut p + 1 epochs after it, with the
  loss then at most F(1 + δA^{p+1}/(1 − δ − A^{p+1}));
* below η_δ (where 1 − A^{p+1} = δ) no window can improve by δ: a cut every p + 1 epochs;
* the floors form the staircase F(η₀fᵏ), and stages lasting ∝ 1/η_k make η_K·T_K tend to a
  constant (a c/t schedule).

:func:`rule` computes all of it, :func:`derivation` assembles H6's steps and identities and
:func:`numeric` gives the thresholds, cut time, excess bound, edge and floor as floats, and
:func:`cut_bracket` the bracket of a cut's epoch.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments
from lrtheory.symbolic.series import finite_sum, limit_geometric

eta, lam, sigma, B = sp.symbols("eta lambda sigma B", positive=True)
E = sp.Symbol("E", positive=True, integer=True)
p = sp.Symbol("p", nonnegative=True, integer=True)
delta, g, F, A, L, f, w, g0, ell, eta0 = sp.symbols(
    "delta g F A L f w g_0 ell eta_0", positive=True)
K = sp.Symbol("K", positive=True, integer=True)
k = sp.Symbol("k", nonnegative=True, integer=True)
t_cross = sp.Symbol("t", positive=True)
c_rate = sp.Symbol("c", positive=True)
log_a, log_g = sp.symbols("ln_A ln_G")


def _linear_root(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """The root of an expression affine in ``var`` (cheaper than ``solve``'s checks)."""
    poly = sp.Poly(sp.expand(expr), var)
    if poly.degree() != 1:  # pragma: no cover - every use here is affine
        raise ValueError(f"{expr} is not affine in {var}")
    return sp.factor(-poly.coeff_monomial(1) / poly.coeff_monomial(var))


def _taylor(expr: sp.Expr, var: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """The Taylor coefficients of orders 0 and 1 at var = 0 (by differentiating: much
    cheaper than ``series`` on these powers with symbolic exponents)."""
    return sp.factor(expr.subs(var, 0)), sp.factor(sp.diff(expr, var).subs(var, 0))


@cache
def floor_law() -> dict[str, Any]:
    """The SGD step x ← x − η(λx + ξ), E[ξ²] = σ²/B: its second-moment recursion (from the
    update, :func:`lrtheory.symbolic.moments.expectation`) and the loss floor."""
    noise = {sl.XI: gaussian_moments(sigma**2 / B)}
    r: dict[str, Any] = {"update": sl.X - eta * (lam * sl.X + sl.XI)}
    r["rhs"] = expectation(r["update"] ** 2, {sl.X: centred_moments(sl.V), **noise})
    r["a"], r["q"] = sl.affine_coefficients(r["rhs"], sl.V)
    r["stationary"] = sl.affine_fixed_point(r["rhs"], sl.V)
    r["floor"] = sp.factor(lam / 2 * r["stationary"])
    return r


@cache
def rule() -> dict[str, Any]:
    """The rule against that recursion: thresholds, cut times, excess, edge, staircase."""
    r: dict[str, Any] = dict(floor_law())
    r["drift"] = sp.factor(lam / 2 * r["rhs"].subs(sl.V, 2 * L / lam) - L)
    r["epoch_factor"] = r["a"] ** E  # A: the gap's factor per epoch of E steps
    # A window of w epochs improves on the best L_b = F + g iff F + gA^w < (1 − δ)(F + g):
    # affine in g, so the boundary G_w is its root.
    r["G_w"] = _linear_root(F + g * A**w - (1 - delta) * (F + g), g)
    r["G_w_slope"] = sp.factor(sp.diff(r["G_w"], w))
    r["G"] = r["G_w"].subs(w, p + 1)
    # g₀A^t = G: affine in t after taking logarithms, t·ln A = ln(G/g₀) (the logarithms held
    # as symbols while solving, so that SymPy does not split them).
    logs = {log_a: sp.log(A), log_g: sp.log(r["G"] / g0)}
    r["t_star"] = _linear_root(t_cross * log_a - log_g, t_cross).xreplace(logs)
    # The last improvement b is the first due at or after ⌈t*⌉ — within p + 1 epochs of the
    # previous one, whose gap exceeded G — and the cut comes p + 1 epochs after b.
    first = sp.ceiling(sp.Symbol("t*", positive=True))
    r["last_best"] = sp.Interval(first, first + p)
    r["cut"] = sp.Interval(r["last_best"].start + p + 1, r["last_best"].end + p + 1)
    r["excess"] = sp.factor(r["G"] * A ** (p + 1) / F)
    window = r["epoch_factor"] ** (p + 1)
    r["window_slope"] = sp.diff(window, eta)  # how a window's factor A^{p+1} moves with η
    r["window_drop"] = sp.factor(sum(c * eta**j for j, c in enumerate(_taylor(1 - window, eta))))
    # Below ηλ = 1 write 1 − ηλ = c > 0, so A^{p+1} = c^{2E(p+1)}: the window's drop equals δ
    # at c = (1 − δ)^{1/(2E(p+1))}, and is smaller for smaller η (c closer to 1).
    a_c = sp.expand(r["a"].subs(eta, (1 - c_rate) / lam))
    (c_edge,) = sp.solve(1 - delta - (a_c**E) ** (p + 1), c_rate, simplify=False, check=False)
    r["edge"] = (1 - c_edge) / lam
    r["edge_lead"] = sp.factor(sum(c * delta**j for j, c in enumerate(_taylor(r["edge"], delta))))
    r["floor_ratio"] = sp.factor(r["floor"].subs(eta, f * eta) / r["floor"])
    r["floor_ratio_small"] = sp.limit(r["floor_ratio"], eta, 0)
    r["rates"] = sl.geometric_solution(f, sp.Integer(0), eta0, k)  # η_{k+1} = fη_k, unrolled
    # Stage k lasts ≈ ℓ/η_k steps when ln(g/G) is the same each stage: T_K = Σ_{k<K} ℓ/η_k.
    r["T_K"] = finite_sum(ell / r["rates"], k, 0, K - 1)
    r["eta_T"] = sp.factor(sp.powsimp(sp.expand(r["T_K"] * r["rates"].subs(k, K))))
    r["eta_T_limit"] = limit_geometric(r["eta_T"], f, K)
    return r


def _member(name: str, interval: sp.Interval) -> sp.Basic:
    """The statement ``name`` ∈ ``interval``, unevaluated (a step of the derivation)."""
    return sp.Contains(sp.Symbol(name), interval, evaluate=False)


def derivation() -> Derivation:
    """H6's steps and identities (from :func:`rule`)."""
    r = rule()
    path = sl.affine_recursion_solution(r["a"], r["q"], sl.V0, sl.STEP)  # rsolve
    gap_path = sp.factor(lam / 2 * (path - r["stationary"]))
    per_epoch = sp.simplify(gap_path.subs(sl.STEP, sl.STEP + E) / gap_path)
    steps = (
        Step.equation("SGD step, E[ξ²] = σ²/B", "x_{t+1}", r["update"]),
        Step.equation("second-moment recursion", "V_{t+1}", r["rhs"]),
        Step.equation("loss floor ½λ·(fixed point)", "F(η)", r["floor"]),
        Step.equation("drift of L = ½λx² given x (with V = 2L/λ)", "E[L_{t+1} − L_t | x]",
                      r["drift"]),
        Step.equation("the gap g_t = E[L_t] − F to the floor, from L₀ (rsolve)", "g_t", gap_path),
        Step.equation("so per epoch of E steps the gap shrinks by", "A", per_epoch),
        Step.equation("a window of w epochs beats the best F + g by a factor 1 − δ iff g > G_w",
                      "G_w", r["G_w"]),
        Step.equation("G_w falls with w (ln A < 0): the widest window, p + 1 epochs, is the "
                      "last to show an improvement", "∂G_w/∂w", r["G_w_slope"]),
        Step.equation("the gap reaches G_{p+1} after (epochs, from gap g₀)", "t*", r["t_star"]),
        Step("while the best's gap exceeds G_{p+1} an improvement follows within p + 1 "
             "epochs, so the last one comes at the first epoch b ≥ ⌈t*⌉ due one (gap ≤ "
             "G_{p+1}: none follows it)", _member("b", r["last_best"])),
        Step("the cut, p + 1 epochs after b (+1 at the upper end when ⌈t*⌉ = 0 and the "
             "best is older than the stage)", _member("R", r["cut"])),
        Step.equation("gap at the cut ≤ G_{p+1}A^{p+1}: the bound on the relative excess "
                      "ε_R = (L_R − F)/F", "ε_R,max", r["excess"]),
        Step.equation("largest relative drop of a (p + 1)-epoch window, small η", "1 − A^{p+1}",
                      r["window_drop"]),
        Step.equation("below this rate no window can improve by δ: a cut every p + 1 epochs",
                      "η_δ", r["edge"]),
        Step.equation("… to first order in δ", "η_δ", r["edge_lead"]),
        Step.equation("the staircase: one cut by f divides the floor by", "F(fη)/F(η)",
                      r["floor_ratio"]),
        Step.equation("rates after k cuts (η_{k+1} = fη_k unrolled)", "η_k", r["rates"]),
        Step.equation("stages of ℓ/η_k steps end at", "T_K", r["T_K"]),
        Step.equation("… so the product c_K = η_K·T_K", "c_K", r["eta_T"]),
    )
    identities = (
        Identity("loss floor F(η) = ησ²/(2B(2 − ηλ))", r["floor"],
                 eta * sigma**2 / (2 * B * (2 - eta * lam)), "derived",
                 note="the catalog's staircase value; the seeds give no formula"),
        Identity("each step pulls E[L] toward the current floor: −ηλ(2 − ηλ)(L − F(η))",
                 r["drift"], -eta * lam * (2 - eta * lam) * (L - r["floor"]), "derived",
                 note="holds given the past, so under any feedback schedule"),
        Identity("gap factor per epoch A = (1 − ηλ)^{2E}", per_epoch,
                 (eta * lam - 1) ** (2 * E), "derived", note="an even power: (ηλ − 1)^{2E}"),
        Identity("improvement threshold G_w = δF/(1 − δ − A^w)", r["G_w"],
                 delta * F / (1 - delta - A**w), "derived"),
        Identity("∂G_w/∂w = δF·A^w ln A/(1 − δ − A^w)² (< 0 for A < 1)", r["G_w_slope"],
                 delta * F * A**w * sp.log(A) / (1 - delta - A**w) ** 2, "derived"),
        Identity("time to the stall t* = ln(δF/(g₀(1 − δ − A^{p+1})))/ln A", r["t_star"],
                 sp.log(delta * F / (g0 * (1 - delta - A ** (p + 1)))) / sp.log(A), "derived"),
        Identity("excess at the cut ≤ δA^{p+1}/(1 − δ − A^{p+1})", r["excess"],
                 delta * A ** (p + 1) / (1 - delta - A ** (p + 1)), "derived"),
        Identity("a window's drop 1 − A^{p+1} = 2E(p + 1)ηλ + O(η²)", r["window_drop"],
                 2 * E * (p + 1) * eta * lam, "derived"),
        Identity("the rule degenerates below η_δ = δ/(2E(p + 1)λ) + O(δ²)", r["edge_lead"],
                 delta / (2 * E * (p + 1) * lam), "derived"),
        Identity("staircase: F(fη)/F(η) = f(2 − ηλ)/(2 − fηλ)", r["floor_ratio"],
                 f * (2 - eta * lam) / (2 - f * eta * lam), "derived"),
        Identity("… → f as ηλ → 0 (the SDE floor ∝ η)", r["floor_ratio_small"], f, "derived"),
        Identity("'iteratively halving': η_k = η₀/2^k", r["rates"].subs(f, sp.Rational(1, 2)),
                 eta0 / 2**k, "derived",
                 note="seed 003 says 'iteratively halving' in words; the formula is ours"),
        Identity("stages ∝ 1/η_k make η_K T_K → ℓf/(1 − f): a c/t schedule", r["eta_T_limit"],
                 ell * f / (1 - f), "derived"),
    )
    return Derivation(steps, identities)


@cache
def numeric() -> dict[str, Any]:
    """Float functions: ``G`` (δ, F, A, p), ``t_star`` (g₀, δ, F, A, p), ``excess``
    (δ, A, p), ``edge`` (δ, E, p, λ), ``floor`` (η, λ, σ, B), ``A`` (η, λ, E) and
    ``window_slope`` dA^{p+1}/dη (η, λ, E, p); ``A`` takes NumPy arrays too."""
    r = rule()
    return {"A": sp.lambdify((eta, lam, E), r["epoch_factor"], "numpy"),
            "window_slope": sp.lambdify((eta, lam, E, p), r["window_slope"], "math"),
            "G": sp.lambdify((delta, F, A, p), r["G"], "math"),
            "t_star": sp.lambdify((g0, delta, F, A, p), r["t_star"], "math"),
            "excess": sp.lambdify((delta, A, p), r["excess"], "math"),
            "edge": sp.lambdify((delta, E, p, lam), r["edge"], "math"),
            "floor": sp.lambdify((eta, lam, sigma, B), r["floor"], "math")}


def cut_bracket(gap: float, threshold: float, floor: float, contraction: float,
                patience: int, fresh: bool) -> tuple[int, int]:
    """The derived bracket of a stage's cut, in epochs after the stage's first epoch, on the
    loop on E[L]: [j₀ + p + 1, j₀ + 2p + 1], j₀ = ⌈t*⌉ (0 when the first gap is already at
    most G_{p+1}, or no window can improve by δ), one more at the top when j₀ = 0 and the
    best is older than the stage (not ``fresh``). ``contraction`` is A, the gap's factor per
    epoch; ``gap`` the first epoch's E[L] − F."""
    f_ = numeric()
    room = 1.0 - threshold - contraction ** (patience + 1)
    j0 = 0
    if room > 0 and gap > f_["G"](threshold, floor, contraction, patience):
        j0 = math.ceil(f_["t_star"](gap, threshold, floor, contraction, patience))
    extra = 1 if (j0 == 0 and not fresh) else 0
    return j0 + patience + 1, j0 + 2 * patience + 1 + extra
