"""The learning-rate finder's rule on a quadratic, derived (claim S10).

GD multiplies the error along an eigen-direction by q = 1 − ηλ (:mod:`lrtheory.symbolic.linear`),
so the divergence point of L = ½eᵀHe is 2/λ_max and "one order of magnitude below" it, read
as ÷10, is 0.2/λ_max. :func:`lr_finder_derivation` sets that rate against the best fixed rate
2/(λ_min + λ_max), computes its contraction and the asymptotic cost in steps, its margin
against a curvature rise, the steepest one-step slope of a range test, and the facts about
the restart search the model relies on: L_T − L₀ is convex in η, the top term alone bounds
the threshold, and a log-uniform problem scale overshoots by E[2^V] = 1/ln 2.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.integrals.manualintegrate import manualintegrate

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.symbolic.linear import direction_factor, equal_modulus_point, stable_interval
from lrtheory.symbolic.quadratic_slope import eigen_quadratic, log_slope

#: "One order of magnitude below the divergence point", read as ÷10 (the source gives no number).
DIVISOR = 10


@functools.cache
def lr_finder_derivation() -> Derivation:
    """Steps and identities of claim S10 (cached: the inequality solver is slow)."""
    eta, lam, lmin, lmax, kappa, f = sp.symbols(
        "eta lambda lambda_min lambda_max kappa f", positive=True)
    u, x, lam2 = (sp.Symbol("u", nonnegative=True), sp.Symbol("x", positive=True),
                  sp.Symbol("lambda'", positive=True))
    q = direction_factor(eta, lam)
    stable = stable_interval(q, eta)
    divergence = stable.end.subs(lam, lmax)
    rule = divergence / sp.Integer(DIVISOR)
    star = equal_modulus_point(q, eta, lam, lmin, lmax)
    ratio = sp.simplify((rule / star).subs(lmax, kappa * lmin))
    rho = sp.Max(*(sp.Abs(q.subs({eta: rule, lam: v})) for v in (lmax, lmin)))
    rho_kappa = rho.subs(lmax, kappa * lmin)
    rho_u = sp.simplify(rho_kappa.subs(kappa, 1 + u))  # κ = 1 + u ≥ 1
    rho_star = sp.simplify(q.subs({eta: star, lam: lmin}).subs(lmax, kappa * lmin))
    speed = sp.limit(sp.log(rho_star.subs(kappa, 1 / x)) / sp.log(rho_u.subs(u, 1 / x - 1)),
                     x, 0)
    speed_f = sp.limit(sp.log(rho_star.subs(kappa, 1 / x)) / sp.log(1 - 2 * f * x), x, 0)
    margin = stable_interval(q.subs({eta: rule, lam: lam2}), lam2)
    top = eigen_quadratic(1, eta)
    slope = log_slope(top.after_step, eta)
    (steepest,) = sp.solve(sp.diff(slope, eta), eta)
    steepest = steepest.subs(top.lam[0], lmax)
    T = sp.Symbol("T", integer=True, positive=True)
    c, y, big_r, v = (sp.Symbol("c", real=True), sp.Symbol("y", positive=True),
                      sp.Symbol("R", positive=True), sp.Symbol("V"))
    term = lam * c**2 * ((1 - eta * lam) ** (2 * T) - 1) / 2
    convex = sp.factor(sp.diff(term, eta, 2))
    # y = ηλ_max − 1 > 0 and R = 2L₀/(λ_maxc₁²): the positive root of y^{2T} = R
    (root,) = sp.solve(sp.expand_log(sp.log(y ** (2 * T) / big_r), force=True), y)
    bound = sp.solve(sp.Eq(eta * lmax - 1, root), eta)[0]
    antiderivative = manualintegrate(2**v, v)
    offset = antiderivative.subs(v, 1) - antiderivative.subs(v, 0)
    steps = (
        Step.equation("per-direction factor", "q", q),
        Step("stable set, λ = λ_max binding (S1)", stable.subs(lam, lmax)),
        Step.equation("the rule: divergence point / 10", "eta_rule", rule),
        Step.equation("best fixed rate (S1)", "eta^*", star),
        Step.equation("η_rule/η* with λ_max = κλ_min", "ratio", ratio),
        Step.equation("rule's contraction max|1 − η_ruleλ| over [λ_min, λ_max]", "rho_rule",
                      rho_kappa),
        Step.equation("κ = 1 + u ≥ 1", "rho_rule", rho_u),
        Step.equation("contraction at η* (S1)", "rho^*", rho_star),
        Step.equation("steps ratio N_rule/N* = ln ρ*/ln ρ_rule as κ → ∞ (x = 1/κ → 0)",
                      "steps_ratio", speed),
        Step.equation("same at η = 2f/λ_max", "steps_ratio", speed_f),
        Step("curvatures λ' at which η_rule is still stable", margin),
        Step.equation("top direction: one-step log-slope (S5)", "s", slope),
        Step.equation("steepest one-step slope, ds/dη = 0", "eta_steep", steepest),
        Step.equation("restart run: L_T − L₀ per direction", "Delta_L_i", term),
        Step.equation("its second derivative in η (even power: ≥ 0, so flags are nested)",
                      "curvature_in_eta", convex),
        Step.equation("top term alone reaches 2L₀ (y = ηλ_max − 1)", "eta_bound", bound),
        Step.equation("grid overshoot for a log-uniform scale: E[2^V], V ~ U(0, 1)",
                      "overshoot", offset),
    )
    identities = (
        Identity("divergence point of GD on a quadratic", divergence, 2 / lmax, "derived"),
        Identity("one order of magnitude below it", rule, 1 / (5 * lmax), "modelled",
                 note="'approximately one order of magnitude' read as ÷10"),
        Identity("rule / best fixed rate", ratio, (kappa + 1) / (10 * kappa), "derived"),
        Identity("rule's contraction (κ ≥ 1)", rho_u, 1 - sp.Rational(1, 5) / (1 + u),
                 "derived"),
        Identity("steps at the rule / steps at η* → 10 as κ → ∞", speed, sp.Integer(10),
                 "derived"),
        Identity("at η = 2f/λ_max the steps ratio → 1/f", speed_f, 1 / f, "derived"),
        Identity("the rule survives a curvature rise up to 10×", margin,
                 sp.Interval.open(0, 10 * lmax), "derived"),
        Identity("steepest one-step slope at a quarter of the limit", steepest,
                 1 / (2 * lmax), "derived", note="the rule sits at 2/5 of it"),
        Identity("restart runs: L_T − L₀ convex in η", convex,
                 T * (2 * T - 1) * lam**3 * c**2 * (eta * lam - 1) ** (2 * T - 2), "derived"),
        Identity("restart threshold bound", bound, (1 + big_r ** (1 / (2 * T))) / lmax,
                 "derived"),
        Identity("mean grid overshoot over a log-uniform scale", offset, 1 / sp.log(2),
                 "derived"),
        Identity("the rule is the optimal fixed rate ('identifying an optimal range')", rule,
                 star, "derived", expect_equal=False,
                 note="it is (κ+1)/(10κ) of it: 5 to 10 times smaller"),
    )
    return Derivation(steps, identities)
