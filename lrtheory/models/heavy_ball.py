"""Heavy-ball momentum on λθ²/2, numerically: the rule's matrix, derived radii, runs, exact
powers and exact statistics of random starts.

The symbolic side (matrix, polynomial, critical damping, Polyak's minimax) is
:mod:`lrtheory.symbolic.heavy_ball`; this module evaluates it and runs the rules of
:mod:`lrtheory.optimizers` (either convention, ``rule``):

* :func:`numeric_matrix` runs one step from the basis states (no SymPy);
  :func:`derived_radius` evaluates the derived roots in NumPy (figures, grids) and
  :func:`precise_radius` in 60-digit arithmetic (checks);
* :func:`rate_band` and :func:`edge_check` compare runs with the derived radius and edge by
  the one-sided brackets of :mod:`lrtheory.models.rate_checks`;
* :func:`exact_power` / :func:`exact_rows` compute Mᵀ in exact rational arithmetic;
* :func:`sign_change_probability` and :func:`growth_probability` are exact statistics of a
  direction-uniform start of any 2-D linear recursion; :func:`sign_rounding_bound` bounds
  how often float64 rounding can change the first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models.linear_rate import LinearStep
from lrtheory.models.rate_checks import (
    ParametrisedStep,
    RateBand,
    precise_quadratic_radius,
    step_rounding,
    threshold_check,
)
from lrtheory.models.rate_checks import rate_band as _rate_band
from lrtheory.optimizers import heavy_ball
from lrtheory.symbolic.heavy_ball import (
    Rule,
    derived_roots,
    heavy_ball_discriminant,
    heavy_ball_matrix,
    heavy_ball_polynomial,
)

EPS = float(np.finfo(float).eps)


def _rule(rule: Any) -> Rule:
    if not callable(rule):
        raise ParameterError("rule", rule, "a heavy-ball rule (θ, v, g, η, β) → (θ', v')")
    return rule  # type: ignore[no-any-return]


def _check(eta: Any, lam: Any, beta: Any) -> tuple[float, np.ndarray, float]:
    """η in (0, ∞), λ a finite real array (or number), β in [0, 1): the rules' ranges."""
    eta = check_positive("eta", eta)
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    lam_a = float_array("lam", lam)
    if not np.all(np.isfinite(lam_a)):
        raise ParameterError("lam", lam, "finite real curvatures")
    return eta, lam_a, beta


# --------------------------------------------------------------------------------------
# The rule's matrix, the derived radius
# --------------------------------------------------------------------------------------


def numeric_matrix(eta: float, lam: Any, beta: float, rule: Rule = heavy_ball) -> np.ndarray:
    """M by running one step of ``rule`` (NumPy floats) from the basis states (1, 0), (0, 1):
    independent of SymPy. Vectorised over an array of curvatures λ; shape (*λ.shape, 2, 2)."""
    eta, lam, beta = _check(eta, lam, beta)
    one, zero = np.ones_like(lam), np.zeros_like(lam)
    cols = [rule(t, v, lam * t, eta, beta) for t, v in ((one, zero), (zero, one))]
    return np.stack([np.stack([cols[0][i], cols[1][i]], -1) for i in range(2)], -2)


def numeric_radius(pairs: Sequence[tuple[float, float]], lam: Any,
                   rule: Rule = heavy_ball) -> np.ndarray:
    """The numerical spectral radius (eigenvalues of :func:`numeric_matrix`, no SymPy) for
    each (η, β) pair and curvature: shape (len(pairs), *λ.shape), one batched eigvals call."""
    if len(pairs) == 0:
        raise ParameterError("pairs", pairs, "at least one (η, β) pair")
    stack = np.stack([numeric_matrix(eta, lam, beta, rule) for eta, beta in pairs])
    radius: np.ndarray = np.max(np.abs(np.linalg.eigvals(stack)), axis=-1)
    return radius


@cache
def _radius_function() -> Callable[..., Any]:
    plus, minus, h, beta = derived_roots()
    return sp.lambdify((h, beta), (plus, minus), "numpy")  # type: ignore[no-any-return]


