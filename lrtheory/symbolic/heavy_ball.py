"""Heavy-ball momentum on a quadratic, derived from the update rule: polynomial, damping, minimax.

On one eigen-direction f(θ) = λθ²/2 either convention of the heavy ball
(:func:`lrtheory.optimizers.heavy_ball`, v ← βv + g, θ ← θ − ηv, or
:func:`~lrtheory.optimizers.heavy_ball_lr_in_velocity`, v ← βv + ηg, θ ← θ − v) is a linear map
s_{t+1} = M s_t of s = (θ, v). :func:`heavy_ball_matrix` computes M as the Jacobian of one step
of the rule itself, and :func:`heavy_ball_polynomial` its characteristic polynomial

    P(z) = det(zI − M) = z² − (1 + β − ηλ) z + β,

which depends on η and λ only through h = ηλ. From P:

* :func:`heavy_ball_discriminant` D = (1 + β − h)² − 4β: real roots for D ≥ 0, a complex pair
  of modulus √β (Vieta: z z̄ = β) for D < 0;
* :func:`critical_beta` β_c = (1 − √h)², the smaller root of D = 0 in β (critical damping:
  the double root z = 1 − √h);
* :func:`polyak_minimax` the (η, β) that minimise max over λ ∈ [μ, L] of the spectral radius,
  solved from them.

Two exact statistics of a random, rotation-invariant initial state of a 2-D linear recursion
(what the claims' Monte Carlo checks predict) close the module:
:func:`sign_change_probability` and :func:`growth_probability`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from lrtheory.errors import ParameterError, check_int
from lrtheory.models.linear_rate import RateBracket
from lrtheory.models.linear_rate import rate_bracket as _bracket
from lrtheory.optimizers import heavy_ball
from lrtheory.symbolic.jury import affine_root, radius_conditions
from lrtheory.symbolic.update_maps import characteristic_polynomial, update_matrix

Rule = Callable[..., Sequence[Any]]
"""A heavy-ball rule (θ, v, g, η, β) → (θ', v') from :mod:`lrtheory.optimizers`."""

THETA, V = sp.symbols("theta v", real=True)
BETA_REAL = sp.Symbol("beta", real=True)


def _on_quadratic(rule: Rule, eta: sp.Expr, lam: sp.Expr, beta: sp.Expr) -> Callable[..., Any]:
    """One step of ``rule`` on f(θ) = λθ²/2 (gradient λθ), as a map of the state (θ, v)."""
    return lambda theta, v: rule(theta, v, lam * theta, eta, beta)


@cache
def _generic(rule: Rule) -> tuple[sp.Matrix, sp.Expr, tuple[sp.Symbol, ...]]:
    """M and det(zI − M) of ``rule`` on λθ²/2 over generic real symbols (η, λ, β, z), derived
    once per rule; the public functions substitute the caller's values."""
    eta, lam, beta, z = sp.symbols("eta_ lambda_ beta_ z_", real=True)
    step = _on_quadratic(rule, eta, lam, beta)
    return (update_matrix(step, (THETA, V)), characteristic_polynomial(step, (THETA, V), z),
            (eta, lam, beta, z))


def heavy_ball_matrix(eta: Any, lam: Any, beta: Any, rule: Rule = heavy_ball) -> sp.Matrix:
    """M = ∂(θ', v')/∂(θ, v) of one step of ``rule`` on λθ²/2 (convention A:
    [[1 − ηλ, −βη], [λ, β]]; convention B: [[1 − ηλ, −β], [ηλ, β]])."""
    matrix, _, (e, lm, b, _) = _generic(rule)
    return sp.Matrix(matrix.subs({e: eta, lm: lam, b: beta}, simultaneous=True))


@cache  # SymPy objects are immutable and hashable; derivations ask for the same ones
def heavy_ball_polynomial(eta: Any, lam: Any, beta: Any, z: sp.Symbol,
                          rule: Rule = heavy_ball) -> sp.Expr:
    """det(zI − M) for ``rule`` on λθ²/2: z² − (1 + β − ηλ)z + β for both conventions."""
    _, poly, (e, lm, b, zz) = _generic(rule)
    return sp.collect(sp.expand(poly.subs({e: eta, lm: lam, b: beta, zz: z},
                                          simultaneous=True)), z)


