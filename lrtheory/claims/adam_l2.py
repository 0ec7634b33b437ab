"""Family M, claim M11: L2 through Adam's gradient is not decoupled decay (AdamW).

Derivation: the stationary step of each rule (first moment at its fixed point, second
moment at V, bias corrections gone; :func:`lrtheory.symbolic.adam_l2.stationary_step`)
gives the fixed points: Adam + L2 lands on the L2 solution whatever V, AdamW on an L2
solution of strength λ√V. A reflection symmetry of the Adam + L2 update makes its noisy
mean exactly the L2 solution; AdamW's mean on a noisy linear loss is the exact Laplace
quadrature of :mod:`lrtheory.models.adam_l2`. The rules' defaults are read from their
signatures and compared with the seed's and the libraries' (PyTorch, Keras).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.adaptive import AdamState, adam, adamw, adamw_lr_scaled
from lrtheory.claim import (
    Claim,
    Derivation,
    Estimate,
    Identity,
    ModelCheck,
    Point,
    Source,
    Step,
    ValidityDomain,
)
from lrtheory.errors import ParameterError, check_int
from lrtheory.models import adam_l2 as al
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_003
from lrtheory.symbolic.adam_l2 import (
    affine_root,
    reflection_defect,
    stationary_step,
    step_from_moments,
)

ETA, LAM, WD, B1, B2, EPSILON, V, H, C, K = sp.symbols(
    "eta lambda lambda_wd beta_1 beta_2 epsilon V h c k", positive=True)
A, W, U, M, XI, ALPHA = sp.symbols("a w u m xi alpha", real=True)
SIGMA, VV, N = sp.Symbol("sigma", positive=True), sp.Symbol("v", nonnegative=True), sp.Symbol(
    "n", integer=True, nonnegative=True)
EPS_HAT, D_MEAN = sp.symbols("epsilon_hat d", positive=True)
t = sp.Symbol("t", integer=True, positive=True)

#: Library defaults (documentation): torch.optim.Adam / AdamW (lr, betas, eps, weight_decay)
#: and tf.keras.optimizers.Adam (learning_rate, beta_1, beta_2, epsilon — "epsilon hat").
PYTORCH_ADAM = {"lr": "1e-3", "beta1": "0.9", "beta2": "0.999", "eps": "1e-8"}
PYTORCH_ADAMW_WEIGHT_DECAY = "1e-2"
KERAS_ADAM = {"lr": "1e-3", "beta1": "0.9", "beta2": "0.999", "eps_hat": "1e-7"}

# --------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------


def _rule_defaults() -> dict[str, sp.Tuple]:
    """(β₁, β₂, ε) defaults of each Adam-type rule, read from its signature, as rationals."""
    out = {}
    for rule in (adam, adamw, adamw_lr_scaled):
        params = inspect.signature(rule).parameters
        out[rule.__name__] = sp.Tuple(*(sp.Rational(repr(params[p].default))
                                        for p in ("beta1", "beta2", "eps")))
    return out


def _adam(theta: sp.Expr, state: AdamState, grad: sp.Expr) -> tuple[sp.Expr, AdamState]:
    return adam(theta, state, grad, ETA, B1, B2, EPSILON)


def _adamw_lr(theta: sp.Expr, state: AdamState, grad: sp.Expr) -> tuple[sp.Expr, AdamState]:
    return adamw_lr_scaled(theta, state, grad, ETA, LAM, B1, B2, EPSILON)


@cache
def _m11() -> tuple[Derivation, dict[str, sp.Expr]]:
    grad = A + H * W  # ∇f of f = aw + ½hw² (h = 0: a linear loss; a = −hc: ½h(w − c)²)
    w_l2 = affine_root(sp.diff(A * W + H * W**2 / 2 + LAM * W**2 / 2, W), W)  # ∇ = 0
    betas = (B1, B2)
    step_l2 = stationary_step(_adam, W, grad + LAM * W, V, betas)
    step_w = stationary_step(_adamw_lr, W, grad, V, betas)
    step_d = stationary_step(lambda th, st, g: adamw(th, st, g, ETA, WD, B1, B2, EPSILON), W,
                             grad, V, betas)
    root_l2, root_w, root_d = (affine_root(s, W) for s in (step_l2, step_w, step_d))

    def strength(root: sp.Expr) -> sp.Expr:  # the L2 strength α whose solution is ``root``
        return sp.factor(affine_root(w_l2.subs(LAM, ALPHA), ALPHA, root))

    alpha_w, alpha_d = strength(root_w), strength(root_d)
    over = sp.cancel(LAM / alpha_w)  # Adam + L2's strength over AdamW's, same λ
    rms = sp.Symbol("r", positive=True)  # √V
    v_cross = affine_root(over.subs(V, rms**2), rms, 1) ** 2
    falls = sp.sign(sp.diff(over, V))
    region = sp.Interval.Ropen(0, v_cross) if falls == -1 else sp.Interval(v_cross, sp.oo)
    # Reflection about w_L2: (u, m, ξ) ↦ −(u, m, ξ), v unchanged. The moments' updates
    # (gradient expanded, so that it is odd term by term) and then the step as a function
    # of the updated moments, u' = u + Φ(m', v').
    noisy = A + H * W + SIGMA * XI
    m_new, v_new = sp.Symbol("m'", real=True), sp.Symbol("v'", positive=True)

    def moments(rule: Any, penalty: sp.Expr) -> Any:
        def update(u: sp.Expr, m: sp.Expr, xi: sp.Expr, v: sp.Expr, n: sp.Expr) -> Any:
            g = sp.expand(sp.cancel((noisy + penalty).subs({W: w_l2 + u, XI: xi})))
            state = rule(w_l2 + u, AdamState(m, v, n), g)[1]
            return (state.m,), (state.v,)
        return update

    phi = step_from_moments(_adam, W, XI, m_new, v_new, N)  # no θ or g left in it
    odd_l2 = sp.Tuple(
        *reflection_defect(moments(_adam, LAM * W), (U, M, XI), (VV, N)),
        *reflection_defect(lambda mn, vn, n: ((phi.subs({m_new: mn, v_new: vn, N: n}),), ()),
                           (m_new,), (v_new, N)))
    odd_w = reflection_defect(moments(_adamw_lr, 0), (U, M, XI), (VV, N))
    # Linear loss, AdamW: E w' = (1 − ηλ)E w − η E d at stationarity, E d = d.
    w_lin = affine_root((1 - ETA * LAM) * W - ETA * D_MEAN, W, W)
    ratio_form = root_w.subs({H: 0, V: A**2 + SIGMA**2})  # E m̂ = a, E v̂ = a² + σ²
    # Scale: the loss times k multiplies a, h and √V by k.
    k_scaled = {A: K * A, H: K * H, V: K**2 * V}
    scale = sp.Tuple(sp.cancel((root_w - root_w.subs(k_scaled, simultaneous=True)).subs(
        EPSILON, 0)), sp.cancel((root_l2.subs(k_scaled, simultaneous=True) / root_l2).subs(
            H, 0)))
    # Deterministic gradients: v's fixed point is G² = |G|², G = h(w − c) < 0 for w < c.
    size = sp.Symbol("|G|", positive=True)
    det = stationary_step(_adamw_lr, W, grad, size**2, betas)
    det = sp.factor(det.subs({A: -H * C, size: H * (C - W)}))
    det_roots = list(sp.roots(sp.Poly(sp.numer(sp.together(det)), W)))
    above = sp.Symbol("delta", positive=True)  # c = (1 + δ)/λ > 1/λ
    det_limits = [sp.cancel(sp.factor(r.subs(EPSILON, 0).subs(C, (1 + above) / LAM)).subs(
        above, LAM * C - 1)) for r in det_roots]  # the roots are continuous at ε = 0
    box = next(r for r, lim in zip(det_roots, det_limits, strict=True) if lim == 1 / LAM)
    # Keras: θ ← θ − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m'/(√v' + ε̂), the rule's moments m', v'.
    e_eq, kept = sp.Symbol("E", positive=True), sp.Symbol("q", positive=True)  # q = 1 − β₂ᵗ
    rule_step = step_from_moments(lambda th, st, g: adam(th, st, g, ETA, B1, B2, e_eq), W, A,
                                  m_new, v_new, t - 1).subs(B2**t, 1 - kept)
    keras = -ETA * sp.sqrt(kept) / (1 - B1**t) * m_new / (sp.sqrt(v_new) + EPS_HAT)
    eps_keras = sp.factor(affine_root(rule_step, e_eq, keras)).subs(kept, 1 - B2**t)
    defaults = _rule_defaults()
    steps = (
        Step.equation("L2 solution of f + ½λw², ∇f = a + hw", "w_L2", w_l2),
        Step.equation("Adam on ∇f + λw (PyTorch Adam, weight_decay = λ): stationary step",
                      "Δw", step_l2),
        Step.equation("AdamW, decay ηλ (PyTorch AdamW): stationary step", "Δw", step_w),
        Step.equation("AdamW, decay λ_wd (seed 004, Loshchilov–Hutter): stationary step",
                      "Δw", step_d),
        Step.equation("roots: Adam + L2, AdamW (ηλ), AdamW (λ_wd)", "w*",
                      sp.Tuple(root_l2, root_w, root_d)),
        Step.equation("L2 strengths with these solutions", "α",
                      sp.Tuple(LAM, alpha_w, alpha_d)),
        Step.equation("Adam + L2's strength over AdamW's (same λ)", "ratio", over),
        Step.equation("ratio = 1 at", "V*", v_cross),
        Step.equation("sign of ∂ratio/∂V", "sign", falls),
        Step("so Adam + L2 regularises more than AdamW iff V = E g² lies in", region),
        Step.equation("Adam + L2: reflection defect of (m′, v′) about w_L2, then of the step "
                      "Φ(m′, v′) = u′ − u", "defect", odd_l2),
        Step.equation("the step in the moments it uses", "Φ", phi),
        Step.equation("AdamW: reflection defect of (m′, v′) about w_L2", "defect", odd_w),
        Step.equation("AdamW, linear loss: E w' = E w with E d = d", "E w", w_lin),
        Step.equation("… with the ratio of expectations E m̂ = a, E v̂ = a² + σ²", "E w",
                      ratio_form),
        Step.equation("loss × k (a, h, √V all × k): change of AdamW's w* (ε = 0); "
                      "Adam + L2's w* ratio (h = 0)", "Δ", scale),
        Step.equation("σ = 0 (v = G², |G| = h(c − w) for w < c), ½h(w − c)²: stationary step",
                      "Δw", det),
        Step.equation("its roots and their ε → 0 limits", "w*",
                      sp.Tuple(*det_roots, *det_limits)),
        Step.equation("the rules' (β₁, β₂, ε) defaults (signatures)", "defaults",
                      sp.Tuple(*defaults.values())),
        Step.equation("Keras' ε̂ (added to the uncorrected √v) as the rule's ε", "ε",
                      eps_keras),
        Step.equation("Keras: ε at t = 1 and t → ∞ (defaults)", "ε",
                      sp.Tuple(*(eps_keras.subs({EPS_HAT: sp.Rational(KERAS_ADAM["eps_hat"]),
                                                 B2: sp.Rational(KERAS_ADAM["beta2"]),
                                                 t: 1}).evalf(4),
                                 sp.Rational(KERAS_ADAM["eps_hat"])))),
    )
    seed_betas = sp.Tuple(sp.Rational("0.9"), sp.Rational("0.999"))
    torch = sp.Tuple(*(sp.Rational(PYTORCH_ADAM[p]) for p in ("beta1", "beta2", "eps")))
    identities = (
        Identity("Adam + L2: fixed point = L2 solution, for every second moment V",
                 sp.Tuple(root_l2, sp.diff(root_l2, V)), sp.Tuple(w_l2, 0), "derived"),
        Identity("AdamW (decay ηλ): fixed point = L2 solution of strength λ(√V + ε), i.e. "
                 "∇f + λw(√V + ε) = 0", alpha_w, LAM * (sp.sqrt(V) + EPSILON), "derived"),
        Identity("the source's 'better align with the original L2 penalty': AdamW's fixed "
                 "point vs the L2 solution of its λ", root_w, w_l2, "derived",
                 expect_equal=False, note="Adam + L2 is the one that lands on it"),
        Identity("AdamW (decay λ_wd): strength λ_wd(√V + ε)/η — M8's λ_wd/η times √V + ε",
                 sp.cancel(alpha_d / (WD / ETA)), sp.sqrt(V) + EPSILON, "derived"),
        Identity("the source's 'standard Adam over-regularizes': Adam + L2's strength "
                 "exceeds AdamW's iff E g² < (1 − ε)²", region,
                 sp.Interval.Ropen(0, (1 - EPSILON) ** 2), "derived"),
        Identity("Adam + L2 commutes with the reflection about w_L2 (⇒ E w_t = w_L2 from "
                 "w_L2 under symmetric noise)", odd_l2, sp.Tuple(0, 0, 0), "derived"),
        Identity("AdamW does not", odd_w, sp.Tuple(0, 0), "derived", expect_equal=False),
        Identity("loss × k: AdamW's w* is unchanged (ε → 0); Adam + L2's scales by k on "
                 "the linear loss", scale, sp.Tuple(0, K), "derived"),
        Identity("σ = 0: AdamW's fixed points → {1/λ, c} as ε → 0 (c > 1/λ), whatever h",
                 sp.FiniteSet(*det_limits), sp.FiniteSet(1 / LAM, C), "derived"),
        Identity("the rules' default (β₁, β₂) are the seed's 0.9 and 0.999",
                 sp.Tuple(*(d[:2] for d in defaults.values())), sp.Tuple(*[seed_betas] * 3)),
        Identity("the rules' (β₁, β₂, ε) defaults are PyTorch's Adam/AdamW (0.9, 0.999, 10⁻⁸)",
                 sp.Tuple(*defaults.values()), sp.Tuple(*[torch] * 3), "modelled"),
        Identity("the seed's 'default of 0.001 for the Adam optimizer' is PyTorch's and "
                 "Keras' learning-rate default (the rules themselves have no default η)",
                 sp.Tuple(sp.Rational(PYTORCH_ADAM["lr"]), sp.Rational(KERAS_ADAM["lr"])),
                 sp.Tuple(sp.Rational("0.001"), sp.Rational("0.001")),
                 note="library documentation against the seed's number"),
        Identity("Keras' ε̂ is the rule's ε = ε̂/√(1 − β₂ᵗ)", eps_keras,
                 EPS_HAT / sp.sqrt(1 - B2**t), "derived"),
        Identity("Keras' default ε̂ = 10⁻⁷ (→ the rule's ε as t → ∞) vs the rule's 10⁻⁸",
                 sp.Rational(KERAS_ADAM["eps_hat"]), defaults["adam"][2], "derived",
                 expect_equal=False),
    )
    return Derivation(steps, identities), {"box": box}


@cache
def _box() -> Any:
    return sp.lambdify((H, C, LAM, EPSILON), _m11()[1]["box"], "math")


# --------------------------------------------------------------------------------------
# Points and model
# --------------------------------------------------------------------------------------

KEYS = ("eta", "lam", "beta1", "beta2", "eps", "steps", "a_low", "sigma_low", "a_high",
        "sigma_high", "h", "c")


def _setting(p: Mapping[str, float]) -> tuple[al.AdamHyper, int]:
    missing = [key for key in KEYS if key not in p]
    if missing:
        raise ParameterError("params", dict(p), f"a mapping with keys {', '.join(KEYS)}")
    hp = al.AdamHyper(p["eta"], p["lam"], p["beta1"], p["beta2"], p["eps"])
    return hp, check_int("steps", int(p["steps"]), 1)


def _coordinates(p: Mapping[str, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    return (p["a_low"], p["sigma_low"]), (p["a_high"], p["sigma_high"])


def _deterministic_checks(p: Mapping[str, float], hp: al.AdamHyper) -> list[ModelCheck]:
    """AdamW with exact gradients on ½h(w − c)², run until its whole state is a float64 fixed
    point (:func:`lrtheory.models.adam_l2.run_to_fixed_point`), against the derived root."""
    h, lam = p["h"], hp.lam
    cs = np.array([p["c"], 2.0 * p["c"]])
    w = al.run_to_fixed_point(hp, h, cs)
    checks = []
    for c, wc in zip(cs, w, strict=True):
        checks += [
            ModelCheck(f"σ = 0, c = {c:g}: AdamW's fixed point (rule) vs the derived root",
                       _box()(h, c, lam, hp.eps), float(wc),
                       (4 * EPS * abs(wc) / hp.eta + 16 * EPS) / lam,
                       "the rule's state is a float64 fixed point; residual slope ≥ λ"),
            ModelCheck(f"σ = 0, c = {c:g}: AdamW's fixed point vs 1/λ (ε → 0)", 1 / lam,
                       float(wc), 0.0, "approximation (ε → 0)", exact=False),
        ]
    return checks


def _model_m11(point: Point) -> list[ModelCheck]:
    p = point.params
    hp, steps = _setting(p)
    if p["sigma_low"] == 0.0:
        return _deterministic_checks(p, hp)
    checks = []
    for name, (a, s) in zip(("low", "high"), _coordinates(p), strict=True):
        exact = al.adamw_linear_stationary(hp, a, s)
        rms = math.hypot(a, s)
        ratio = -a / (hp.lam * (rms + hp.eps))
        checks += [
            ModelCheck(f"AdamW, linear loss, {name} variance (RMS {rms:.3g}): ratio of "
                       "expectations (derived form) vs the numerical root of its residual",
                       ratio, al.adamw_ratio_of_expectations(hp, a, 0.0, s),
                       1e-15 + 8 * EPS * abs(ratio), "brentq's xtol and rtol"),
            ModelCheck(f"AdamW, {name}: stationary −a/(λ√(a² + σ²)) vs exact −E d_∞/λ",
                       ratio, exact.value, exact.error, "approximation (ratio of "
                       "expectations); the exact value's error bound is the tolerance shown",
                       exact=False),
            ModelCheck(f"AdamW, {name}: exact E w_T at the horizon T = {steps} vs stationary",
                       exact.value, al.adamw_linear_mean(hp, a, s, -a / hp.lam, steps).value,
                       0.0, "the transient left at T (from w₀ = w_L2)", exact=False),
        ]
        averaged = al.averaged_fixed_point(hp, -p["h"] * p["c"], p["h"], s)
        checks.append(ModelCheck(
            f"AdamW, quadratic h = {p['h']:g}, {name} variance: ratio of expectations vs the "
            "exact averaged fixed point (η → 0)",
            al.adamw_ratio_of_expectations(hp, -p["h"] * p["c"], p["h"], s), averaged.value,
            averaged.error, "approximation (ratio of expectations, spread of w neglected)",
            exact=False))
    a_low = p["a_low"]
    if a_low < 1.0:
        boundary = al.overregularisation_boundary(hp, a_low)
        checks.append(ModelCheck(
            f"over-regularisation boundary at a = {a_low:g}: gradient RMS where the two "
            "stationary means agree, 1 (ratio of expectations) vs exact",
            1.0, boundary.value, boundary.error, "approximation (ratio of expectations)",
            exact=False))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

M11_STATISTICS = (
    "Adam + L2, linear loss, low variance: mean w_T (= −a/λ)",
    "Adam + L2, linear loss, high variance: mean w_T (= −a/λ)",
    "AdamW, linear loss, low variance: mean w_T (exact quadrature sum)",
    "AdamW, linear loss, high variance: mean w_T (exact quadrature sum)",
    "Adam + L2, quadratic, low variance: mean w_T (= hc/(h + λ))",
    "Adam + L2, quadratic, high variance: mean w_T (= hc/(h + λ))",
)


def _simulate_m11(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Gradients ∇f + σξ, ξ ~ N(0, 1), on six coordinates started at their L2 solutions
    w_L2 with zero moments: Adam on ∇f + λw (PyTorch Adam) on a linear loss (slope a) and on
    ½h(w − c)², each at a low and a high σ; AdamW (decay ηλ) on the same two linear
    coordinates. Adam + L2's means are w_L2 exactly (reflection symmetry); AdamW's are the
    exact quadrature sums, their numerical error declared as the bias."""
    p = point.params
    hp, steps = _setting(p)
    (a_lo, s_lo), (a_hi, s_hi) = _coordinates(p)
    h, c, lam = p["h"], p["c"], hp.lam
    a_l2 = np.array([a_lo, a_hi, -h * c, -h * c])
    h_l2 = np.array([0.0, 0.0, h, h])
    s_l2 = np.array([s_lo, s_hi, s_lo, s_hi])
    start_l2 = -a_l2 / (h_l2 + lam)
    a_w, s_w = np.array([a_lo, a_hi]), np.array([s_lo, s_hi])
    start_w = -a_w / lam

    def kernel(rng: ChunkRNG) -> Any:
        xp, dt = rng.xp, rng.dtype
        al2, hl2, sl2, aw, sw = (xp.asarray(x, dtype=dt) for x in (a_l2, h_l2, s_l2, a_w, s_w))
        w_l2 = xp.zeros((rng.n, 4), dtype=dt) + xp.asarray(start_l2, dtype=dt)
        w_w = xp.zeros((rng.n, 2), dtype=dt) + xp.asarray(start_w, dtype=dt)
        st_l2, st_w = AdamState.zeros(w_l2), AdamState.zeros(w_w)
        for _ in range(steps):
            xi = rng.normal(6)
            g_l2 = al2 + (hl2 + lam) * w_l2 + sl2 * xi[:, :4]
            w_l2, st_l2 = adam(w_l2, st_l2, g_l2, hp.eta, hp.beta1, hp.beta2, hp.eps)
            w_w, st_w = adamw_lr_scaled(w_w, st_w, aw + sw * xi[:, 4:], hp.eta, lam,
                                        hp.beta1, hp.beta2, hp.eps)
        return xp.concatenate([w_l2[:, :2], w_w, w_l2[:, 2:]], axis=1)

    m = ensemble.run(kernel, n, what="M11 Adam + L2 and AdamW, noisy gradients")
    adamw_means = [al.adamw_linear_mean(hp, a, s, -a / lam, steps)
                   for a, s in ((a_lo, s_lo), (a_hi, s_hi))]
    predictions = [(float(start_l2[0]), 0.0), (float(start_l2[1]), 0.0),
                   *((x.value, x.error) for x in adamw_means),
                   (float(start_l2[2]), 0.0), (float(start_l2[3]), 0.0)]
    return [Estimate(name, pred, mean_statistic(m.mean[i], m.stderr_mean[i], m.n),
                     bias_bound=bias)
            for i, (name, (pred, bias)) in enumerate(zip(M11_STATISTICS, predictions,
                                                         strict=True))]


