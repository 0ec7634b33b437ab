"""The same rules on the quadratics of a class, and the closed forms the certificates test.

**Worst quadratic of a class.** On f(x) = ½ Σ λ_i x_i² (λ_i ∈ [μ, L]; x* = 0) a rule of
:mod:`lrtheory.certify.rules` acts on each eigen-direction separately, x_{n,i} = P_n(λ_i)x_{0,i},
and every measure is a sum over directions with weights w(λ) (1 for ‖x‖², λ/2 for f − f*, λ²
for ‖∇f‖²). Its worst case with Σ w₀(λ_i)x_{0,i}² ≤ 1 therefore puts the whole start on one
direction: sup over λ of w(λ)P_n(λ)²/w₀(λ). :func:`quadratic_worst` runs the rule itself on
an array of curvatures (a grid over [μ, L], log-spaced over (0, L] when μ = 0, refined
around each maximiser) — a lower estimate of the supremum that includes both ends of
[μ, L], where the supremum of the rules here usually sits.

**Closed forms, derived.** :func:`gd_minimax` derives η* = 2/(L + μ) and the rate (L − μ)/(L +
μ) from the per-direction factor 1 − ηλ (:mod:`lrtheory.symbolic.linear`), so the
strongly convex cross-check ((L − μ)/(L + μ))^{2n} is SymPy's result, not typed;
:func:`gd_quadratic_gap` is the worst quadratic for GD at η = 1/L, h(1 − h)^{2n}/2 at h* =
1/(2n + 1), derived in :mod:`lrtheory.symbolic.acceleration` (claim M9), which Drori &
Teboulle's tight bound L‖x₀ − x*‖²/(4n + 2) over the whole smooth convex class exceeds by
(1 + 1/(2n))^{2n} → e.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.certify.classes import (
    FunctionClass,
    Initial,
    Measure,
    SmoothConvex,
    SmoothStronglyConvex,
)
from lrtheory.certify.rules import HeavyBall, Nesterov, Rule
from lrtheory.errors import ParameterError, check_int
from lrtheory.optimizers import heavy_ball, nesterov

_WEIGHTS = {"distance": 0, "function_gap": 1, "gradient_norm": 2}


def _weight(kind: str, lam: np.ndarray) -> np.ndarray:
    """w(λ) of a measure or initial condition: 1, λ/2, λ²."""
    k = _WEIGHTS[kind]
    return np.ones_like(lam) if k == 0 else (lam / 2 if k == 1 else lam**2)


def _values(rule: Rule, lam: np.ndarray, n_max: int, measure: Measure,
            initial: Initial) -> np.ndarray:
    """measure/initial after n = 1 … n_max steps for every curvature: shape (n_max, *lam)."""
    xs = rule.iterates(np.ones_like(lam), lambda x: lam * x, n_max)
    w0 = _weight(initial, lam)
    out = []
    for n in range(1, n_max + 1):
        path = np.stack(xs[: n + 1])
        if measure == "average_gap":
            value = lam * path.mean(axis=0) ** 2 / 2
        elif measure == "best_gap":
            value = np.min(lam * path**2 / 2, axis=0)
        else:
            value = _weight(measure, lam) * xs[n] ** 2
        out.append(value / w0)
    return np.asarray(out)


def quadratic_worst(rule: Rule, function_class: FunctionClass, ns: Sequence[int],
                    measure: Measure = "distance", initial: Initial = "distance",
                    points: int = 2001, refine: int = 65) -> tuple[float, ...]:
    """sup over the class's quadratics of ``measure`` after each n of ``ns`` (``initial`` ≤
    1), by running ``rule`` on a grid of curvatures and refining around each maximiser.

    The Lipschitz class has no quadratics (ParameterError)."""
    if not isinstance(function_class, SmoothConvex | SmoothStronglyConvex):
        raise ParameterError("function_class", function_class,
                             "a smooth class (its quadratics have curvatures in [μ, L])")
    n_list = [check_int("ns", int(n), 1) for n in ns]
    points, refine = check_int("points", points, 3), check_int("refine", refine, 3)
    L, mu = function_class.L, function_class.mu
    grid = np.linspace(mu, L, points) if mu > 0 else np.geomspace(L * 1e-9, L, points)
    n_max = max(n_list)
    coarse = _values(rule, grid, n_max, measure, initial)  # (n_max, points)
    best = np.argmax(coarse, axis=1)
    lo, hi = grid[np.maximum(best - 1, 0)], grid[np.minimum(best + 1, points - 1)]
    fine = np.linspace(lo, hi, refine, axis=1)  # (n_max, refine): row n around its maximiser
    refined = _values(rule, fine, n_max, measure, initial)  # (n_max, n_max, refine)
    rows = np.arange(n_max)
    top = np.maximum(coarse[rows, best], refined[rows, rows].max(axis=1))
    return tuple(float(top[n - 1]) for n in n_list)


@cache
def _characteristic(kind: str) -> Any:
    """(c₁, c₀)(η, λ, β) of P(z) = z² + c₁z + c₀, the characteristic polynomial of one step
    of ``heavy_ball`` or ``nesterov`` on λθ²/2 — the Jacobian of the rule itself
    (:func:`lrtheory.symbolic.update_maps.characteristic_polynomial`)."""
    from lrtheory.symbolic.update_maps import characteristic_polynomial

    theta, v, z = sp.symbols("theta v z")
    eta, lam, beta = sp.symbols("eta lambda beta", positive=True)
    if kind == "heavy ball":
        def step(th: Any, vel: Any) -> Any:
            return heavy_ball(th, vel, lam * th, eta, beta)
    else:
        def step(th: Any, vel: Any) -> Any:
            return nesterov(th, vel, lambda y: lam * y, eta, beta)
    poly = sp.Poly(characteristic_polynomial(step, (theta, v), z), z)
    one, c1, c0 = poly.all_coeffs()
    if one != 1:  # pragma: no cover - det(zI − M) is monic
        raise ValueError(f"expected a monic polynomial, got {poly}")
    return sp.lambdify((eta, lam, beta), (c1, c0), "numpy")


def spectral_rate(rule: HeavyBall | Nesterov, function_class: SmoothStronglyConvex,
                  points: int = 4001) -> float:
    """max over λ ∈ [μ, L] of the spectral radius of the rule's step on λθ²/2: its
    asymptotic contraction per step on the class's quadratics (a grid with both ends;
    β must be one number)."""
    if isinstance(rule.beta, tuple):
        raise ParameterError("beta", rule.beta, "one momentum for every step")
    from lrtheory.symbolic.jury import quadratic_radius

    lam = np.linspace(function_class.mu, function_class.L, check_int("points", points, 2))
    c1, c0 = _characteristic(rule.name)(rule.eta, lam, rule.beta)
    return float(np.max(quadratic_radius(c1 * np.ones_like(lam), c0 * np.ones_like(lam))))


@cache
def gd_minimax() -> tuple[sp.Expr, sp.Expr, tuple[sp.Symbol, sp.Symbol]]:
    """(η*, ρ*, (μ, L)): the step minimising max over λ ∈ [μ, L] of |1 − ηλ| and that
    rate, (L − μ)/(L + μ), derived from the per-direction factor (claim S1's derivation)."""
    from lrtheory.symbolic.linear import direction_factor, equal_modulus_point

    eta, lam = sp.symbols("eta lambda", positive=True)
    mu, big_l = sp.symbols("mu L", positive=True)
    factor = direction_factor(eta, lam)
    eta_star = equal_modulus_point(factor, eta, lam, mu, big_l)
    rate = sp.factor(sp.simplify(-factor.subs({eta: eta_star, lam: big_l})))
    return eta_star, rate, (mu, big_l)


def gd_minimax_values(L: float, mu: float) -> tuple[float, float]:
    """(η*, ρ*) of :func:`gd_minimax` at numbers."""
    eta_star, rate, (m, big_l) = gd_minimax()
    at = {m: mu, big_l: L}
    return float(eta_star.subs(at)), float(rate.subs(at))


def gd_rate(eta: float, L: float, mu: float) -> float:
    """max over λ ∈ [μ, L] of |1 − ηλ| (the factor is affine in λ: the ends), from
    :func:`lrtheory.symbolic.linear.direction_factor`."""
    from lrtheory.symbolic.linear import direction_factor

    e, lam = sp.symbols("eta lambda", positive=True)
    q = sp.lambdify((e, lam), direction_factor(e, lam))
    return float(max(abs(q(eta, mu)), abs(q(eta, L))))


@cache
def _gd_gap_form() -> Any:
    from lrtheory.symbolic.acceleration import T
    from lrtheory.symbolic.acceleration import derived as acceleration

    return sp.lambdify(T, acceleration()["gd_envelope"], "math")


def gd_quadratic_gap(n: int, L: float = 1.0) -> float:
    """The worst quadratic's f(x_n) − f* for GD at η = 1/L with ‖x₀ − x*‖ ≤ 1:
    L·h*(1 − h*)^{2n}/2, h* = 1/(2n + 1) (derived, claim M9)."""
    return L * float(_gd_gap_form()(check_int("n", n, 1)))


def drori_teboulle(n: int, L: float = 1.0) -> float:
    """Drori & Teboulle's tight worst case of GD at η = 1/L over L-smooth convex functions,
    L‖x₀ − x*‖²/(4n + 2) (their Theorem 3.1 with h = 1; a published closed form, which the
    certificate reproduces)."""
    return L / (4 * check_int("n", n, 1) + 2)