def derived_radius(eta_lam: Any, beta: Any) -> np.ndarray:
    """max |z±| of the *derived* roots, evaluated in complex arithmetic (so the complex pair
    of modulus √β and the real roots come from the same expressions). Broadcasts over
    h = ηλ ≥ 0 and β ∈ [0, 1). Near a double root it errs by up to ~√ε (a square root of a
    cancelling discriminant): use :func:`precise_radius` for checks."""
    h, b = float_array("eta_lam", eta_lam), float_array("beta", beta)
    if not np.all(np.isfinite(h)) or np.any(h < 0):
        raise ParameterError("eta_lam", eta_lam, "finite and ≥ 0")
    if not np.all(np.isfinite(b)) or np.any(b < 0) or np.any(b >= 1):
        raise ParameterError("beta", beta, "in [0, 1)")
    plus, minus = _radius_function()(h.astype(complex), b.astype(complex))
    radius: np.ndarray = np.maximum(np.abs(plus), np.abs(minus))
    return radius


@cache
def _coefficients(rule: Rule) -> tuple[sp.Expr, sp.Expr, tuple[sp.Symbol, ...]]:
    eta, lam, beta, z = sp.symbols("eta lambda beta z", real=True)
    poly = sp.Poly(heavy_ball_polynomial(eta, lam, beta, z, rule), z)
    _, c1, c0 = poly.all_coeffs()
    return c1, c0, (eta, lam, beta)


def precise_radius(eta: float, lam: Any, beta: float,
                   rule: Rule = heavy_ball) -> tuple[np.ndarray, np.ndarray]:
    """(ρ, error bound): the radius of ``rule``'s derived polynomial z² − (1 + β − ηλ)z + β
    at these float parameters, in 60-digit arithmetic (ηλ exact), rounded once
    (:func:`~lrtheory.models.rate_checks.precise_quadratic_radius`). Vectorised over λ."""
    eta, lam_a, beta = _check(eta, lam, beta)
    c1, c0, symbols = _coefficients(_rule(rule))
    return precise_quadratic_radius(c1, c0, symbols, eta, lam_a, beta)


# --------------------------------------------------------------------------------------
# Runs of the rule against the derived radius and edge
# --------------------------------------------------------------------------------------


@cache
def parametrised(rule: Rule) -> ParametrisedStep:
    """One step of ``rule`` on λθ²/2 as ``step(state, η, λ, β)`` (runs on arrays and on
    SymPy symbols alike; one object per rule, so its rounding analysis is cached)."""
    rule = _rule(rule)

    def step(s: Sequence[Any], eta: Any, lam: Any, beta: Any) -> Sequence[Any]:
        return rule(s[0], s[1], lam * s[0], eta, beta)

    return step


def run_step(eta: float, lam: Any, beta: float, rule: Rule = heavy_ball) -> LinearStep:
    """One step of ``rule`` on the state (θ, v), vectorised over the curvatures λ."""
    eta, lam_a, beta = _check(eta, lam, beta)
    step = parametrised(rule)
    return lambda s: step(s, eta, lam_a, beta)


def step_error(eta: float, lam: Any, beta: float, rule: Rule = heavy_ball) -> np.ndarray:
    """Float64 error of one step of ``rule`` per unit ‖s‖ (:func:`step_rounding`), per λ."""
    eta, lam_a, beta = _check(eta, lam, beta)
    return step_rounding(parametrised(rule), 2, eta, lam_a, beta)


def rate_band(eta: float, lam: Any, beta: float, steps: int,
              rule: Rule = heavy_ball, rho: Any = None, rho_error: Any = None) -> RateBand:
    """Run ``rule`` on λθ²/2 for T steps from both basis states (vectorised over an array of
    curvatures) and bracket the measured rate between the derived ρ (by default
    :func:`precise_radius`) and Henrici's bound (:func:`~lrtheory.models.rate_checks.rate_band`)."""
    eta, lam_a, beta = _check(eta, lam, beta)
    if rho is None:
        rho, rho_error = precise_radius(eta, lam_a, beta, rule)
    return _rate_band(run_step(eta, lam_a, beta, rule), numeric_matrix(eta, lam_a, beta, rule),
                      rho, steps, step_error(eta, lam_a, beta, rule),
                      0.0 if rho_error is None else rho_error)


def edge_check(name: str, eta: float, beta: float, edge: float, rule: Rule = heavy_ball,
               steps: int = 200) -> ModelCheck:
    """The derived largest stable curvature ``edge`` at this η against the flip of r_T < 1
    found by a vectorised grid search over λ ∈ [0.75, 1.6]·edge
    (:func:`~lrtheory.models.rate_checks.threshold_check`: one-sided band, T doubled until
    the band is < 0.4 % of the edge)."""
    eta = check_positive("eta", eta)
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    edge = check_positive("edge", edge)
    return threshold_check(
        name, lambda lams: run_step(eta, lams, beta, rule),
        lambda lams: numeric_matrix(eta, lams, beta, rule),
        lambda lams: step_error(eta, lams, beta, rule), edge, 0.75 * edge, 1.6 * edge, steps)


