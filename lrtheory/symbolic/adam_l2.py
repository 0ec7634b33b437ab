"""Stationary conditions of Adam-type rules, derived from the rules themselves.

An Adam-type rule (:func:`lrtheory.adaptive.adam`, ``adamw``, ``adamw_lr_scaled``, or Adam
fed ∇f + λw) keeps m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g². In the mean-field
(quasi-static) picture the first moment sits at its fixed point m = E g, the second moment
at v = V (V = E g², or g² for a deterministic gradient), and t → ∞ so that the bias
corrections are 1: :func:`stationary_step` returns the parameter change of one step of the
rule in that state, and a stationary point is a root of it (:func:`affine_root` solves the
linear equations that arise without :func:`sympy.solve`). :func:`step_from_moments` writes
any one step of a rule in terms of the moments it uses.

:func:`reflection_defect` tests whether a step is odd under a reflection of its variables,
the symmetry that makes a noisy process's mean exact: if the step, written in the
displacement u from a point, satisfies Δ(−u, −m, −ξ) = −Δ(u, m, ξ) with v unchanged and the
noise ξ is symmetric, then the law of u_t stays symmetric and E u_t = 0 at every t.

:func:`m11_derivation` applies them to claim M11 (Adam + L2 against AdamW): the fixed points
of both rules on ∇f = a + hw, the reflection symmetry of Adam + L2, AdamW's fixed points
with exact gradients, and the rules' defaults against the seed's and the libraries'.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import sympy as sp

from lrtheory.adaptive import AdamState, adam, adamw, adamw_lr_scaled
from lrtheory.claim import Derivation, Identity, Step

AdamRule = Callable[[sp.Expr, AdamState, sp.Expr], tuple[sp.Expr, AdamState]]
"""``rule(θ, state, g) -> (θ', state')`` with the hyperparameters bound (SymPy symbols)."""


def _drop_powers(expr: sp.Expr, bases: Sequence[sp.Expr], n: sp.Symbol) -> sp.Expr:
    """``expr`` with every power base**(… n …) of the given bases set to 0 (0 < base < 1,
    n → ∞)."""
    expanded = sp.expand_power_exp(expr)
    return expanded.replace(
        lambda e: isinstance(e, sp.Pow) and e.base in bases and e.exp.has(n),
        lambda e: sp.Integer(0))


_ZERO = sp.Integer(0)


def affine_root(expr: sp.Expr, x: sp.Symbol, target: sp.Expr = _ZERO) -> sp.Expr:
    """The x with expr = target when the numerator of expr − target is affine in x (a
    linear equation, solved without :func:`sympy.solve`)."""
    gap = sp.expand(sp.numer(sp.together(expr - target)))
    slope = sp.diff(gap, x)
    if slope.has(x) or slope == 0:
        raise ValueError(f"{expr} = {target} is not an affine equation in {x}")
    return sp.cancel(-gap.subs(x, 0) / slope)


def step_from_moments(rule: AdamRule, theta: sp.Expr, grad: sp.Expr, m_new: sp.Expr,
                      v_new: sp.Expr, n: sp.Expr) -> sp.Expr:
    """θ' − θ for the step number n + 1 of ``rule`` taken with gradient ``grad`` from the
    state whose *updated* moments are (m_new, v_new), i.e. the step written in the moments
    it uses. The rule's updated moments are replaced where they occur in its θ'; should the
    rule have rearranged them, the previous moments are solved for instead (both updates
    are affine in them)."""
    m_prev, v_prev = sp.Dummy("m"), sp.Dummy("v", nonnegative=True)
    new_theta, state = rule(theta, AdamState(m_prev, v_prev, n), grad)
    step = (new_theta - theta).xreplace({state.m: m_new, state.v: v_new})
    if not step.has(m_prev, v_prev):
        return step
    m_star = affine_root(state.m, m_prev, m_new)
    v_star = affine_root(state.v, v_prev, v_new)
    step = (new_theta - theta).subs({m_prev: m_star, v_prev: v_star}, simultaneous=True)
    # Each sum (a moment's update of the solved previous state) collapses when expanded.
    return step.replace(lambda e: isinstance(e, sp.Add), lambda e: sp.factor(sp.expand(e)))


def stationary_step(rule: AdamRule, theta: sp.Expr, grad: sp.Expr, second_moment: sp.Expr,
                    betas: Sequence[sp.Expr]) -> sp.Expr:
    """θ' − θ for one step of ``rule`` with its first moment at the EMA's fixed point for the
    (mean) gradient ``grad`` (m = g), its second moment v at ``second_moment`` *after* the
    step's own update, and the bias corrections at t → ∞ (``betas`` = (β₁, β₂), both in
    (0, 1)): :func:`step_from_moments` with βᵢ^(n+1) → 0."""
    n = sp.Dummy("n", integer=True, nonnegative=True)
    step = step_from_moments(rule, theta, grad, grad, second_moment, n)
    step = step.xreplace({b ** (n + 1): sp.Integer(0) for b in betas})  # the rules' 1 − βᵗ
    return _drop_powers(step, betas, n) if step.has(n) else step


def reflection_defect(update: Callable[..., tuple[Sequence[sp.Expr], Sequence[sp.Expr]]],
                      odd: Sequence[sp.Symbol], even: Sequence[sp.Symbol] = ()) -> sp.Tuple:
    """How far ``update`` is from commuting with the reflection of its ``odd`` variables.

    ``update(*odd, *even)`` returns (outputs that should be odd, outputs that should be
    even). The defects are f(x) + f(x̄) for the first and f(x) − f(x̄) for the second, x̄
    the input with every odd variable negated, expanded and factored; all zero means the
    update maps reflected states to reflected states. Expansion decides it when the
    outputs are built from polynomials in the inputs (pass a gradient already expanded, so
    that g(x̄) = −g(x) term by term)."""
    odd_out, even_out = update(*odd, *even)
    odd_ref, even_ref = update(*(-s for s in odd), *even)
    defects = [a + b for a, b in zip(odd_out, odd_ref, strict=True)]
    defects += [a - b for a, b in zip(even_out, even_ref, strict=True)]
    # Expanding makes (−g)² and g² the same polynomial, so matching radicals cancel.
    return sp.Tuple(*(sp.factor(sp.expand(d)) for d in defects))


# --------------------------------------------------------------------------------------
# Claim M11: Adam + L2 against AdamW
# --------------------------------------------------------------------------------------

ETA, LAM, WD, B1, B2, EPSILON, V, H, C, K = sp.symbols(
    "eta lambda lambda_wd beta_1 beta_2 epsilon V h c k", positive=True)
A, W, U, M, XI, ALPHA = sp.symbols("a w u m xi alpha", real=True)
SIGMA, VV = sp.Symbol("sigma", positive=True), sp.Symbol("v", nonnegative=True)
N = sp.Symbol("n", integer=True, nonnegative=True)
EPS_HAT, D_MEAN = sp.symbols("epsilon_hat d", positive=True)
T = sp.Symbol("t", integer=True, positive=True)
_M_NEW, _V_NEW = sp.Symbol("m'", real=True), sp.Symbol("v'", positive=True)

#: Library defaults, from the libraries' documentation (modelled inputs, not derived):
#: torch.optim.Adam / AdamW (lr, betas, eps; AdamW's weight_decay) and
#: tf.keras.optimizers.Adam (learning_rate, beta_1, beta_2, epsilon — "epsilon hat").
PYTORCH_ADAM = {"lr": "1e-3", "beta1": "0.9", "beta2": "0.999", "eps": "1e-8"}
PYTORCH_ADAMW_WEIGHT_DECAY = "1e-2"
KERAS_ADAM = {"lr": "1e-3", "beta1": "0.9", "beta2": "0.999", "eps_hat": "1e-7"}
#: Seed 003's (β₁, β₂) and its default learning rate, as printed.
SEED_BETAS = ("0.9", "0.999")
SEED_LR = "0.001"


def rule_defaults() -> dict[str, sp.Tuple]:
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


def _adamw_wd(theta: sp.Expr, state: AdamState, grad: sp.Expr) -> tuple[sp.Expr, AdamState]:
    return adamw(theta, state, grad, ETA, WD, B1, B2, EPSILON)


_GRAD = A + H * W  # ∇f of f = aw + ½hw² (h = 0: a linear loss; a = −hc: ½h(w − c)²)


@cache
def _l2_solution() -> sp.Expr:
    """w_L2, the root of the gradient of f + ½λw²."""
    return affine_root(sp.diff(A * W + H * W**2 / 2 + LAM * W**2 / 2, W), W)


Part = tuple[tuple[Step, ...], tuple[Identity, ...]]


def _fixed_points() -> Part:
    """The stationary steps and fixed points of Adam + L2 and AdamW, the L2 strengths they
    amount to, where Adam + L2 is the stronger, and how each scales with the loss."""
    betas, w_l2 = (B1, B2), _l2_solution()
    step_l2 = stationary_step(_adam, W, _GRAD + LAM * W, V, betas)
    step_w = stationary_step(_adamw_lr, W, _GRAD, V, betas)
    step_d = stationary_step(_adamw_wd, W, _GRAD, V, betas)
    root_l2, root_w, root_d = (affine_root(s, W) for s in (step_l2, step_w, step_d))

    def strength(root: sp.Expr) -> sp.Expr:  # the L2 strength α whose solution is ``root``
        return sp.factor(affine_root(w_l2.subs(LAM, ALPHA), ALPHA, root))

    alpha_w, alpha_d = strength(root_w), strength(root_d)
    over = sp.cancel(LAM / alpha_w)  # Adam + L2's strength over AdamW's, same λ
    rms = sp.Symbol("r", positive=True)  # √V
    v_cross = affine_root(over.subs(V, rms**2), rms, 1) ** 2
    falls = sp.sign(sp.diff(over, V))
    region = sp.Interval.Ropen(0, v_cross) if falls == -1 else sp.Interval(v_cross, sp.oo)
    # Linear loss, AdamW: E w' = (1 − ηλ)E w − η E d at stationarity, E d = d.
    w_lin = affine_root((1 - ETA * LAM) * W - ETA * D_MEAN, W, W)
    ratio_form = root_w.subs({H: 0, V: A**2 + SIGMA**2})  # E m̂ = a, E v̂ = a² + σ²
    # Scale: the loss times k multiplies a, h and √V by k.
    k_scaled = {A: K * A, H: K * H, V: K**2 * V}
    scale = sp.Tuple(sp.cancel((root_w - root_w.subs(k_scaled, simultaneous=True)).subs(
        EPSILON, 0)), sp.cancel((root_l2.subs(k_scaled, simultaneous=True) / root_l2).subs(
            H, 0)))
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
        Step.equation("AdamW, linear loss: E w' = E w with E d = d", "E w", w_lin),
        Step.equation("… with the ratio of expectations E m̂ = a, E v̂ = a² + σ²", "E w",
                      ratio_form),
        Step.equation("loss × k (a, h, √V all × k): change of AdamW's w* (ε = 0); "
                      "Adam + L2's w* ratio (h = 0)", "Δ", scale),
    )
    identities = (
        Identity("Adam + L2: fixed point = L2 solution, for every second moment V",
                 sp.Tuple(root_l2, sp.diff(root_l2, V)), sp.Tuple(w_l2, 0), "derived"),
        Identity("AdamW (decay ηλ): fixed point = L2 solution of strength λ(√V + ε), i.e. "
                 "∇f + λw(√V + ε) = 0", alpha_w, LAM * (sp.sqrt(V) + EPSILON), "derived"),
        Identity("the source's 'better align with the original L2 penalty': the L2 strength "
                 "whose solution AdamW's fixed point is, vs its λ", alpha_w, LAM, "derived",
                 expect_equal=False, note="Adam + L2 is the one that lands on the L2 "
                 "solution of its λ"),
        Identity("AdamW (decay λ_wd): strength λ_wd(√V + ε)/η — M8's λ_wd/η times √V + ε",
                 sp.cancel(alpha_d / (WD / ETA)), sp.sqrt(V) + EPSILON, "derived"),
        Identity("the source's 'standard Adam over-regularizes': Adam + L2's strength "
                 "exceeds AdamW's iff E g² < (1 − ε)²", region,
                 sp.Interval.Ropen(0, (1 - EPSILON) ** 2), "derived"),
        Identity("loss × k: AdamW's w* is unchanged (ε → 0); Adam + L2's scales by k on "
                 "the linear loss", scale, sp.Tuple(0, K), "derived"),
    )
    return steps, identities


def _symmetry() -> Part:
    """Reflection about w_L2, (u, m, ξ) ↦ −(u, m, ξ) with v unchanged: the moments' updates
    (gradient expanded, so that it is odd term by term), then the step as a function of the
    updated moments, u' = u + Φ(m', v')."""
    noisy, w_l2 = _GRAD + SIGMA * XI, _l2_solution()

    def moments(rule: AdamRule, penalty: sp.Expr) -> Callable[..., Any]:
        def update(u: sp.Expr, m: sp.Expr, xi: sp.Expr, v: sp.Expr, n: sp.Expr) -> Any:
            g = sp.expand(sp.cancel((noisy + penalty).subs({W: w_l2 + u, XI: xi})))
            state = rule(w_l2 + u, AdamState(m, v, n), g)[1]
            return (state.m,), (state.v,)
        return update

    phi = step_from_moments(_adam, W, XI, _M_NEW, _V_NEW, N)  # no θ or g left in it
    odd_l2 = sp.Tuple(
        *reflection_defect(moments(_adam, LAM * W), (U, M, XI), (VV, N)),
        *reflection_defect(lambda mn, vn, n: ((phi.subs({_M_NEW: mn, _V_NEW: vn, N: n}),), ()),
                           (_M_NEW,), (_V_NEW, N)))
    odd_w = reflection_defect(moments(_adamw_lr, sp.Integer(0)), (U, M, XI), (VV, N))
    steps = (
        Step.equation("Adam + L2: reflection defect of (m′, v′) about w_L2, then of the step "
                      "Φ(m′, v′) = u′ − u", "defect", odd_l2),
        Step.equation("the step in the moments it uses", "Φ", phi),
        Step.equation("AdamW: reflection defect of (m′, v′) about w_L2", "defect", odd_w),
    )
    identities = (
        Identity("Adam + L2 commutes with the reflection about w_L2 (⇒ E w_t = w_L2 from any "
                 "start symmetric about w_L2, under symmetric noise)", odd_l2,
                 sp.Tuple(0, 0, 0), "derived"),
        Identity("AdamW does not", odd_w, sp.Tuple(0, 0), "derived", expect_equal=False),
    )
    return steps, identities


