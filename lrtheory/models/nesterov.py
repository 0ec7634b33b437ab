"""Nesterov's accelerated gradient on λθ²/2, numerically: the derived forms evaluated, the
look-ahead rule run, and the exact moments its Monte Carlo checks predict.

The forms come from :func:`lrtheory.symbolic.nesterov.nesterov_derivation`;
:func:`nag_radius` evaluates the derived polynomial's radius in NumPy (grids, figures) and
:func:`precise_nag_radius` in 60-digit arithmetic (checks). :func:`nag_band` and
:func:`nag_edge_check` compare runs of :func:`lrtheory.optimizers.nesterov` with them
through the one-sided brackets of :mod:`lrtheory.models.rate_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
    operands,
)
from lrtheory.models.linear_rate import LinearStep
from lrtheory.models.rate_checks import (
    RateBand,
    precise_quadratic_radius,
    rate_band,
    step_rounding,
    threshold_check,
)
from lrtheory.optimizers import nesterov
from lrtheory.symbolic.jury import quadratic_radius
from lrtheory.symbolic.nesterov import (
    BETA,
    BIG_L,
    ETA,
    KAPPA,
    LAM,
    MU,
    S2,
    H,
    nesterov_derivation,
)


@cache
def forms() -> dict[str, Callable[..., Any]]:
    """The derived forms as NumPy functions: coefficients (c₁, c₀)(h, β), the bounds
    (NAG's and heavy ball's) and critical β (NAG's, heavy ball's) in h, the matrix, noise
    vector b and stationary Σ in (η, λ, β[, s²]), and the tunings (η, β, rate)(μ, L)."""
    f = nesterov_derivation()[1]
    on_range = {KAPPA: BIG_L / MU}
    return {
        "coeffs": sp.lambdify((H, BETA), (f["c1"], f["c0"]), "numpy"),
        "bound": sp.lambdify(BETA, f["bound"], "numpy"),
        "hb_bound": sp.lambdify(BETA, f["hb_bound"], "numpy"),
        "beta_c": sp.lambdify(H, (f["beta_c"], f["hb_beta_c"]), "numpy"),
        "matrix": sp.lambdify((ETA, LAM, BETA), f["matrix"], "numpy"),
        "sigma": sp.lambdify((ETA, LAM, BETA, S2), f["sigma"], "numpy"),
        "b": sp.lambdify((ETA, LAM, BETA), f["b"], "numpy"),
        "standard": sp.lambdify((MU, BIG_L), (1 / BIG_L, *(f[k].subs(on_range) for k in (
            "beta_std", "rate_std")))),
        "minimax": sp.lambdify((MU, BIG_L), tuple(f[k].subs(on_range) for k in (
            "eta_opt", "beta_opt", "rate_opt"))),
        "polyak": sp.lambdify(KAPPA, f["polyak"]),
    }


def _beta(beta: Any) -> float:
    return check_real("beta", beta, 0.0, 1.0, lo_open=False)


def _lams(lam: Any) -> np.ndarray:
    lam_a = float_array("lam", lam)
    if not np.all(np.isfinite(lam_a)) or np.any(lam_a <= 0):
        raise ParameterError("lam", lam, "curvatures in (0, inf)")
    return lam_a


def nag_radius(h: Any, beta: Any) -> np.ndarray:
    """ρ(h, β) of NAG from its derived characteristic polynomial (h = ηλ ≥ 0, 0 ≤ β < 1;
    broadcasts). Near a double root it errs by up to ~√ε: use :func:`precise_nag_radius`
    for checks."""
    h_a, b = float_array("h", h), float_array("beta", beta)
    if not np.all(np.isfinite(h_a)) or np.any(h_a < 0):
        raise ParameterError("h", h, "finite and ≥ 0")
    if not np.all(np.isfinite(b)) or np.any(b < 0) or np.any(b >= 1):
        raise ParameterError("beta", beta, "in [0, 1)")
    return quadratic_radius(*forms()["coeffs"](h_a, b))


def precise_nag_radius(eta: float, lam: Any, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """(ρ, error bound) of the derived polynomial at these float parameters, ηλ exact, in
    60-digit arithmetic (:func:`~lrtheory.models.rate_checks.precise_quadratic_radius`)."""
    eta, lam_a, beta = check_positive("eta", eta), _lams(lam), _beta(beta)
    f = nesterov_derivation()[1]
    c1, c0 = (f[k].subs(H, ETA * LAM) for k in ("c1", "c0"))
    return precise_quadratic_radius(c1, c0, (ETA, LAM, BETA), eta, lam_a, beta)


def nag_matrix(eta: float, lam: float, beta: float) -> np.ndarray:
    """The derived update matrix of the look-ahead form on (θ, v) at η > 0, λ, 0 ≤ β < 1."""
    eta, beta = check_positive("eta", eta), _beta(beta)
    lam = check_real("lam", lam)
    return np.array(forms()["matrix"](eta, lam, beta), dtype=float)


@operands("s", "lam", "eta", "beta")
def lookahead(s: Sequence[Any], eta: Any, lam: Any, beta: Any) -> Sequence[Any]:
    """One step of seed 003's look-ahead NAG on λθ²/2, state (θ, v) (arrays or symbols)."""
    return nesterov(s[0], s[1], lambda y: lam * y, eta, beta)