@cache
def heavy_ball_discriminant(eta: Any, lam: Any, beta: Any) -> sp.Expr:
    """The discriminant in z of :func:`heavy_ball_polynomial`: (1 + β − ηλ)² − 4β."""
    e, lm, b = _generic(heavy_ball)[2][:3]
    return sp.expand(_generic_discriminant().subs({e: eta, lm: lam, b: beta}, simultaneous=True))


@cache
def _generic_discriminant() -> sp.Expr:
    _, poly, (_, _, _, z) = _generic(heavy_ball)
    return sp.expand(sp.discriminant(poly, z))


def _positive(name: str, value: Any) -> sp.Expr:
    x = sp.sympify(value)
    if x.is_positive is not True:
        raise ParameterError(name, value, "a positive number or an expression known to be > 0")
    return x


@cache
def _critical_roots(h: sp.Expr) -> tuple[sp.Expr, ...]:
    # P depends on η and λ only through ηλ, so η = h, λ = 1 gives the general case.
    return tuple(sp.roots(sp.Poly(heavy_ball_discriminant(h, 1, BETA_REAL), BETA_REAL)))


def critical_beta(eta_lam: Any) -> sp.Expr:
    """β_c(h) = (1 − √h)²: the smaller root in β of the discriminant D(h, β) = 0, derived.

    At β_c the characteristic polynomial has the double root z = 1 − √h; β_c ∈ [0, 1) for
    0 < h < 4 (the other root (1 + √h)² exceeds 1). ``eta_lam`` is h = ηλ: a positive number
    or a SymPy expression known to be positive (e.g. a product of positive symbols).
    """
    h = _positive("eta_lam", eta_lam)
    roots = _critical_roots(h)
    smaller = [r for r in roots if all(sp.expand(o - r).is_nonnegative for o in roots)]
    if len(smaller) != 1:  # pragma: no cover - two roots (1 ± √h)² for every h > 0
        raise ValueError(f"cannot order the roots {roots} of the discriminant")
    return sp.factor(smaller[0])


class Minimax(NamedTuple):
    """Polyak's heavy-ball parameters for curvatures in [μ, L], with the derivation."""

    rate: sp.Expr  #: min over (η, β) of max over λ ∈ [μ, L] of the spectral radius
    beta: sp.Expr
    eta: sp.Expr
    lower: sp.Expr  #: ρ(h) < r needs h > lower(β, r)
    upper: sp.Expr  #: ... and h < upper(β, r)
    feasibility: sp.Expr  #: κ·lower − upper at β = r²: an η exists iff it is < 0