# --------------------------------------------------------------------------------------
# Exact powers of the derived matrix at float parameters (every float is a rational)
# --------------------------------------------------------------------------------------


@cache
def _matrix_function(rule: Rule) -> Callable[..., Any]:
    eta, lam, beta = sp.symbols("eta lambda beta", real=True)
    return sp.lambdify(  # type: ignore[no-any-return]
        (eta, lam, beta), heavy_ball_matrix(eta, lam, beta, rule), "sympy")


def _exact_matrix(eta: float, lam: float, beta: float, rule: Rule) -> list[list[Fraction]]:
    eta = check_positive("eta", eta)
    lam = check_real("lam", lam)
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    m = _matrix_function(rule)(*(sp.Rational(x) for x in (eta, lam, beta)))
    return [[Fraction(int(sp.numer(e)), int(sp.denom(e))) for e in row] for row in m.tolist()]


@finite_result
def exact_rows(eta: float, lam: float, beta: float, steps: int,
               rule: Rule = heavy_ball) -> np.ndarray:
    """Rows c_t = e₁ᵀMᵗ, t = 0…T, of the derived update matrix at these float parameters
    (η > 0, λ finite, 0 ≤ β < 1), computed in exact rational arithmetic and rounded once:
    θ_t = c_t · (θ₀, v₀)."""
    steps = check_int("steps", steps, 1, MAX_STEPS)
    m = _exact_matrix(eta, lam, beta, rule)
    row = [Fraction(1), Fraction(0)]
    rows = [row]
    for _ in range(steps):
        row = [row[0] * m[0][j] + row[1] * m[1][j] for j in range(2)]
        rows.append(row)
    return np.array([[float(x) for x in r] for r in rows])


@finite_result
def exact_power(eta: float, lam: float, beta: float, steps: int,
                rule: Rule = heavy_ball) -> np.ndarray:
    """Mᵀ (T = ``steps``) of the derived update matrix at these float parameters (η > 0,
    λ finite, 0 ≤ β < 1), in exact rational arithmetic (binary powering), rounded once."""
    steps = check_int("steps", steps, 0, MAX_STEPS)
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


