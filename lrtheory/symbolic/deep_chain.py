"""A deep chain of scalar layers, symbolically: where per-layer gradient scales come from.

Layer ℓ = 1, …, L computes z_ℓ = u_ℓh_{ℓ−1} + w_ℓx_ℓ and h_ℓ = φ(z_ℓ) (h₀ = 0), and the
output is f = h_L: u_ℓ is the weight from the previous layer, w_ℓ the weight on layer ℓ's
own input x_ℓ, φ any activation (:func:`deep_chain`). By the chain rule
∂f/∂w_ℓ = [Π_{k>ℓ} u_kφ'(z_k)]·φ'(z_ℓ)x_ℓ: the product of the *gains* a_k = u_kφ'(z_k)
(weight × activation slope) of the layers above ℓ. :func:`linear_chain` is the chain with
one gain a and unit local factors, h_ℓ = ah_{ℓ−1} + w_ℓx_ℓ, so f = Σ a^{L−ℓ}w_ℓx_ℓ: its
loss over x ~ N(0, I) and its per-example SGD moments are exact polynomial expectations
(:func:`lrtheory.symbolic.moments.expectation`). :func:`layer_gradient_derivation` is
claim S11's derivation built on them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.errors import check_int
from lrtheory.symbolic.moments import MomentFn, expectation, gaussian_moments


@dataclass(frozen=True)
class DeepChain:
    """The symbols and expressions of a depth-L chain (index 0 is layer 1)."""

    u: tuple[sp.Symbol, ...]
    w: tuple[sp.Symbol, ...]
    x: tuple[sp.Symbol, ...]
    z: tuple[sp.Expr, ...]
    output: sp.Expr


ACTIVATION = sp.Function("phi")


def activation_slope(z: sp.Expr) -> sp.Expr:
    """φ'(z), written as SymPy's differentiation writes it (a Subs of dφ(t)/dt at t = z)."""
    t = sp.Dummy("t")
    return sp.Subs(sp.Derivative(ACTIVATION(t), t), t, z)


#: φ' as a function of its own, for display: SymPy writes φ'(z) as a Subs of dφ(t)/dt at a
#: Dummy t, and a product of such factors sorts by the Dummy's hash, which changes from
#: process to process (PYTHONHASHSEED), so the printed order of the factors would too.
SLOPE = sp.Function("φ′")


def named_slopes(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every φ'(z) (a Subs of dφ(t)/dt at t = z) written SLOPE(z): the same
    expression, one-to-one, printed the same way in every process."""
    def is_slope(e: sp.Basic) -> bool:
        return (isinstance(e, sp.Subs) and len(e.variables) == 1
                and e.expr == sp.Derivative(ACTIVATION(e.variables[0]), e.variables[0]))

    out: sp.Expr = expr.replace(is_slope, lambda e: SLOPE(e.point[0]))
    return out


def deep_chain(depth: int) -> DeepChain:
    """z_ℓ = u_ℓh_{ℓ−1} + w_ℓx_ℓ, h_ℓ = φ(z_ℓ), h₀ = 0, f = h_L."""
    depth = check_int("depth", depth, 1)
    u = sp.symbols(f"u_1:{depth + 1}", real=True)
    w = sp.symbols(f"w_1:{depth + 1}", real=True)
    x = sp.symbols(f"x_1:{depth + 1}", real=True)
    h: sp.Expr = sp.Integer(0)
    zs = []
    for k in range(depth):
        zs.append(u[k] * h + w[k] * x[k])
        h = ACTIVATION(zs[-1])
    return DeepChain(u, w, x, tuple(zs), h)


def chain_rule_gradient(chain: DeepChain, layer: int) -> sp.Expr:
    """[Π_{k>ℓ} u_kφ'(z_k)]·φ'(z_ℓ)x_ℓ for layer ℓ = ``layer`` (1-based), built from the
    gains a_k = u_kφ'(z_k) — the form the chain rule must produce."""
    depth = len(chain.w)
    layer = check_int("layer", layer, 1, depth)
    gains = [chain.u[k] * activation_slope(chain.z[k]) for k in range(layer, depth)]
    return sp.Mul(*gains) * activation_slope(chain.z[layer - 1]) * chain.x[layer - 1]


