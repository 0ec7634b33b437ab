"""AdaGrad on a sparse gradient stream: claim M10's closed forms, derived from the rule.

A feature is active with probability p: g_τ = b_τ·x_τ, b_τ ~ Bernoulli(p). AdaGrad's
accumulator update s ← s + g² (:func:`lrtheory.optimizers.adagrad`) is affine in g², so
E s_t = t·E g² = p t E[x²] exactly (unrolled by :func:`lrtheory.symbolic.series.unroll_affine`).
With |x| = c the k-th activation meets the accumulator c²(k − 1) and the rule scales it by
r_k = α/(c√k + ε); its step c·r_k → α/√k does not depend on c.

The catalog's effective rate α/√(p t E g²) is r_k at k = E N_t = pt: a *modelling step* (the
count replaced by its mean), shown as a step, not checked as an identity. What is derived is
its error: with N_{t−1} ~ Binomial(t − 1, p), a second-order expansion of E r_{1+N} in
N − E N gives E r / r(t) = 1 − (1 − p)/(8pt) + O(t⁻²).

Path lengths: Σ_{j≤k} j^{−½} lies between its integral bounds, both ~2√k, so AdaGrad's path
after k activations is ~2α√k, and SGD on the global clock η_τ = η₀/√τ (η₀c = α) has the mean
path η₀cp Σ_{τ≤t} τ^{−½} ~ 2αp√t. Setting each *mean path* equal to a distance D gives the
steps at which the two mean paths reach D: D²/(4α²p) and D²/(4α²p²), ratio 1/p. AdaGrad's
exact mean first-passage time, K*/p (the K*-th success of a Bernoulli(p) stream, 2α√K* = D),
has the same leading order.
"""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy.stats import Bernoulli, E, variance

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.optimizers import adagrad
from lrtheory.symbolic.adam_l2 import affine_root
from lrtheory.symbolic.series import unroll_affine

ALPHA, C, EPSILON, P, Q, D = sp.symbols("alpha c epsilon p q D", positive=True)
PR, PF, CR, CF = sp.symbols("p_r p_f c_r c_f", positive=True)
THETA, X = sp.symbols("theta x", real=True)
t, k = sp.symbols("t k", integer=True, positive=True)


def _rate(eps_inside: bool = False) -> sp.Expr:
    """The rule's rate for the k-th activation of a feature with |g| = c: the accumulator
    holds c²(k − 1) before it."""
    new = adagrad(THETA, C**2 * (k - 1), C, ALPHA, EPSILON, eps_inside=eps_inside)[0]
    return sp.factor(sp.expand((THETA - new) / C))


def _rate_steps() -> tuple[tuple[Step, ...], tuple[Identity, ...], sp.Expr]:
    """E s_t, the rule's rate per activation, and the frequency comparison."""
    b = Bernoulli("b", P)
    eg2 = E((b * X) ** 2).subs(X**2, Q)  # E g² = p E[x²], x independent of b
    rms = sp.sqrt(Q * P)  # a gradient whose square is E g² (the update is affine in g²)
    es_t = unroll_affine(lambda s: adagrad(THETA, s, rms, ALPHA, EPSILON)[1], t)
    rate = _rate()
    rate0 = rate.subs(EPSILON, 0)
    seed_form = _rate(eps_inside=True)
    step0 = sp.cancel(C * rate0)
    stated = rate0.subs(k, P * t)  # k → E N_t = pt (the modelling step)
    slope = sp.diff(stated, P)
    ratio = sp.powsimp(stated.subs({P: PR, C: CR}) / stated.subs({P: PF, C: CF}), force=True)
    crossing = affine_root(ratio**2, PR, 1)  # ratio = 1 there (ratio² is 1/p_r times a constant)
    falls = sp.sign(sp.diff(ratio, PR))  # and on which side it exceeds 1:
    rare_larger = (sp.Interval.open(0, crossing) if falls == -1
                   else sp.Interval.open(crossing, sp.oo))
    # N_{t−1} = Σ of t − 1 independent Bernoulli(p): mean and variance by linearity.
    mean_n, var_n = (t - 1) * E(b), sp.factor((t - 1) * variance(b))
    m = 1 + mean_n  # the rate at step t is α/(c√(1 + N_{t−1})) (ε → 0)
    delta = rate0.subs(k, m) + sp.diff(rate0, k, 2).subs(k, m) * var_n / 2
    x = sp.Symbol("x", positive=True)  # x = 1/t
    rel = sp.cancel(sp.together((delta / stated).subs(t, 1 / x)))  # analytic at x = 0
    rel0, lead = rel.subs(x, 0), sp.factor(sp.diff(rel, x).subs(x, 0))
    glob = rate0.subs(k, t)  # p = 1: one accumulator per step, SGD's η₀/√t with η₀ = α/c
    gain = sp.powsimp(stated / glob, force=True)
    steps = (
        Step.equation("stream g = b·x, b ~ Bernoulli(p): E g²", "E g^2", eg2),
        Step.equation("AdaGrad's accumulator s ← s + g², unrolled in expectation",
                      "E s_t", es_t),
        Step.equation("rate of the k-th activation, |g| = c (the rule)", "r_k", rate),
        Step.equation("ε → 0", "r_k", rate0),
        Step.equation("step of the k-th activation, c·r_k (ε → 0)", "c r_k", step0),
        Step.equation("the catalog's α/√(p t E g²): r_k at k → E N_t = pt (a modelling step; "
                      "its error is derived below)", "r(t)", stated),
        Step.equation("∂r/∂p", "dr/dp", slope),
        Step.equation("rare over frequent rate", "ratio", ratio),
        Step.equation("ratio = 1 at", "p_r", crossing),
        Step.equation("sign of ∂(ratio)/∂p_r", "sign", falls),
        Step("so the rare feature's rate is the larger iff p_r lies in", rare_larger),
        Step.equation("E N_{t−1}, Var N_{t−1} (sum of Bernoulli)", "(E N, Var N)",
                      sp.Tuple(mean_n, var_n)),
        Step.equation("E r at step t to second order in N − E N", "E r", delta),
        Step.equation("E r / r(t) as a function of x = 1/t (analytic at 0): value and slope "
                      "at x = 0", "(ratio, d ratio/dx)", sp.Tuple(rel0, lead)),
        Step.equation("global clock (p = 1): SGD's η₀/√t with η₀ = α/c", "r_glob", glob),
        Step.equation("AdaGrad's rate over the global clock's", "gain", gain),
    )
    identities = (
        Identity("E g² = p·E[x²|active]", eg2, P * Q, "derived"),
        Identity("E Σ_{τ≤t} g² = p t E[g²|active] (exact in expectation)", es_t, P * t * Q,
                 "derived"),
        Identity("the seed's rule α/√(Σg² + ε) on the stream: Σg² = c²k after k activations",
                 seed_form, ALPHA / sp.sqrt(C**2 * k + EPSILON),
                 note="ε inside the root, as the seed prints it"),
        Identity("rate of the k-th activation: α/(c√k + ε)", rate,
                 ALPHA / (C * sp.sqrt(k) + EPSILON), "derived"),
        Identity("the source's 'reducing learning rates for frequently updated parameters' "
                 "(formalised): ∂r/∂p < 0", sp.sign(slope), sp.Integer(-1), "derived",
                 note="the quoted words as a formula; true at a fixed gradient magnitude"),
        Identity("… but frequency alone does not decide: the rare rate is larger iff "
                 "p_r c_r² < p_f c_f²", rare_larger,
                 sp.Interval.open(0, PF * CF**2 / CR**2), "derived"),
        Identity("the source's 'larger steps for infrequently updated ones': the k-th step "
                 "is α/√k whatever c (ε → 0)", step0, ALPHA / sp.sqrt(k), "derived"),
        Identity("E r / r(t) = 1 − (1 − p)/(8pt) + O(t⁻²): α/√(ptq) overstates the mean rate",
                 sp.Tuple(rel0, lead), sp.Tuple(1, -(1 - P) / (8 * P)), "derived"),
        Identity("AdaGrad's rate over the global clock's → 1/√p", gain, 1 / sp.sqrt(P),
                 "derived"),
    )
    return steps, identities, E(b)