def _exact_gradients() -> tuple[tuple[Step, ...], Identity, sp.Expr]:
    """σ = 0 on ½h(w − c)²: v's fixed point is G² = |G|², G = h(w − c) < 0 for w < c. Returns
    the step, the identity on the ε → 0 limits of the fixed points, and the root that tends
    to 1/λ."""
    size = sp.Symbol("|G|", positive=True)
    det = stationary_step(_adamw_lr, W, _GRAD, size**2, (B1, B2))
    det = sp.factor(det.subs({A: -H * C, size: H * (C - W)}))
    det_roots = list(sp.roots(sp.Poly(sp.numer(sp.together(det)), W)))
    above = sp.Symbol("delta", positive=True)  # c = (1 + δ)/λ > 1/λ
    det_limits = [sp.cancel(sp.factor(r.subs(EPSILON, 0).subs(C, (1 + above) / LAM)).subs(
        above, LAM * C - 1)) for r in det_roots]  # the roots are continuous at ε = 0
    box = next(r for r, lim in zip(det_roots, det_limits, strict=True) if lim == 1 / LAM)
    steps = (
        Step.equation("σ = 0 (v = G², |G| = h(c − w) for w < c), ½h(w − c)²: stationary step",
                      "Δw", det),
        Step.equation("its roots and their ε → 0 limits (c > 1/λ)", "w*",
                      sp.Tuple(*det_roots, *det_limits)),
    )
    identity = Identity("σ = 0, c > 1/λ: AdamW's fixed points → {1/λ, c} as ε → 0, whatever h",
                        sp.FiniteSet(*det_limits), sp.FiniteSet(1 / LAM, C), "derived")
    return steps, identity, box