def linear_chain(depth: int, gain: sp.Expr) -> DeepChain:
    """The chain with every gain a (u_k = a, φ the identity): h_ℓ = ah_{ℓ−1} + w_ℓx_ℓ."""
    depth = check_int("depth", depth, 1)
    w = sp.symbols(f"w_1:{depth + 1}", real=True)
    x = sp.symbols(f"x_1:{depth + 1}", real=True)
    h: sp.Expr = sp.Integer(0)
    zs = []
    for k in range(depth):
        h = sp.expand(gain * h + w[k] * x[k])
        zs.append(h)
    return DeepChain(tuple(sp.sympify(gain) for _ in range(depth)), w, x, tuple(zs), h)


def gaussian_inputs(chain: DeepChain) -> dict[sp.Symbol, MomentFn]:
    """Independent N(0, 1) laws for the inputs x_ℓ, for :func:`expectation`."""
    return {xi: gaussian_moments(sp.Integer(1)) for xi in chain.x}


def population_loss(chain: DeepChain, errors: tuple[sp.Symbol, ...]) -> sp.Expr:
    """E_x ½(f(w) − f(w*))² with w − w* = ``errors``: f is linear in w, so the residual is
    f evaluated at the errors."""
    residual = chain.output.subs(dict(zip(chain.w, errors, strict=True)), simultaneous=True)
    return expectation(residual**2 / 2, gaussian_inputs(chain))


def sgd_second_moment_map(chain: DeepChain, errors: tuple[sp.Symbol, ...],
                          rates: tuple[sp.Expr, ...]) -> sp.Matrix:
    """M with E_x[e'_ℓ²] = Σ_k M_ℓk e_k² for one SGD step e' = e − η⊙∇_w ½(f(e))² on one
    Gaussian example: no cross products e_ie_k survive the expectation, so the second
    moments of the errors evolve by s ↦ Ms exactly (given e, hence also on average)."""
    residual = chain.output.subs(dict(zip(chain.w, errors, strict=True)), simultaneous=True)
    laws = gaussian_inputs(chain)
    rows = []
    for ell, (e, eta) in enumerate(zip(errors, rates, strict=True)):
        updated = e - eta * sp.diff(residual**2 / 2, errors[ell])
        second = sp.Poly(expectation(updated**2, laws), *errors)
        rows.append([second.coeff_monomial(ek**2) for ek in errors])
    return sp.Matrix(rows)