@cache
def polyak_minimax(mu: sp.Symbol, big_l: sp.Symbol) -> Minimax:
    """Minimise over (η, β) the worst spectral radius over λ ∈ [μ, L], from Jury's conditions.

    ρ(ηλ) < r ⟺ β < r², h > lower = (1 − r)(1 − β/r) and h < upper = (1 + r)(1 + β/r)
    (:func:`radius_conditions`, solved for h). Every λ ∈ [μ, L] satisfies them iff
    ημ > lower and ηL < upper, and such an η exists iff κ·lower < upper (κ = L/μ). The
    ratio lower/upper falls as β grows, so the best β is the limit β → r²; there the
    condition κ(1 − r)² < (1 + r)² fixes the least r, and ημ = lower, ηL = upper give η.
    Solved in s = √κ (the roots are then rational in s); the results are in μ and L.
    """
    z, h = sp.Symbol("z"), sp.Symbol("h", real=True)
    r, beta, kappa, s = sp.symbols("r beta kappa s", positive=True)
    conds = radius_conditions(heavy_ball_polynomial(h, 1, beta, z), z, r)
    # The conditions linear in h, solved for h: a positive coefficient of h gives h > bound.
    linear = [c for c in conds if sp.degree(sp.numer(sp.together(c)), h) == 1]
    bounds = {sp.sign(sp.diff(c, h)): sp.cancel(affine_root(c, h)[0]) for c in linear}
    lower, upper = bounds[sp.Integer(1)], bounds[sp.Integer(-1)]
    feasibility = sp.expand((kappa * lower - upper).subs(beta, r**2))
    d = sp.Symbol("d", positive=True)  # s = 1 + d > 1 lets SymPy decide 0 < r < 1
    roots = [x for x in sp.roots(sp.Poly(feasibility.subs(kappa, s**2), r))
             if sp.cancel(x.subs(s, 1 + d)).is_positive
             and sp.cancel(x.subs(s, 1 + d) - 1).is_negative]
    if len(roots) != 1:  # pragma: no cover
        raise ValueError(f"expected one rate in (0, 1), found {roots}")
    rate = sp.cancel(sp.together(sp.factor(roots[0]).subs(s, sp.sqrt(big_l) / sp.sqrt(mu))))
    eta = sp.factor(sp.together(sp.factor(lower.subs(beta, r**2)).subs(r, rate) / mu))
    return Minimax(rate, rate**2, eta, lower, upper, feasibility)


# --------------------------------------------------------------------------------------
# Exact statistics of a rotation-invariant random initial state s ∈ R² (e.g. N(0, I))
# --------------------------------------------------------------------------------------


def _rows(rows: Any) -> np.ndarray:
    c = np.asarray(rows, dtype=float)
    if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 2 or not np.all(np.isfinite(c)):
        raise ParameterError("rows", rows, "a finite (T + 1, 2) array, T ≥ 1")
    if np.any(np.all(c == 0, axis=1)):
        raise ParameterError("rows", rows, "rows that are not zero (x_t = c_t·s ≠ 0)")
    return c


def sign_change_probability(rows: Any, k: int) -> float:
    """P(the sequence x_t = c_t · s, t = 0…T, changes sign at least k times) for s uniform in
    direction (any rotation-invariant law, e.g. N(0, I)); c_t = e₁ᵀMᵗ are the rows given.

    With s = (cos φ, sin φ), x_t = |c_t| cos(φ − α_t) changes sign only where φ crosses
    α_t ± π/2, so the count of sign changes is constant on the arcs between those points:
    the probability is the total length of the arcs with ≥ k changes over 2π — exact.
    """
    c = _rows(rows)
    k = check_int("k", k, 0)
    alpha = np.arctan2(c[:, 1], c[:, 0])
    cuts = np.sort(np.mod(np.concatenate([alpha + np.pi / 2, alpha - np.pi / 2]), 2 * np.pi))
    edges = np.concatenate([cuts, [cuts[0] + 2 * np.pi]])
    mid = 0.5 * (edges[:-1] + edges[1:])
    signs = np.sign(np.cos(mid[:, None] - alpha[None, :]))
    changes = np.sum(signs[:, 1:] != signs[:, :-1], axis=1)
    return float(np.sum(np.diff(edges)[changes >= k]) / (2 * np.pi))


def growth_probability(matrix: Any, margin: float = 0.0) -> float:
    """P(‖A s‖² − ‖s‖² > margin·‖s‖²) for s uniform in direction in R², exact: with
    a₁ ≥ a₂ the eigenvalues of AᵀA − (1 + margin)I it is 0 if a₁ ≤ 0, 1 if a₂ ≥ 0, else
    (2/π)·arctan √(a₁/−a₂) (the double cone a₁cos²φ + a₂sin²φ > 0). ``margin`` = 0 is
    "the state grew"; ±δ bracket the effect of an error δ‖s‖² in the comparison."""
    a = np.asarray(matrix, dtype=float)
    if a.shape != (2, 2) or not np.all(np.isfinite(a)):
        raise ParameterError("matrix", matrix, "a finite 2×2 array")
    a2, a1 = np.linalg.eigvalsh(a.T @ a - (1.0 + margin) * np.eye(2))
    if a1 <= 0:
        return 0.0
    if a2 >= 0:
        return 1.0
    return 2.0 / math.pi * math.atan(math.sqrt(a1 / -a2))