def _path_steps(mean_b: sp.Expr) -> tuple[tuple[Step, ...], tuple[Identity, ...]]:
    """Path lengths to leading order and the steps at which the mean paths reach D."""
    z = sp.Symbol("z", positive=True)
    lower = sp.integrate(z ** sp.Rational(-1, 2), (z, 1, k + 1))
    upper = 1 + sp.integrate(z ** sp.Rational(-1, 2), (z, 1, k))
    limits = sp.Tuple(*(sp.limit(b_ / sp.sqrt(k), k, sp.oo) for b_ in (lower, upper)))
    lead = limits[0]  # Σ_{j≤k} j^(−½) ~ lead·√k (both bounds agree)
    root = sp.Symbol("r", positive=True)  # √k, √t
    path_ada = ALPHA * lead * sp.sqrt(k)  # c·Σ_{j≤k} α/(c√j), ε → 0
    mean_ada = path_ada.subs(k, P * t)  # k → E N_t = pt, as for the rate
    mean_sgd = ALPHA * mean_b * lead * sp.sqrt(t)  # η₀c Σ_τ E[b_τ]τ^(−½), η₀c = α

    def reaching(path: sp.Expr, n: sp.Symbol) -> sp.Expr:  # the n where path = D
        return affine_root(path.subs(n, root**2), root, D) ** 2

    k_star, t_ada, t_sgd = reaching(path_ada, k), reaching(mean_ada, t), reaching(mean_sgd, t)
    steps = (
        Step.equation("Σ_{j≤k} j^(−½) ≥ ∫₁^{k+1} z^(−½) dz", "lower", lower),
        Step.equation("Σ_{j≤k} j^(−½) ≤ 1 + ∫₁^k z^(−½) dz", "upper", upper),
        Step.equation("AdaGrad's path after k activations, leading order (ε → 0)", "P(k)",
                      path_ada),
        Step.equation("activations to move D", "K*", k_star),
        Step.equation("AdaGrad: exact mean first-passage time K*/p (K*-th success)",
                      "E T_AdaGrad", k_star / P),
        Step.equation("AdaGrad's mean path, k → pt", "E P(N_t)", mean_ada),
        Step.equation("SGD η₀/√τ: mean path η₀c Σ E[b]τ^(−½), η₀c = α", "E S_t", mean_sgd),
        Step.equation("steps at which the mean paths reach D: AdaGrad, SGD", "(t_A, t_S)",
                      sp.Tuple(t_ada, t_sgd)),
    )
    identities = (
        Identity("path bounds / √k → 2 (both)", limits, sp.Tuple(2, 2), "derived"),
        Identity("steps for the mean path to reach D: SGD (global clock) / AdaGrad → 1/p",
                 sp.cancel(t_sgd / t_ada), 1 / P, "derived"),
    )
    return steps, identities


@cache
def m10_derivation() -> Derivation:
    """Claim M10's derivation: the rate per activation and its mean, the frequency
    comparison, and the path lengths against SGD on the global clock (module docstring)."""
    rate_steps, rate_ids, mean_b = _rate_steps()
    path_steps, path_ids = _path_steps(mean_b)
    return Derivation(rate_steps + path_steps, rate_ids + path_ids)
