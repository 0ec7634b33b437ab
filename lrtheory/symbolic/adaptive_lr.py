"""The effective per-parameter rates of AdaGrad, RMSProp and Adam, derived with SymPy (claim M6).

Every state update of :mod:`lrtheory.adaptive` is affine in g (Adam's m) or g² (the second
moments), so expectations pass through it: unrolled from zero (:func:`unroll_affine`) each
gives E s_t, E v_t, E m_t in closed form, and the bias corrections make m̂, v̂ exactly
unbiased. AdaGrad's rate under a constant gradient is η/(|g|√t); Adam's first step is
η·sign(g), with E sign(g) = erf(μ/(√2 s)). The expected step E[m̂/√v̂] is not the ratio of
expectations μ/√(μ² + s²): its leading error is a second-order (delta-method) expansion in
(δm̂, δv̂), whose steady state changes sign at a derived β₂*.

:data:`RULES` are the rules' state updates as functions of (state, g); :func:`derivation`
assembles M6's steps and identities (and the forms ``second``, ``sign_root``, ``rel_ss``);
:func:`second_order` is the delta-method E[m̂/√v̂] as a float function.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy as sp
from sympy.stats import Normal, cdf

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.models import adaptive_rates as ar
from lrtheory.optimizers import AdamState, adagrad, adam, rmsprop
from lrtheory.symbolic.series import geometric_series, unroll_affine

ETA, EPSILON, RHO, B1, B2, S, Q = sp.symbols("eta epsilon rho beta_1 beta_2 s q", positive=True)
G, MU, THETA, M_, V_ = sp.symbols("g mu theta m v", real=True)
t = sp.Symbol("t", integer=True, positive=True)
SAA, SAW, SWW = sp.symbols("Sigma_aa Sigma_aw Sigma_ww", positive=True)

Rule = Callable[[sp.Expr, sp.Expr], sp.Expr]
#: Each rule's second-moment (or first-moment) state update as a function of (state, g).
RULES: dict[str, Rule] = {
    "adagrad": lambda x, g: adagrad(THETA, x, g, ETA, EPSILON)[1],
    "rmsprop": lambda x, g: rmsprop(THETA, x, g, ETA, RHO, EPSILON)[1],
    "adam_m": lambda x, g: adam(THETA, AdamState(x, V_, t), g, ETA, B1, B2, EPSILON)[1].m,
    "adam_v": lambda x, g: adam(THETA, AdamState(M_, x, t), g, ETA, B1, B2, EPSILON)[1].v,
}


@cache
def derivation() -> tuple[Derivation, dict[str, sp.Expr]]:
    """M6's steps and identities, with the forms ``second`` (the delta-method E[m̂/√v̂]),
    ``rel_ss`` (its steady-state relative error) and ``sign_root`` (β₂* where it vanishes)."""
    moment = ar.gaussian_moments(MU, S, 4)  # E gⁿ = dⁿM/duⁿ at u = 0
    eg2, var_g2 = moment[2], sp.factor(moment[4] - moment[2] ** 2)
    cov_g_g2 = sp.factor(moment[3] - moment[1] * moment[2])
    root_q = sp.sqrt(Q)  # a gradient whose square is q: the updates are affine in g²
    # AdaGrad: s ← s + g², θ ← θ − ηg/(√s + ε).
    s_t = unroll_affine(lambda x: RULES["adagrad"](x, G), t)
    rate = sp.cancel(-(adagrad(THETA, s_t.subs(t, t - 1), G, ETA, EPSILON)[0] - THETA) / G)
    rate_seed = sp.cancel(-(adagrad(THETA, s_t.subs(t, t - 1), G, ETA, EPSILON,
                                    eps_inside=True)[0] - THETA) / G)
    rate0 = rate.subs(EPSILON, 0)
    slope = sp.cancel(t * sp.diff(sp.expand_log(sp.log(rate0), force=True), t))
    affine = sp.Tuple(*(sp.diff(RULES[k](V_, root_q), Q, 2) for k in ("adagrad", "rmsprop",
                                                                       "adam_v")))
    # Expected states: the second-moment updates with g² → q = E g², Adam's m with g → μ.
    updates: list[Callable[[sp.Expr], sp.Expr]] = [
        lambda x: RULES["adagrad"](x, root_q), lambda x: RULES["rmsprop"](x, root_q),
        lambda x: RULES["adam_m"](x, MU), lambda x: RULES["adam_v"](x, root_q)]
    unrolled = [unroll_affine(update, t) for update in updates]
    recursions = sp.Tuple(*(sp.expand(x.subs(t, t + 1) - update(x))
                            for x, update in zip(unrolled, updates, strict=True)))
    starts = sp.Tuple(*(x.subs(t, 0) for x in unrolled))
    es_t, ev_t, em_t, ev2_t = (x.subs(Q, eg2) for x in unrolled)
    # RMSProp: v ← ρv + (1 − ρ)g².
    rms = RULES["rmsprop"](V_, G)
    ev_ss = sp.factor(sp.expand_power_exp(sp.expand(ev_t)).subs(RHO**t, 0))  # 0 < ρ < 1
    # The rate in terms of the average v = E[g²]_t it divides by: one step of the rule from
    # a previous average v₋, with v₋ eliminated through its own update ρv₋ + (1 − ρ)g² = v.
    v_prev = sp.Symbol("v_prev", positive=True)
    th_rms, v_new = rmsprop(THETA, v_prev, G, ETA, RHO, EPSILON, eps_inside=True)
    v_back = (V_ - v_new.subs(v_prev, 0)) / sp.diff(v_new, v_prev)  # v_new is affine in v₋
    rms_rate = sp.expand(sp.cancel(-(th_rms - THETA) / G).subs(v_prev, v_back))
    # Adam: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², bias-corrected by 1 − βᵗ.
    m_hat, v_hat = sp.cancel(em_t / (1 - B1**t)), sp.factor(sp.cancel(ev2_t / (1 - B2**t)))
    new = adam(THETA, AdamState(M_, V_, t - 1), G, ETA, B1, B2, EPSILON)[1]
    seed_step = -ETA * (new.m / (1 - B1**t)) / (sp.sqrt(new.v / (1 - B2**t)) + EPSILON)
    rule_step = adam(THETA, AdamState(M_, V_, t - 1), G, ETA, B1, B2, EPSILON)[0] - THETA
    first = adam(sp.Integer(0), AdamState.zeros(sp.Integer(0)), G, ETA, B1, B2, EPSILON)[0]
    first0 = sp.cancel(-first / ETA).subs(EPSILON, 0)
    ratio = m_hat / sp.sqrt(v_hat)
    sign_mean = sp.expand((1 - 2 * cdf(Normal("g", MU, S))(0)).rewrite(sp.erf))
    small_signal = sp.limit(sign_mean / ratio, MU, 0)  # exact/ratio as μ/s → 0
    # Second order (delta method) in (δm, δv) about (μ, E g²): Var m̂ = Var(g)Σa_j²,
    # Cov(m̂, v̂) = Cov(g, g²)Σa_jw_j, Var v̂ = Var(g²)Σw_j².
    second = ar.delta_method_ratio(MU, eg2, (moment[2] - moment[1]**2) * SAA, cov_g_g2 * SAW,
                                   var_g2 * SWW)
    rel_error = sp.factor(sp.expand(1 - second / ratio))  # (ratio − E₂)/ratio
    steady = {SAW: (1 - B1) * (1 - B2) * geometric_series(B1 * B2),
              SWW: sp.factor((1 - B2) ** 2 * geometric_series(B2**2))}
    rel_ss = sp.factor(rel_error.subs(steady))
    (sign_root,) = [r for r in sp.roots(sp.Poly(sp.numer(sp.together(rel_ss)), B2)) if r != 1]
    sym = sp.Symbol
    steps = (
        Step("E g², Var g², Cov(g, g²) of N(μ, s²), from its MGF",
             sp.Tuple(eg2, var_g2, cov_g_g2)),
        Step.equation("AdaGrad: s_{t+1} = s_t + g² from s_0 = 0 (unrolled)", "s_t", s_t),
        Step.equation("AdaGrad's rate −Δθ_t/g", "eta_t", rate),
        Step.equation("ε → 0", "eta_t", rate0),
        Step.equation("log-log slope d ln η_t / d ln t", "p", slope),
        Step.equation("noisy g: E s_t (the update is affine in g²)", "E s_t", es_t),
        Step.equation("RMSProp: E v_t (unrolled, g² → E g²)", "E v_t", ev_t),
        Step.equation("RMSProp: ρᵗ → 0", "E v_∞", ev_ss),
        Step.equation("Adam: E m_t (unrolled, g → μ)", "E m_t", em_t),
        Step.equation("Adam: E v_t (unrolled, g² → E g²)", "E v_t", ev2_t),
        Step.equation("bias-corrected E m̂_t, E v̂_t", "(E m̂, E v̂)", sp.Tuple(m_hat, v_hat)),
        Step.equation("ratio of expectations E m̂/√(E v̂)", "r", ratio),
        Step.equation("first step (t = 1, ε → 0)", "−Δθ₁/η", first0),
        Step.equation("exact E sign(g) = P(g>0) − P(g<0)", "E sign g", sign_mean),
        Step.equation("μ/s → 0: exact first step over the ratio", "lim", small_signal),
        Step.equation("second order in (δm̂, δv̂)", "E[m̂/√v̂]", second),
        Step.equation("leading relative error of r", "(r − E)/r", rel_error),
        Step.equation("steady state: Σa_jw_j, Σw_j²", "(Σaw, Σw²)",
                      sp.Tuple(steady[SAW], steady[SWW])),
        Step.equation("steady leading error = 0 (besides β₂ = 1)", "beta_2*", sign_root),
    )
    tau = sym("tau", integer=True, positive=True)
    identities = (
        Identity("the unrolled sums solve their rules' recursions, x_{t+1} − update(x_t) = 0, "
                 "from x_0 = 0 (AdaGrad s, RMSProp v, Adam m, Adam v)", recursions + starts,
                 sp.Tuple(*[0] * 8), "derived"),
        Identity("AdaGrad's rate with the seed's ε inside the root", rate_seed,
                 ETA / sp.sqrt(sp.Sum(G**2, (tau, 1, t)).doit() + EPSILON)),
        Identity("AdaGrad, constant g: η_t = η/(|g|√t) exactly (ε → 0)", rate0,
                 ETA / (sp.Abs(G) * sp.sqrt(t)), "derived"),
        Identity("AdaGrad's rate decays like t^(−1/2)", slope, sp.Rational(-1, 2), "derived"),
        Identity("every second-moment update is affine in g² (so E passes through it)",
                 affine, sp.Tuple(0, 0, 0), "derived"),
        Identity("AdaGrad: E Σg² = t(μ² + s²)", es_t, t * (MU**2 + S**2), "derived"),
        Identity("RMSProp's update is the seed's recursion", rms,
                 RHO * V_ + (1 - RHO) * G**2),
        Identity("RMSProp: E v_t = (1 − ρᵗ) E g²", ev_t, (1 - RHO**t) * (MU**2 + S**2),
                 "derived"),
        Identity("RMSProp: steady state E v = E g²", ev_ss, MU**2 + S**2, "derived"),
        Identity("RMSProp's rate is the seed's α/√(v + ε), v = E[g²]_t its running average",
                 rms_rate, ETA / sp.sqrt(V_ + EPSILON)),
        Identity("Adam's rule is the seed's bias-corrected update", rule_step, seed_step),
        Identity("Adam: E m_t = (1 − β₁ᵗ)μ", em_t, (1 - B1**t) * MU, "derived"),
        Identity("Adam: E m̂_t = μ at every t (unbiased)", m_hat, MU, "derived"),
        Identity("Adam: E v̂_t = μ² + s² at every t (unbiased)", v_hat, MU**2 + S**2, "derived"),
        Identity("ratio of expectations: αμ/√(μ² + s²)", ratio, MU / sp.sqrt(MU**2 + S**2),
                 "derived"),
        Identity("Adam's first step is η·sign(g) (ε → 0)", first0, G / sp.Abs(G), "derived"),
        Identity("exact first step: E sign(g) = erf(μ/(√2 s))", sign_mean,
                 sp.erf(MU / (sp.sqrt(2) * S)), "derived"),
        Identity("small μ/s: (exact first step / ratio)² → 2/π", small_signal**2,
                 2 / sp.pi, "derived"),
        Identity("steady-state leading error of r (delta method)", rel_ss,
                 (1 - B2) * S**2 * ((1 - B1) / ((1 - B1 * B2) * (MU**2 + S**2))
                                    - 3 * (S**2 + 2 * MU**2) / (4 * (1 + B2) * (MU**2 + S**2)**2)),
                 "derived"),
    )
    forms = {"second": second, "sign_root": sign_root, "rel_ss": rel_ss}
    return Derivation(steps, identities), forms


@cache
def second_order() -> Callable[..., float]:
    """The delta-method E[m̂/√v̂] as a function of (μ, s, Σa_jw_j, Σw_j²)."""
    return sp.lambdify((MU, S, SAW, SWW), derivation()[1]["second"],  # type: ignore[no-any-return]
                       modules="math")
