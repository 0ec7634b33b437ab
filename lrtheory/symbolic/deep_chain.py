"""A deep chain of scalar layers, symbolically: where per-layer gradient scales come from.

Layer ℓ = 1, …, L computes z_ℓ = u_ℓh_{ℓ−1} + w_ℓx_ℓ and h_ℓ = φ(z_ℓ) (h₀ = 0), and the
output is f = h_L: u_ℓ is the weight from the previous layer, w_ℓ the weight on layer ℓ's
own input x_ℓ, φ any activation (:func:`deep_chain`). By the chain rule
∂f/∂w_ℓ = [Π_{k>ℓ} u_kφ'(z_k)]·φ'(z_ℓ)x_ℓ: the product of the *gains* a_k = u_kφ'(z_k)
(weight × activation slope) of the layers above ℓ. :func:`linear_chain` is the chain with
one gain a and unit local factors, h_ℓ = ah_{ℓ−1} + w_ℓx_ℓ, so f = Σ a^{L−ℓ}w_ℓx_ℓ: its
loss over x ~ N(0, I) and its per-example SGD moments are exact polynomial expectations
(:func:`lrtheory.symbolic.moments.expectation`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

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