# --------------------------------------------------------------------------------------
# Exact powers of the derived matrix at float parameters (every float is a rational)
# --------------------------------------------------------------------------------------


@cache
def _matrix_function(rule: Rule) -> Callable[..., Any]:
    eta, lam, beta = sp.symbols("eta lambda beta", real=True)
    return sp.lambdify(  # type: ignore[no-any-return]
        (eta, lam, beta), heavy_ball_matrix(eta, lam, beta, rule), "sympy")


def _exact_matrix(eta: float, lam: float, beta: float, rule: Rule) -> list[list[Fraction]]:
    m = _matrix_function(rule)(*(sp.Rational(float(x)) for x in (eta, lam, beta)))
    return [[Fraction(int(sp.numer(e)), int(sp.denom(e))) for e in row] for row in m.tolist()]


def exact_rows(eta: float, lam: float, beta: float, steps: int,
               rule: Rule = heavy_ball) -> np.ndarray:
    """Rows c_t = e₁ᵀMᵗ, t = 0…T, of the derived update matrix at these float parameters,
    computed in exact rational arithmetic and rounded once: θ_t = c_t · (θ₀, v₀)."""
    steps = check_int("steps", steps, 1)
    m = _exact_matrix(eta, lam, beta, rule)
    row = [Fraction(1), Fraction(0)]
    rows = [row]
    for _ in range(steps):
        row = [row[0] * m[0][j] + row[1] * m[1][j] for j in range(2)]
        rows.append(row)
    return np.array([[float(x) for x in r] for r in rows])


def exact_power(eta: float, lam: float, beta: float, steps: int,
                rule: Rule = heavy_ball) -> np.ndarray:
    """Mᵀ (T = ``steps``) of the derived update matrix at these float parameters, in exact
    rational arithmetic (binary powering), rounded once to float64."""
    steps = check_int("steps", steps, 0)
    m = _exact_matrix(eta, lam, beta, rule)
    result = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]

    def mul(a: list[list[Fraction]], b: list[list[Fraction]]) -> list[list[Fraction]]:
        return [[a[i][0] * b[0][j] + a[i][1] * b[1][j] for j in range(2)] for i in range(2)]

    while steps:
        if steps & 1:
            result = mul(result, m)
        m = mul(m, m)
        steps >>= 1
    return np.array([[float(x) for x in r] for r in result])


# --------------------------------------------------------------------------------------
# Numerical companions: the rule's own matrix, the derived radius, measured rates
# --------------------------------------------------------------------------------------


def numeric_matrix(eta: float, lam: Any, beta: float, rule: Rule = heavy_ball) -> np.ndarray:
    """M by running one step of ``rule`` (NumPy floats) from the basis states (1, 0), (0, 1):
    independent of SymPy. Vectorised over an array of curvatures λ; shape (*λ.shape, 2, 2)."""
    lam = np.asarray(lam, dtype=float)
    one, zero = np.ones_like(lam), np.zeros_like(lam)
    cols = [rule(t, v, lam * t, eta, beta) for t, v in ((one, zero), (zero, one))]
    return np.stack([np.stack([cols[0][i], cols[1][i]], -1) for i in range(2)], -2)


def numeric_radius(pairs: Sequence[tuple[float, float]], lam: Any,
                   rule: Rule = heavy_ball) -> np.ndarray:
    """The numerical spectral radius (eigenvalues of :func:`numeric_matrix`, no SymPy) for
    each (η, β) pair and curvature: shape (len(pairs), *λ.shape), one batched eigvals call."""
    stack = np.stack([numeric_matrix(eta, lam, beta, rule) for eta, beta in pairs])
    radius: np.ndarray = np.max(np.abs(np.linalg.eigvals(stack)), axis=-1)
    return radius