def _defaults() -> Part:
    """The rules' (β₁, β₂, ε) defaults against seed 003's and the libraries', and Keras' ε̂
    (added to the uncorrected √v) as the rule's ε."""
    e_eq, kept = sp.Symbol("E", positive=True), sp.Symbol("q", positive=True)  # q = 1 − β₂ᵗ
    rule_step = step_from_moments(lambda th, st, g: adam(th, st, g, ETA, B1, B2, e_eq), W, A,
                                  _M_NEW, _V_NEW, T - 1).subs(B2**T, 1 - kept)
    # Keras: θ ← θ − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m'/(√v' + ε̂), the rule's moments m', v'.
    keras = -ETA * sp.sqrt(kept) / (1 - B1**T) * _M_NEW / (sp.sqrt(_V_NEW) + EPS_HAT)
    eps_keras = sp.factor(affine_root(rule_step, e_eq, keras)).subs(kept, 1 - B2**T)
    eps_hat = sp.Rational(KERAS_ADAM["eps_hat"])
    defaults = rule_defaults()
    seed_betas = sp.Tuple(*(sp.Rational(b) for b in SEED_BETAS))
    torch = sp.Tuple(*(sp.Rational(PYTORCH_ADAM[p]) for p in ("beta1", "beta2", "eps")))
    steps = (
        Step.equation("the rules' (β₁, β₂, ε) defaults (signatures)", "defaults",
                      sp.Tuple(*defaults.values())),
        Step.equation("Keras' ε̂ (added to the uncorrected √v) as the rule's ε", "ε",
                      eps_keras),
        Step.equation("Keras: ε at t = 1 and t → ∞ (defaults)", "ε",
                      sp.Tuple(eps_keras.subs({EPS_HAT: eps_hat, T: 1,
                                               B2: sp.Rational(KERAS_ADAM["beta2"])}).evalf(4),
                               eps_hat)),
    )
    identities = (
        Identity("the rules' default (β₁, β₂) are the seed's 0.9 and 0.999",
                 sp.Tuple(*(d[:2] for d in defaults.values())), sp.Tuple(*[seed_betas] * 3)),
        Identity("the rules' (β₁, β₂, ε) defaults are PyTorch's Adam/AdamW (0.9, 0.999, 10⁻⁸)",
                 sp.Tuple(*defaults.values()), sp.Tuple(*[torch] * 3), "modelled",
                 note="PyTorch's defaults from its documentation"),
        Identity("Keras' ε̂ is the rule's ε = ε̂/√(1 − β₂ᵗ)", eps_keras,
                 EPS_HAT / sp.sqrt(1 - B2**T), "derived",
                 note="Keras' update rule from its documentation"),
        Identity("Keras' default ε̂ = 10⁻⁷ (→ the rule's ε as t → ∞) vs the rule's default ε",
                 eps_hat, defaults["adam"][2], "modelled", expect_equal=False,
                 note="Keras' default from its documentation, the rule's from its signature"),
    )
    return steps, identities


@cache
def m11_derivation() -> tuple[Derivation, sp.Expr]:
    """Claim M11's derivation, and AdamW's exact-gradient fixed point on ½h(w − c)² that
    tends to 1/λ (an expression in h, c, λ, ε)."""
    fixed_steps, fixed_ids = _fixed_points()
    sym_steps, sym_ids = _symmetry()
    det_steps, det_id, box = _exact_gradients()
    default_steps, default_ids = _defaults()
    steps = fixed_steps + sym_steps + det_steps + default_steps
    identities = fixed_ids + sym_ids + (det_id,) + default_ids
    return Derivation(steps, identities), box


@cache
def exact_gradient_fixed_point() -> Callable[[float, float, float, float], float]:
    """AdamW's exact-gradient fixed point on ½h(w − c)², c > 1/λ, as a float function of
    (h, c, λ, ε): the derived root of :func:`m11_derivation`."""
    fn: Callable[[float, float, float, float], float] = sp.lambdify(
        (H, C, LAM, EPSILON), m11_derivation()[1], "math")
    return fn