@functools.cache
def layer_gradient_derivation() -> Derivation:
    """Steps and identities of claim S11: backprop through :func:`deep_chain`, the
    per-layer curvatures and SGD moments of :func:`linear_chain` (L = 3 or 4), the rate
    rules' factors and slowdowns, E ln|z| for random gains, and where equalised rates lose
    mean-square stability (cached: the moment map's determinant is slow)."""
    a, c, eta = sp.symbols("a c eta", positive=True)
    v, s, z = (sp.Symbol("v", positive=True), sp.Symbol("s", positive=True),
               sp.Symbol("z", positive=True))
    chain = deep_chain(3)
    grad = named_slopes(sp.diff(chain.output, chain.w[0]))
    big_l, ell = sp.symbols("L ell", integer=True, positive=True)
    k, d_top = sp.Symbol("k", integer=True), sp.Symbol("delta_L")
    back = d_top * sp.product(a, (k, ell + 1, big_l))  # δ_ℓ = a_{ℓ+1}⋯a_Lδ_L, a_k = a
    eta_l, eta_top = sp.symbols("eta_ell eta_L", positive=True)
    equal_size = sp.solve_linear(eta_l * a ** (big_l - ell) - eta_top, symbols=[eta_l])[1]
    lin = linear_chain(4, a)
    e = sp.symbols("e_1:5", real=True)
    loss = population_loss(lin, e)
    curv = [sp.diff(loss, ek, 2) for ek in e]
    residual = lin.output.subs(dict(zip(lin.w, e, strict=True)), simultaneous=True)
    g1 = sp.diff(residual**2 / 2, e[0])
    g1_sq = expectation(g1**2, gaussian_inputs(lin))
    mean_step = expectation(e[0] - eta * g1, gaussian_inputs(lin))
    q_grad = [1 - c * a ** (-(3 - k)) * curv[k] for k in (0, 3)]
    q_curv = [1 - c * a ** (-2 * (3 - k)) * curv[k] for k in (0, 3)]  # a-powers cancel
    slow_global = sp.limit(sp.log(1 - eta * curv[3]) / sp.log(1 - eta * curv[0]), eta, 0)
    slow_grad = sp.limit(sp.log(q_grad[1]) / sp.log(q_grad[0]), c, 0)
    trend = sp.diff(sp.expand_log(sp.log(a ** (2 * (big_l - ell))), force=True), ell)
    mellin = sp.powsimp(2 * sp.integrate(z**s * sp.exp(-z**2 / 2), (z, 0, sp.oo))
                        / sp.sqrt(2 * sp.pi))
    log_mean = sp.expand(sp.diff(mellin, s).subs(s, 0))
    e3, etas = sp.symbols("e_1:4", real=True), sp.symbols("eta_1:4", positive=True)
    moment_map = sgd_second_moment_map(linear_chain(3, a), e3, etas)
    u = [etas[k] * a ** (2 * (2 - k)) for k in range(3)]
    lemma = sp.Mul(*(2 * uk * (1 - uk) for uk in u)) * (1 - sum(uk / (2 * (1 - uk)) for uk in u))
    f = sp.Symbol("f", positive=True)
    equalised = {etas[k]: 2 * f / a ** (2 * (2 - k)) for k in range(3)}  # u_ℓ = 2f
    gap = sp.factor((sp.eye(3) - moment_map.subs(equalised)).det(method="berkowitz"))
    ms_roots = sorted(sp.roots(sp.Poly(sp.numer(sp.together(gap)), f)))
    ms_limit = min(r for r in ms_roots if r > 0)
    steps = (
        Step.equation("chain, L = 3: z_ℓ = u_ℓh_{ℓ−1} + w_ℓx_ℓ, h_ℓ = φ(z_ℓ)", "f",
                      chain.output),
        Step.equation("∂f/∂w_1 (sp.diff)", "df/dw_1", grad,
                      "one factor u_kφ'(z_k) — the gain a_k — per layer above"),
        Step.equation("backprop δ_ℓ = a_{ℓ+1}δ_{ℓ+1}, unrolled, every a_k = a", "delta_ell",
                      back),
        Step.equation("equal per-example update size: η_ℓa^{L−ℓ} = η_L", "eta_ell",
                      equal_size),
        Step.equation("linear chain, gain a, L = 4", "f", lin.output),
        Step.equation("population loss over x ~ N(0, I), e = w − w*", "L(e)", sp.factor(loss)),
        Step.equation("per-layer curvature ∂²L/∂e_ℓ²", "lambda_ell", sp.Tuple(*curv)),
        Step.equation("E[(∂ℓ/∂w_1)²] on one Gaussian example", "E_g1_sq", sp.factor(g1_sq)),
        Step.equation("E over x of one SGD step, layer 1", "E_step", mean_step),
        Step.equation("η_ℓ = ca^{−(L−ℓ)}: factors of layers 1 and L", "q", sp.Tuple(*q_grad)),
        Step.equation("η_ℓ = ca^{−2(L−ℓ)}: factors of layers 1 and L", "q", sp.Tuple(*q_curv)),
        Step.equation("steps of layer 1 / steps of layer L, one η → 0", "slowdown", slow_global),
        Step.equation("same, η_ℓ = ca^{−(L−ℓ)}, c → 0", "slowdown", slow_grad),
        Step.equation("d ln λ_ℓ/dℓ (> 0: later layers faster)", "trend", trend),
        Step.equation("E|z|^s, z ~ N(0, 1)", "M(s)", mellin),
        Step.equation("E ln|z| = M'(0): random gains az scale like a·e^{E ln|z|}",
                      "E_log_z", log_mean),
        Step.equation("SGD second moments, L = 3: s' = Ms", "M", moment_map),
        Step.equation("η_ℓ = 2f/a^{2(L−ℓ)}, L = 3: det(I − M)", "det", gap),
        Step.equation("its roots in f", "f", sp.Tuple(*ms_roots)),
    )
    identities = (
        Identity("chain rule: ∂f/∂w_1 = Π_{k>1}u_kφ'(z_k)·φ'(z_1)x_1", grad,
                 named_slopes(chain_rule_gradient(chain, 1)), "derived"),
        Identity("backprop: gradient ∝ a^{L−ℓ}", back, d_top * a ** (big_l - ell), "derived",
                 note="one gain per layer between layer ℓ and the output"),
        Identity("equal update size needs η_ℓ ∝ a^{−(L−ℓ)}", equal_size,
                 eta_top * a ** (ell - big_l), "derived"),
        Identity("population loss ½Σa^{2(L−ℓ)}e_ℓ²", loss,
                 sum(a ** (2 * (3 - k)) * e[k] ** 2 for k in range(4)) / 2, "derived"),
        Identity("E g_1² = a^{2(L−1)}(Σ_kc_k² + 2c_1²), c_k = a^{L−k}e_k", g1_sq,
                 a**6 * (sum(a ** (2 * (3 - k)) * e[k] ** 2 for k in range(4))
                         + 2 * a**6 * e[0] ** 2), "derived"),
        Identity("SGD keeps the GD mean: E e_1' = (1 − ηa^{2(L−1)})e_1", mean_step,
                 (1 - eta * a**6) * e[0], "derived"),
        Identity("η_ℓ ∝ a^{−(L−ℓ)} equalises the layers' convergence", q_grad[0], q_grad[1],
                 "derived", expect_equal=False,
                 note="factors 1 − ca^{L−ℓ}: the spread a^{2(L−ℓ)} is only square-rooted"),
        Identity("η_ℓ ∝ a^{−2(L−ℓ)} equalises it", q_curv[0], q_curv[1], "derived"),
        Identity("one η: layer 1 needs a^{−2(L−1)} times layer L's steps", slow_global,
                 a**-6, "derived"),
        Identity("η_ℓ ∝ a^{−(L−ℓ)}: still a^{−(L−1)} times", slow_grad, a**-3, "derived"),
        Identity("vanishing gains a = 1/(1 + v) < 1: later layers faster", sp.sign(
            trend.subs(a, 1 / (1 + v))), sp.Integer(1), "derived"),
        Identity("'early layers might learn very slowly while later layers change rapidly' "
                 "with exploding gains a = 1 + v > 1", sp.sign(trend.subs(a, 1 + v)),
                 sp.Integer(1), "stated", expect_equal=False,
                 note="the pattern reverses: early layers are the fast ones"),
        Identity("E ln|z| for z ~ N(0, 1)", log_mean, -(sp.EulerGamma + sp.log(2)) / 2,
                 "derived"),
        Identity("det(I − M) = Π2u_ℓ(1 − u_ℓ)·(1 − Σu_ℓ/(2(1 − u_ℓ))), u_ℓ = η_ℓa^{2(L−ℓ)}",
                 (sp.eye(3) - moment_map).det(method="berkowitz"), lemma, "derived",
                 note="mean-square stable iff Σu_ℓ/(2(1 − u_ℓ)) < 1"),
        Identity("equalised rates lose mean-square stability at f = 1/(L + 2)", ms_limit,
                 sp.Rational(1, 5), "derived", note="L = 3; the model checks L = 6 and 8"),
    )
    return Derivation(steps, identities)