@cache
def derived_roots() -> tuple[sp.Expr, sp.Expr, sp.Symbol, sp.Symbol]:
    """The two roots z± of z² − (1 + β − h)z + β, solved by SymPy (h = ηλ), with h and β."""
    h, beta, z = sp.Symbol("h", positive=True), sp.Symbol("beta", nonnegative=True), \
        sp.Symbol("z")
    plus, minus = sorted(sp.roots(sp.Poly(heavy_ball_polynomial(h, 1, beta, z), z)),
                         key=lambda r: float(sp.re(r.subs({h: sp.Rational(1, 10), beta: 0}))),
                         reverse=True)
    return plus, minus, h, beta


@cache
def _radius_function() -> Callable[..., Any]:
    plus, minus, h, beta = derived_roots()
    return sp.lambdify((h, beta), (plus, minus), "numpy")  # type: ignore[no-any-return]


def derived_radius(eta_lam: Any, beta: Any) -> np.ndarray:
    """max |z±| of the *derived* roots, evaluated in complex arithmetic (so the complex pair
    of modulus √β and the real roots come from the same expressions). Broadcasts."""
    h = np.asarray(eta_lam, dtype=complex)
    b = np.asarray(beta, dtype=complex)
    plus, minus = _radius_function()(h, b)
    radius: np.ndarray = np.maximum(np.abs(plus), np.abs(minus))
    return radius


def rate_bracket(eta: float, lam: Any, beta: float, steps: int,
                 rule: Rule = heavy_ball) -> RateBracket:
    """Run ``rule`` on λθ²/2 for T steps from both basis states (vectorised over an array of
    curvatures λ; the rules take scalar η and β) and bracket the measured rate by the
    numerical eigenvalues and Henrici's bound; ``rounding`` bounds float64 error in r_T: per
    step a 2-term dot product per entry (≤ 2^{3/2}ε‖|M|‖/ρ relative, as in S1's bound), 2ε
    for the norm, 2ε/T."""
    lam = np.asarray(lam, dtype=float)
    steps = check_int("steps", steps, 1)

    def step(s: tuple[np.ndarray, ...]) -> Sequence[np.ndarray]:
        return rule(s[0], s[1], lam * s[0], eta, beta)

    return _bracket(step, numeric_matrix(eta, lam, beta, rule), steps)


def sign_rounding_bound(eta: float, lam: float, beta: float, steps: int,
                        rule: Rule = heavy_ball) -> float:
    """A bound on the probability that float64 rounding flips the sign of some θ_t, t ≤ T,
    in a run from a direction-uniform s₀ (what :func:`sign_change_probability` predicts).

    Each step adds an error r_u with ‖r_u‖ ≤ 4ε‖|M|‖_F‖s_u‖ ≤ 4ε‖|M|‖_F‖Mᵘ‖‖s₀‖, which
    reaches θ_t as c_{t−1−u}·r_u (c_k = e₁ᵀMᵏ); so |error of θ_t| ≤ δ_t‖s₀‖ with
    δ_t = 4ε‖|M|‖_F Σ_{u<t} |c_{t−1−u}|‖Mᵘ‖. A sign can flip only if |c_t·s₀| ≤ δ_t‖s₀‖,
    of probability (2/π)·arcsin(δ_t/|c_t|) for a uniform direction; summed over t (union).
    """
    steps = check_int("steps", steps, 1)
    m = numeric_matrix(eta, lam, beta, rule)
    powers = [np.eye(2)]
    for _ in range(steps):
        powers.append(powers[-1] @ m)
    norms = np.array([np.linalg.norm(p, 2) for p in powers])
    rows = np.array([np.linalg.norm(p[0]) for p in powers])
    size = float(np.linalg.norm(np.abs(m)))
    eps = float(np.finfo(float).eps)
    total = 0.0
    for t in range(1, steps + 1):
        delta = 4 * eps * size * float(np.sum(rows[:t][::-1] * norms[:t]))
        ratio = delta / rows[t] if rows[t] > 0 else 1.0
        total += 2 / math.pi * math.asin(min(1.0, ratio))
    return min(1.0, total)