def sign_change_checks(eta: float, lam: float, beta: float, steps: int) -> list[ModelCheck]:
    """What the roots force on the sign changes of θ_t = c_t·s₀, t ≤ T, for *every* start,
    against :func:`sign_change_probability` of the exact rows c_t (no sampling): real
    positive roots, θ_t = a z₊ᵗ + b z₋ᵗ (or (a + bt)zᵗ), change sign at most once; a complex
    pair ρe^{±iω}, θ_t ∝ ρᵗcos(ωt + φ), changes sign n or n + 1 times, n = ⌊ωT/π⌋; real
    negative roots alternate except at ≤ 1 step, so ≥ T − 1 times. D and c = 1 + β − ηλ
    are decided exactly (the floats as rationals). All three follow from ω < π: each unit
    step holds at most one zero of the continuous solution."""
    rows = exact_rows(eta, lam, beta, steps)  # (validates the parameters)
    rat = [sp.Rational(x) for x in (eta, lam, beta)]
    disc = heavy_ball_discriminant(*rat)
    c = 1 + rat[2] - rat[0] * rat[1]
    if disc >= 0 and c > 0:
        events = [(2, 0.0, "real positive roots: at most one sign change")]
    elif disc >= 0 and c < 0:
        events = [(steps - 1, 1.0, "real negative roots: ≥ T − 1 sign changes")]
    elif disc >= 0:
        raise ParameterError("eta, lam, beta", (eta, lam, beta), "not the nilpotent case "
                             "ηλ = 1, β = 0 (θ_t = 0 after two steps)")
    else:
        omega = float(sp.atan2(sp.sqrt(-disc), c))
        n = int(omega * steps // np.pi)
        events = [(n, 1.0, f"complex roots, ω = {omega:.4g}: ≥ ⌊ωT/π⌋ = {n} sign changes"),
                  (n + 2, 0.0, f"complex roots: fewer than ⌊ωT/π⌋ + 2 = {n + 2}")]
    return [ModelCheck(f"P(≥ {k} sign changes of θ_t, t ≤ {steps}) over random starts: "
                       f"{why}", p, sign_change_probability(rows, k), arc_rounding(steps),
                       "float64 rounding of the 2(T + 1) arc ends (the rows are exact)")
            for k, p, why in events if k >= 1]


@cache
def fastest_beta(eta: float, lam: float) -> tuple[float, float]:
    """argmin over a 496-point β grid on [0, 0.99] of the numerical ρ at (η, λ), and the grid
    spacing (ρ(β) falls to β_c and rises after it, so β_c lies within one spacing)."""
    grid = np.linspace(0.0, 0.99, 496)
    rho = numeric_radius([(eta, b) for b in grid], np.array([lam]))[:, 0]
    return float(grid[int(np.argmin(rho))]), float(grid[1] - grid[0])


# --------------------------------------------------------------------------------------
# Exact statistics of a rotation-invariant random initial state s ∈ R² (e.g. N(0, I))
# --------------------------------------------------------------------------------------


def _rows(rows: Any) -> np.ndarray:
    c = float_array("rows", rows)
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
    the probability is the total length of the arcs with ≥ k changes over 2π — exact up to
    the rounding of the 2(T + 1) cut points (:func:`arc_rounding`).
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


def arc_rounding(steps: int) -> float:
    """A bound on the float64 error of :func:`sign_change_probability` for T steps: each of
    the 2(T + 1) cut points (arctan2, ± π/2, mod 2π) is off by ≤ 8ε·2π, so an arc judged
    wrongly, or a length, errs by at most that much each (over 2π)."""
    steps = check_int("steps", steps, 1)
    return 2 * (steps + 1) * 8 * EPS * 2


def growth_probability(matrix: Any, margin: float = 0.0) -> float:
    """P(‖A s‖² − ‖s‖² > margin·‖s‖²) for s uniform in direction in R², exact: with
    a₁ ≥ a₂ the eigenvalues of AᵀA − (1 + margin)I it is 0 if a₁ ≤ 0, 1 if a₂ ≥ 0, else
    (2/π)·arctan √(a₁/−a₂) (the double cone a₁cos²φ + a₂sin²φ > 0). ``margin`` = 0 is
    "the state grew"; ±δ bracket the effect of an error δ‖s‖² in the comparison."""
    a = float_array("matrix", matrix)
    if a.shape != (2, 2) or not np.all(np.isfinite(a)):
        raise ParameterError("matrix", matrix, "a finite 2×2 array")
    margin = check_real("margin", margin, -1.0)
    a2, a1 = np.linalg.eigvalsh(a.T @ a - (1.0 + margin) * np.eye(2))
    if a1 <= 0:
        return 0.0
    if a2 >= 0:
        return 1.0
    return 2.0 / math.pi * math.atan(math.sqrt(a1 / -a2))


def sign_rounding_bound(eta: float, lam: float, beta: float, steps: int,
                        rule: Rule = heavy_ball) -> float:
    """A bound on the probability that float64 rounding flips the sign of some θ_t, t ≤ T,
    in a run from a direction-uniform s₀ (what :func:`sign_change_probability` predicts).

    Each step adds an error r_u with ‖r_u‖ ≤ e‖s_u‖ ≤ e‖Mᵘ‖‖s₀‖ (e from
    :func:`step_error`), which reaches θ_t as c_{t−1−u}·r_u (c_k = e₁ᵀMᵏ); so |error of θ_t|
    ≤ δ_t‖s₀‖ with δ_t = e Σ_{u<t} |c_{t−1−u}|‖Mᵘ‖. A sign can flip only if
    |c_t·s₀| ≤ δ_t‖s₀‖, of probability (2/π)·arcsin(δ_t/|c_t|) for a uniform direction;
    summed over t (union). (First order: δ_t ≪ |c_t| wherever it matters.)
    """
    steps = check_int("steps", steps, 1)
    m = numeric_matrix(eta, lam, beta, rule)
    powers = [np.eye(2)]
    for _ in range(steps):
        powers.append(powers[-1] @ m)
    norms = np.array([np.linalg.norm(p, 2) for p in powers])
    rows = np.array([np.linalg.norm(p[0]) for p in powers])
    e = 2 * float(step_error(eta, lam, beta, rule)) + EPS  # 2×: the matrix powers' rounding
    total = 0.0
    for t in range(1, steps + 1):
        delta = e * float(np.sum(rows[:t][::-1] * norms[:t]))
        ratio = delta / rows[t] if rows[t] > 0 else 1.0
        total += 2 / math.pi * math.asin(min(1.0, ratio))
    return min(1.0, total)
