"""Second moments of SGD on a quadratic: the SymPy derivations (lrtheory.symbolic.lyapunov),
the NumPy/SciPy solves and bounds and the Monte Carlo kernel (lrtheory.models.lyapunov)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models import lyapunov as lyap
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.identity import identical
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments

# --- symbolic -------------------------------------------------------------------------------


def test_symbolic_helpers() -> None:
    s, k = sp.symbols("s k", positive=True)
    xi = sp.Symbol("xi", real=True)
    assert expectation(xi**4, {xi: gaussian_moments(s)}) == 3 * s**2
    assert expectation(3 * xi + 2, {xi: gaussian_moments(s)}) == 2
    a, q = sp.symbols("a q", positive=True)
    v = sp.Symbol("v")
    assert identical(sl.affine_fixed_point(a * v + q, v), q / (1 - a))
    # the 1×1 Lyapunov equations reduce to scalars
    assert identical(sl.discrete_lyapunov(sp.Matrix([[a]]), sp.Matrix([[q]]))[0, 0],
                     q / (1 - a**2))
    assert identical(sl.continuous_lyapunov(sp.Matrix([[k]]), sp.Matrix([[q]]))[0, 0],
                     q / (2 * k))
    with pytest.raises(ParameterError):
        centred_moments(s)(3)


def test_geometric_solution_equals_rsolve() -> None:
    """The unrolled sum (series.finite_sum, generic branch) and rsolve give the same path."""
    a, q, v0 = sp.symbols("a q v_0", positive=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    geometric = sl.geometric_solution(a, q, v0, t)
    assert not geometric.has(sp.Piecewise)
    assert identical(geometric, sl.affine_recursion_solution(a, q, v0, t))
    # checked at finitely many t as well: the first steps of the recursion itself
    value = v0
    for step in range(4):
        assert sp.simplify(geometric.subs(t, step) - value) == 0
        value = a * value + q


V_ = sp.Symbol("v")
T_ = sp.Symbol("t", integer=True, nonnegative=True)
ETA = sp.Symbol("eta", positive=True)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: sl.affine_coefficients(V_**2 + 1, V_), "rhs"),
    (lambda: sl.affine_coefficients(sp.sin(V_), V_), "rhs"),
    (lambda: sl.affine_coefficients(V_ + 1, "v"), "v"),
    (lambda: sl.affine_fixed_point(V_ + 1, V_), "rhs"),
    (lambda: sl.affine_recursion_solution(2, 1, "x y", T_), "v0"),
    (lambda: sl.geometric_solution(sp.Integer(1), 1, 0, T_), "a"),
    (lambda: sl.geometric_solution(sp.Rational(1, 2), 1, 0, 3), "t"),
    (lambda: sl.positivity_set(V_, 1), "var"),
    (lambda: sl.diffusion_limit(V_, V_, {sp.Symbol("xi"): gaussian_moments(1)}, -ETA), "dt"),
    (lambda: sl.stationary_density(-V_, sp.Integer(0), V_), "diffusion"),
    (lambda: sl.stationary_density(-V_, V_**2, V_), "diffusion"),
    (lambda: sl.symmetric_matrix("S", 0), "d"),
    (lambda: sl.discrete_lyapunov(sp.Matrix([[1, 2]]), sp.eye(2)), "A"),
    (lambda: sl.continuous_lyapunov(sp.eye(2), sp.eye(3)), "Q"),
    (lambda: sl.continuous_lyapunov([[1]], sp.eye(1)), "H"),
    (lambda: sl.sgd_variance(-ETA, 1, 1), "eta"),
    (lambda: sl.sde_variance(ETA, 1, -2), "noise_var"),
    (lambda: sl.stationary_sgd(ETA, 2, 1), "lam"),
    (lambda: sl.traced_losses(ETA, 4, d=0), "d"),
])
def test_symbolic_bad_input(call: Callable[[], Any], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name


# --- numerical models ------------------------------------------------------------------------


def test_beyond_boundary_variance_grows() -> None:
    path = lyap.variance_path(2.02, 1.0, 1.0, 300)
    assert np.all(np.diff(path) > 0)
    assert path[-1] > 1e6
    with pytest.raises(ParameterError):
        lyap.stationary_covariance(2.02, [[1.0]], [[1.0]], 1.0)
    fixed = lyap.stationary_covariance(2.02, [[1.0]], [[1.0]], 1.0, require_stable=False)
    assert fixed[0, 0] < 0


def test_lyapunov_solvers_agree_with_recursion() -> None:
    H = lyap.rotated_quadratic([1.0, 0.3], 0.4)
    C = np.array([[1.0, 0.2], [0.2, 0.5]])
    sigma = lyap.stationary_covariance(0.7, H, C, 4.0)
    rec, err, _ = lyap.iterated_stationary_covariance(0.7, H, C, 4.0)
    bound = lyap.stationary_error_bound(0.7, H, C, 4.0, sigma)
    assert np.linalg.norm(rec - sigma) <= err + bound
    # per-direction formula is exact for commuting H, C, not otherwise
    Hd, Cd = np.diag([1.0, 0.3]), np.diag([1.0, 0.5])
    assert np.allclose(lyap.per_direction_covariance(0.7, Hd, Cd, 4.0),
                       lyap.stationary_covariance(0.7, Hd, Cd, 4.0), rtol=1e-12, atol=0)
    assert not np.allclose(lyap.per_direction_covariance(0.7, H, C, 4.0), sigma, rtol=1e-3)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: lyap.variance_path(-0.1, 1.0, 1.0, 10), "eta"),
    (lambda: lyap.variance_path(0.1, 1.0, -1.0, 10), "noise_var"),
    (lambda: lyap.variance_path(0.1, 1.0, 1.0, -1), "steps"),
    (lambda: lyap.stationary_covariance(0.1, np.eye(2), np.eye(2), 0.5), "B"),
    (lambda: lyap.stationary_covariance(0.1, [[1.0, 2.0], [0.0, 1.0]], np.eye(2), 1.0), "H"),
    (lambda: lyap.stationary_covariance(0.1, np.eye(2), -np.eye(2), 1.0), "C"),
    (lambda: lyap.stationary_covariance(0.1, np.eye(2), np.eye(3), 1.0), "C"),
    (lambda: lyap.sde_stationary_covariance(0.1, -np.eye(2), np.eye(2), 1.0), "H"),
    (lambda: lyap.covariance_recursion(0.1, [[np.nan]], [[1.0]], 1.0, 3), "H"),
    (lambda: lyap.covariance_recursion_rounding(0.1, [[1.0]], [[1.0]], 1.0, -3, 1.0), "steps"),
    (lambda: lyap.covariance_recursion_rounding(0.1, [[1.0]], [[1.0]], 1.0, 3, -1.0),
     "sigma_max"),
    (lambda: lyap.stationary_error_bound(0.1, [[1.0]], [[1.0]], 1.0, np.eye(2)), "sigma"),
    (lambda: lyap.sde_error_bound(0.1, [[-1.0]], [[1.0]], 1.0, [[1.0]]), "H"),
    (lambda: lyap.per_direction_covariance(2.5, np.eye(2), np.eye(2), 1.0), "eta"),
    (lambda: lyap.spectral_radius(np.ones((2, 3))), "A"),
    (lambda: lyap.rotated_quadratic([1.0, 2.0, 3.0], 0.1), "eigenvalues"),
    (lambda: lyap.sgd_correlated_quadratic(0.1, np.eye(2), [[1.0, 2.0], [2.0, 1.0]], 5),
     "noise_cov"),
    (lambda: lyap.sgd_correlated_quadratic(0.1, np.eye(2), np.eye(3), 5), "noise_cov"),
    (lambda: lyap.sgd_correlated_quadratic(0.0, np.eye(2), np.eye(2), 5), "eta"),
    (lambda: lyap.sgd_correlated_quadratic(0.1, np.eye(2), np.eye(2), -1), "steps"),
])
def test_bad_input_raises(call: Callable[[], Any], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name


# --- Monte Carlo kernel -----------------------------------------------------------------------


def test_correlated_kernel_one_step_covariance() -> None:
    """One step from x₀ = 0 gives x₁ = −ηξ: covariance η²C/B exactly in expectation."""
    H = lyap.rotated_quadratic([1.0, 0.3], 0.4)
    noise = np.array([[1.0, 0.6], [0.6, 0.5]])
    kernel = lyap.sgd_correlated_quadratic(0.5, H, noise, 1)

    def products(rng: ChunkRNG) -> Any:
        x = kernel(rng)
        return np.stack([x[:, 0] ** 2, x[:, 0] * x[:, 1], x[:, 1] ** 2], axis=1)

    m = Ensemble(seed=3).run(products, 200_000)
    target = 0.25 * np.array([noise[0, 0], noise[0, 1], noise[1, 1]])
    z = (m.mean - target) / m.stderr_mean
    assert np.all(np.abs(z) < 5), z


def test_correlated_kernel_singular_covariance() -> None:
    """A singular PSD covariance uuᵀ is accepted (eigh's rounding-sized negative eigenvalue
    is taken as 0): x₁ = −ηξ lies on the line of u, with variance η² along it."""
    u = np.array([0.6, 0.8])
    kernel = lyap.sgd_correlated_quadratic(0.5, np.eye(2), np.outer(u, u), 1)

    def along_and_across(rng: ChunkRNG) -> Any:
        x = kernel(rng)
        return np.stack([x @ u, x[:, 0] * u[1] - x[:, 1] * u[0]], axis=1)

    m = Ensemble(seed=4).run(along_and_across, 20_000)
    # across u only the eigenvalue eigh rounds from 0 (|w| ≤ 8ε·max|c_ij|) is left: η²|w|
    assert float(m.variance[1]) <= 0.25 * 8 * np.finfo(float).eps * 0.64
    assert abs(float(m.variance[0]) - 0.25) < 5 * float(m.stderr_variance[0])