def lookahead_step(lam: Any, eta: float, beta: float) -> LinearStep:
    """:func:`lookahead` as a map of the state, vectorised over the curvatures λ."""
    eta, lam_a, beta = check_positive("eta", eta), _lams(lam), _beta(beta)
    return lambda s: lookahead(s, eta, lam_a, beta)


def rule_matrices(eta: float, lam: Any, beta: float) -> np.ndarray:
    """M of the look-ahead *rule*, run from the basis states (no SymPy): (*λ.shape, 2, 2)."""
    eta, lam, beta = check_positive("eta", eta), _lams(lam), _beta(beta)
    one, zero = np.ones_like(lam), np.zeros_like(lam)
    cols = [lookahead((t, v), eta, lam, beta) for t, v in ((one, zero), (zero, one))]
    return np.stack([np.stack([cols[0][i], cols[1][i]], -1) for i in range(2)], -2)


@finite_result
def nag_band(eta: float, lam: Any, beta: float, steps: int) -> RateBand:
    """Run the look-ahead rule from both basis states for T steps (vectorised over λ) and
    bracket its measured rate by the precise derived ρ and Henrici's bound."""
    eta, lam_a, beta = check_positive("eta", eta), _lams(lam), _beta(beta)
    rho, err = precise_nag_radius(eta, lam_a, beta)
    return rate_band(lookahead_step(lam_a, eta, beta), rule_matrices(eta, lam_a, beta), rho,
                     steps, step_rounding(lookahead, 2, eta, lam_a, beta), err)


def nag_edge_check(beta: float, edge: float, steps: int = 200) -> ModelCheck:
    """The derived stability bound ``edge`` in h = ηλ against the flip of r_T < 1 of the
    look-ahead rule, found by a vectorised grid search over h = λ at η = 1 on
    [0.8, 1.25]·edge (:func:`~lrtheory.models.rate_checks.threshold_check`)."""
    beta, edge = _beta(beta), check_positive("edge", edge)
    return threshold_check(
        "divergence threshold in ηλ (grid search on λ at η = 1)",
        lambda hs: lookahead_step(hs, 1.0, beta),
        lambda hs: rule_matrices(1.0, hs, beta),
        lambda hs: step_rounding(lookahead, 2, 1.0, hs, beta), edge, 0.8 * edge,
        1.25 * edge, steps)


def _exact_power(eta: float, lam: float, beta: float, steps: int) -> sp.Matrix:
    """M^T of the derived matrix at these floats taken as exact rationals (SymPy)."""
    f = nesterov_derivation()[1]
    m = f["matrix"].subs({ETA: sp.Rational(eta), LAM: sp.Rational(lam), BETA: sp.Rational(beta)})
    return sp.Matrix(m) ** steps


def predictions(eta: float, lam: float, beta: float, sigma: float,
                steps: int) -> tuple[float, float]:
    """The two Monte Carlo predictions, exact:

    * E θ_T²/‖s₀‖² for s₀ = (θ₀, v₀) ~ N(0, I) and exact gradients: θ_T = c·s₀ with
      c = e₁ᵀM^T and s₀/‖s₀‖ uniform, so ‖c‖²/2 (M^T in exact rational arithmetic);
    * E|θ_T| from rest under gradient noise N(0, σ²): θ_T is Gaussian (linear in the noise)
      with variance V_T = [Σ∞ − M^TΣ∞(M^T)ᵀ]₀₀ (any solution of Σ = MΣMᵀ + Q, so also past
      the bound), hence √(2V_T/π).
    """
    eta, beta = check_positive("eta", eta), _beta(beta)
    lam = float(_lams(lam))
    sigma = check_positive("sigma", sigma)
    steps = check_int("steps", steps, 1)
    power = _exact_power(eta, lam, beta, steps)
    row = float(power[0, 0] ** 2 + power[0, 1] ** 2) / 2
    m = np.array(power.evalf(30).tolist(), dtype=float)
    sig = np.array(forms()["sigma"](eta, lam, beta, sigma**2), dtype=float)
    variance = float((sig - m @ sig @ m.T)[0, 0])
    if variance <= 0:  # pragma: no cover - V_T is a sum of squares
        raise ParameterError("steps", steps, "a horizon with V_T > 0")
    return row, math.sqrt(2 * variance / math.pi)


@finite_result
def stationary_variance(eta: float, lam: float, beta: float) -> tuple[float, float, float]:
    """(derived Var θ with noise variance 1, SciPy's Lyapunov solve of the derived M and b,
    its LU tolerance 64ε·cond(I − M⊗M)·max|Σ|)."""
    from scipy.linalg import solve_discrete_lyapunov

    check_positive("lam", lam)
    m = nag_matrix(eta, lam, beta)
    b = np.array(forms()["b"](eta, lam, beta), dtype=float)
    solved = solve_discrete_lyapunov(m, b @ b.T)
    closed = float(np.array(forms()["sigma"](eta, lam, beta, 1.0), dtype=float)[0, 0])
    kron = np.eye(4) - np.kron(m, m)
    tol = 64 * float(np.finfo(float).eps) * float(np.linalg.cond(kron)) * float(
        np.max(np.abs(solved)))
    return closed, float(solved[0, 0]), tol