# --------------------------------------------------------------------------------------
# Validity domain, figure
# --------------------------------------------------------------------------------------

VALIDITY_SNR = (0.001, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


@cache
def _validity_errors() -> tuple[float, ...]:
    hp = al.AdamHyper(0.05, 1.0)
    out = []
    for snr in VALIDITY_SNR:
        exact = al.adamw_linear_stationary(hp, 1.0, 1.0 / snr).value
        ratio = -1.0 / (hp.lam * (math.hypot(1.0, 1.0 / snr) + hp.eps))
        out.append(abs(ratio / exact - 1.0))
    return tuple(out)


def _validity_m11() -> ValidityDomain:
    errs = _validity_errors()
    return ValidityDomain(
        "AdamW's stationary mean on a noisy linear loss, −a/(λ√(a² + σ²)) (AdamW ≡ L2 of "
        "strength λ√(E g²), ratio of expectations), against the exact −E[m̂/(√v̂ + ε)]/λ, "
        f"β = (0.9, 0.999): the error is largest where noise dominates ({100 * errs[0]:.3f} % "
        f"at a/σ = {VALIDITY_SNR[0]:g}; it tends to a constant of order 1 − β₂ as a/σ → 0, "
        f"M6's delta method) and falls to {100 * errs[-1]:.5f} % at a/σ = "
        f"{VALIDITY_SNR[-1]:g} (the step tends to sign(a)): below {100 * max(errs):.3f} % "
        "on the whole grid at PyTorch's defaults.",
        "signal-to-noise a/σ", VALIDITY_SNR, errs, "|ratio form / exact − 1|")


def _figure_m11(result: ClaimResult) -> Any:
    fig, (left, middle, right) = new_figure(3, width=15.0)
    p0 = result.claim.points[0].params
    hp, steps = _setting(p0)
    rms = np.geomspace(0.3, 4.0, 25)
    left.axvspan(rms[0], 1.0, color="C2", alpha=0.08,
                 label="RMS < 1: Adam + L2 regularises more")
    for i, a in enumerate((0.3, 0.6, 1.0)):
        valid = rms > a * 1.001
        sig = np.sqrt(rms[valid] ** 2 - a * a)
        left.plot(rms[valid], al.stationary_curve(hp, a, sig) / (-a / hp.lam), color=f"C{i}",
                  label=f"AdamW, exact stationary, a = {a:g}")
    left.plot(rms, 1.0 / rms, "k--", lw=0.8, label="ratio of expectations: 1/RMS")
    left.axhline(1.0, color="grey", lw=1.5, label="Adam + L2 (exactly w_L2)")
    for pr in (pr for pr in result.points if pr.monte_carlo):
        (a_lo, s_lo), (a_hi, s_hi) = _coordinates(pr.point.params)
        for j, a, s in ((0, a_lo, s_lo), (1, a_hi, s_hi), (2, a_lo, s_lo), (3, a_hi, s_hi)):
            r = pr.monte_carlo[j]
            left.errorbar(math.hypot(a, s), r.estimate.sample.value / (-a / hp.lam),
                          fmt="o" if j >= 2 else "s", color="k" if j >= 2 else "grey", ms=4,
                          yerr=r.test.threshold * r.estimate.sample.se * hp.lam / a)
    left.plot([], [], "ok", ms=4, label=f"Monte Carlo at T = {steps}: AdamW")
    left.plot([], [], "s", color="grey", ms=4, label="… and Adam + L2")
    ticks = [0.3, 0.5, 1.0, 2.0, 4.0]
    left.set(xscale="log", yscale="log", xlabel="gradient RMS √(a² + σ²)",
             ylabel="|w_AdamW| / |w_Adam+L2| (same λ)",
             title="Stationary weight, AdamW over Adam + L2")
    left.set_xticks(ticks, [f"{x:g}" for x in ticks])
    left.set_yticks(ticks, [f"{x:g}" for x in ticks])
    left.legend(fontsize=7)
    ts = np.arange(steps + 1)
    (a_lo, s_lo), (a_hi, s_hi) = _coordinates(p0)
    for i, (name, a, s) in enumerate((("low", a_lo, s_lo), ("high", a_hi, s_hi))):
        curve = [x.value for x in al.adamw_linear_curve(hp, a, s, -a / hp.lam, steps)]
        middle.plot(ts, curve, color=f"C{i}", label=f"AdamW, {name} variance (exact)")
        middle.axhline(-a / hp.lam, color=f"C{i}", ls="--", label=f"Adam + L2, {name} (exact)")
        for j in (i, 2 + i):
            r = result.points[0].monte_carlo[j]
            middle.errorbar(steps, r.estimate.sample.value, fmt="ok", ms=4,
                            yerr=r.test.threshold * r.estimate.sample.se)
    middle.plot([], [], "ok", ms=4, label="Monte Carlo")
    middle.set(xlabel="step t", ylabel="mean weight E w_t",
               title=f"Noisy linear loss, λ = {hp.lam:g}, η = {hp.eta:g}, from w_L2")
    middle.legend(fontsize=7)
    det = next(pr.point.params for pr in result.points if pr.point.params["sigma_low"] == 0.0)
    cs = np.linspace(1.02, 6.0, 60) / det["lam"]
    h, lam = det["h"], det["lam"]
    right.plot(cs, [_box()(h, c, lam, det["eps"]) for c in cs], label="AdamW (derived root)")
    right.plot(cs, h * cs / (h + lam), "--", label="Adam + L2: hc/(h + λ)")
    right.plot(cs, cs, ":", color="grey", label="unregularised: c")
    for pr in result.points:
        for mr in pr.model:
            if mr.check.name.endswith("vs the derived root"):
                c = float(mr.check.name.split("c = ")[1].split(":")[0])
                right.plot(c, mr.check.model, "ok", ms=4)
    right.plot([], [], "ok", ms=4, label="the rule, iterated to its fixed point")
    right.set(xlabel="optimum c of ½h(w − c)²", ylabel="fixed point w*",
              title=f"σ = 0, h = {h:g}, λ = {lam:g}: AdamW stops at 1/λ")
    right.legend(fontsize=7)
    left.minorticks_off()  # log-axis minor ticks are clutter, and slow to lay out
    return fig


def _m11_points() -> tuple[Point, ...]:
    base = {"eta": 0.05, "lam": 1.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "steps": 100,
            "a_low": 0.3, "sigma_low": 0.3, "a_high": 1.0, "sigma_high": 2.0, "h": 3.0,
            "c": 1.0}
    return (
        Point("gradient RMS 0.42 and 2.24, PyTorch's (β₁, β₂, ε)", base),
        Point("gradient RMS 1.0 and 2.24: on the over-regularisation boundary",
              {**base, "a_low": 0.6, "sigma_low": 0.8}, regime="boundary",
              note="at RMS ≈ 1 Adam + L2 and AdamW have the same stationary mean"),
        Point("exact gradients σ = 0: AdamW's fixed point is |w| = 1/λ",
              {**base, "sigma_low": 0.0, "sigma_high": 0.0, "h": 1.0, "c": 3.0, "eta": 0.1,
               "beta2": 0.9}, regime="outside", monte_carlo=False,
              note="outside the noise-dominated regime: √v̂ = |∇f|; β₂ = 0.9 only shortens "
                   "the run (the fixed point does not depend on β or η)"),
    )


@cache
def _numbers() -> dict[str, float]:
    p = _m11_points()[0].params
    hp, _ = _setting(p)
    (a_lo, s_lo), (a_hi, s_hi) = _coordinates(p)
    return {"lo": al.adamw_linear_stationary(hp, a_lo, s_lo).value,
            "hi": al.adamw_linear_stationary(hp, a_hi, s_hi).value,
            "l2_lo": -a_lo / hp.lam, "l2_hi": -a_hi / hp.lam,
            "rms_lo": math.hypot(a_lo, s_lo), "rms_hi": math.hypot(a_hi, s_hi),
            "cross": al.overregularisation_boundary(hp, a_lo).value}


_N = _numbers()
_SECTION = "Per-Parameter Adaptation"

M11 = Claim(
    id="M11",
    slug="adam-l2-vs-adamw",
    title="Adam + L2 lands on the L2 solution; AdamW on one of strength λ√(E g²)",
    statement=(
        "Per coordinate, with the second moment at V = E g² and m at E g, Adam on ∇f + λw "
        "(PyTorch Adam, weight_decay = λ) is stationary where ∇f + λw = 0 — the L2 solution, "
        "whatever V (√V divides the regulariser and the gradient alike); under symmetric "
        "noise its mean is exactly the L2 solution. AdamW (decay ηλ) is stationary where "
        "∇f + λw(√V + ε) = 0: an L2 solution of strength λ√V, or λ_wd√V/η for decay λ_wd. "
        "So Adam + L2 regularises more than AdamW ('over-regularizes') exactly on the "
        "coordinates with E g² < (1 − ε)², less on the others; with exact gradients AdamW "
        "stops at |w| = 1/λ. The rules' defaults (β₁, β₂, ε) = (0.9, 0.999, 10⁻⁸) are the "
        "seed's and PyTorch's."),
    sources=(
        Source(SEED_003, _SECTION, "A notable variant, AdamW, introduced by Loshchilov and "
               "Hutter in 2017 (published at ICLR 2019), decouples weight decay "
               "regularization from the adaptive learning rate updates to better align with "
               "the original L2 penalty formulation, applying decay directly to parameters "
               "rather than gradients."),
        Source(SEED_003, _SECTION, "with empirical improvements in tasks like image "
               "classification where standard Adam over-regularizes."),
        Source(SEED_003, _SECTION, "using parameters \\beta_1 = 0.9 for the first moment and "
               "\\beta_2 = 0.999 for the second."),
        Source(SEED_003, "Selection and Tuning", "Common starting points include a default "
               "of 0.001 for the Adam optimizer across various deep learning tasks, as "
               "recommended in its original formulation and standard implementations."),
    ),
    derive=lambda: _m11()[0],
    model=_model_m11,
    points=_m11_points(),
    figure=_figure_m11,
    simulate=_simulate_m11,
    statistics=M11_STATISTICS,
    validity=_validity_m11,
    findings=(
        "Adam + L2 is the one that solves the L2 problem: its stationary point is "
        "∇f + λw = 0 for every V, and its update commutes with the reflection about w_L2 "
        "(derived), so under symmetric noise E w_t = w_L2 exactly at every t — Monte Carlo "
        "at gradient RMS from 0.42 to 2.24, linear and quadratic losses. The catalog's "
        "'divides the regulariser by √v̂' is the per-step pull ηλw/√v̂: it sets how fast "
        "Adam + L2 gets there, not where it goes.",
        "AdamW (PyTorch convention, same λ) has the stationary point of an L2 problem of "
        "strength λ√(E g²) (λ_wd√(E g²)/η in the seed's decoupled form: M8's λ_wd/η times "
        "√(E g²)); exactly, on a noisy linear loss, −E[m̂/(√v̂ + ε)]/λ: "
        f"{_N['lo']:.4f} against Adam + L2's {_N['l2_lo']:.2f} at RMS {_N['rms_lo']:.2f}, "
        f"{_N['hi']:.4f} against {_N['l2_hi']:.2f} at RMS {_N['rms_hi']:.2f}. The seed's "
        "'better align with the original L2 penalty formulation' is therefore wrong at the "
        "fixed point: AdamW is the original *weight decay*, which equals L2 only for SGD.",
        "'Standard Adam over-regularizes' holds in this precise sense: at the same λ, "
        "Adam + L2 shrinks a coordinate more than AdamW iff its gradient RMS is below 1 "
        f"(ratio of expectations; exactly at RMS {_N['cross']:.4f} for a = 0.3), and less "
        "above it. It is a statement about the units: scaling the loss by k leaves AdamW's "
        "weights unchanged and multiplies Adam + L2's by k. Typical per-parameter gradient "
        "RMS in deep networks is far below 1, where Adam + L2 is the stronger. Relative to "
        "AdamW, Adam + L2 regularises high-variance coordinates less (the ratio is 1/√V).",
        "With exact gradients (σ = 0) AdamW's fixed point on ½h(w − c)² is |w| = 1/λ − O(ε) "
        "for any h and c > 1/λ (derived; the rule iterated to a float64 fixed point agrees "
        "to 10⁻¹⁵): a box constraint, not an L2 solution (Adam + L2: hc/(h + λ)).",
        "Defaults: the rules' (β₁, β₂, ε) = (0.9, 0.999, 10⁻⁸) equal seed 003's β's and "
        "PyTorch's Adam/AdamW; seed 003 prints no value for ε. The rules have no default η "
        "(seed 003, PyTorch and Keras: 10⁻³) and adamw_lr_scaled no default decay (PyTorch "
        f"AdamW: {PYTORCH_ADAMW_WEIGHT_DECAY}). Keras' ε̂ = 10⁻⁷ is added to the uncorrected "
        "√v: it is the rule's ε = ε̂/√(1 − β₂ᵗ), 3.2·10⁻⁶ at t = 1 and 10⁻⁷ (ten times "
        "PyTorch's) once stationary.",
    ),
)

CLAIMS = (M11,)
