"""The measured contraction of a linear recursion brackets its spectral radius (Henrici)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models.linear_rate import (
    departure_from_normality,
    henrici_upper,
    henrici_upper_array,
    measured_rate,
    nilpotent_rate_rounding,
    rate_rounding,
)
from lrtheory.optimizers import heavy_ball


def _heavy_ball_matrix(eta_lam: np.ndarray, beta: float) -> np.ndarray:
    # θ' = θ − η(βv + λθ), v' = βv + λθ  (η = 1 here, so λ carries ηλ)
    return np.stack([np.stack([1 - eta_lam, -beta * np.ones_like(eta_lam)], -1),
                     np.stack([eta_lam, beta * np.ones_like(eta_lam)], -1)], -2)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_heavy_ball_rate_is_bracketed_by_the_spectral_radius(beta: float) -> None:
    lam = np.linspace(0.01, 2 * (1 + beta) + 0.3, 57)
    steps = 400

    def step(s: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        return heavy_ball(s[0], s[1], lam * s[0], 1.0, beta)

    rate = measured_rate(step, 2, steps, batch=lam.shape)
    m = _heavy_ball_matrix(lam, beta)
    rho = np.max(np.abs(np.linalg.eigvals(m)), axis=-1)
    nu = departure_from_normality(m)
    upper = np.array([henrici_upper(r, n, 2, steps) for r, n in zip(rho, nu, strict=True)])
    assert np.all(rho <= rate * (1 + 1e-12))
    assert np.all(rate <= upper * (1 + 1e-12))
    # The bracket is informative: within 3 % everywhere at T = 400.
    assert np.all(upper / rho < 1.03)
    # Past the boundary ηλ = 2(1 + β) the measured rate exceeds 1.
    assert np.all((rate > 1) == (lam > 2 * (1 + beta)))


def test_a_wrong_radius_is_refuted_by_the_bracket() -> None:
    m = np.array([[0.9, 5.0], [0.0, 0.5]])  # ρ = 0.9, strongly non-normal

    def step(s: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        return (m[0, 0] * s[0] + m[0, 1] * s[1], m[1, 0] * s[0] + m[1, 1] * s[1])

    rate = float(measured_rate(step, 2, 2000))
    nu = float(departure_from_normality(m))
    assert nu == pytest.approx(5.0)
    assert 0.9 <= rate <= henrici_upper(0.9, nu, 2, 2000)
    assert not (0.88 <= rate <= henrici_upper(0.88, nu, 2, 2000))
    assert rate < 0.92  # ρ ≤ r_T refutes a radius that is too large


def test_jordan_block_is_the_slow_case() -> None:
    rho, steps = 0.7, 1000
    rate = float(measured_rate(lambda s: (rho * s[0] + s[1], rho * s[1]), 2, steps))
    assert rho < rate <= henrici_upper(rho, 1.0, 2, steps)
    assert rate == pytest.approx(rho * (steps / rho) ** (1 / steps), rel=1e-3)


def test_zero_matrix_and_bad_input() -> None:
    assert float(measured_rate(lambda s: (0 * s[0],), 1, 5)) == 0.0
    assert henrici_upper(0.0, 0.0, 2, 5) == 0.0
    with pytest.raises(ParameterError, match="steps"):
        measured_rate(lambda s: s, 1, 0)
    with pytest.raises(ParameterError, match="step"):
        measured_rate(lambda s: (s[0] * 1e300,), 1, 5, renorm_every=10)


def _matrix_step(m: np.ndarray) -> Callable[[tuple[np.ndarray, ...]], tuple[np.ndarray, ...]]:
    k = m.shape[0]
    return lambda s: tuple(sum(m[i, j] * s[j] for j in range(k)) for i in range(k))


@pytest.mark.parametrize(("k", "steps"), [(2, 200), (2, 201), (3, 150), (3, 152)])
def test_nilpotent_bound_covers_a_worst_case_perturbation(k: int, steps: int) -> None:
    """Per-step errors E_t with ‖E_t‖ ≤ e, here one fixed E that closes the Jordan chain,
    turn ρ = 0 into ρ(M + E) ≈ (0.7^{k−1}e)^{1/k}: the bound must cover it, and be tight."""
    m = 0.7 * np.eye(k, k=1)  # a shift: M^k = 0
    e = 1e-10
    perturbed = m.copy()
    perturbed[k - 1, 0] = e
    rate = float(measured_rate(_matrix_step(perturbed), k, steps))
    bound = nilpotent_rate_rounding(m, steps, e)
    assert rate <= bound
    assert bound < 2.0 * rate  # the same order: the bound is not vacuous
    assert float(measured_rate(_matrix_step(m), k, steps)) == 0.0  # exact zero unperturbed


def test_nilpotent_bound_is_where_rate_rounding_has_none() -> None:
    deadbeat = np.array([[0.0, 0.0], [-0.5, 0.0]])
    assert 0.0 < nilpotent_rate_rounding(deadbeat, 200, 2e-15) < 1e-7
    with pytest.raises(ParameterError, match="rho"):
        rate_rounding(0.0, 0.5, 2, 200, 2e-15)
    with pytest.raises(ParameterError, match="matrix"):
        nilpotent_rate_rounding(np.array([[0.0, 1.0], [1e-300, 0.0]]), 10, 1e-15)
    with pytest.raises(ParameterError, match="matrix"):
        nilpotent_rate_rounding(np.zeros((2, 3)), 10, 1e-15)
    with pytest.raises(ParameterError, match="steps"):
        nilpotent_rate_rounding(deadbeat, 1, 1e-15)
    with pytest.raises(ParameterError, match=r"^e\b"):
        nilpotent_rate_rounding(deadbeat, 10, 0.0)


@pytest.mark.parametrize(("k", "steps"), [(1, 7), (2, 1), (2, 200), (3, 2), (3, 2000)])
def test_henrici_upper_array_is_henrici_upper_elementwise(k: int, steps: int) -> None:
    rng = np.random.default_rng(k * steps)
    rho = np.concatenate([rng.uniform(0.0, 2.0, 60), [0.0, 0.0, 0.7, 0.0]])
    nu = np.concatenate([rng.uniform(0.0, 5.0, 60) * (rng.uniform(size=60) > 0.2),
                         [0.0, 1.0, 0.0, 2.0]])
    got = henrici_upper_array(rho, nu, k, steps)
    want = np.array([henrici_upper(r, n, k, steps) for r, n in zip(rho, nu, strict=True)])
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(float).eps, atol=0.0)
    assert got.shape == rho.shape


def test_henrici_upper_array_broadcasts_and_rejects_bad_input() -> None:
    grid = henrici_upper_array(np.array([[0.5], [0.9]]), np.array([0.0, 1.0, 3.0]), 2, 50)
    assert grid.shape == (2, 3)
    assert grid[0, 0] == pytest.approx(0.5, rel=1e-15)  # normal: the bracket closes at ρ
    assert np.all(np.diff(grid, axis=1) > 0)  # wider with more non-normality
    with pytest.raises(ParameterError, match="rho, nu"):
        henrici_upper_array(np.array([-0.1]), np.array([1.0]), 2, 5)
    with pytest.raises(ParameterError, match="steps"):
        henrici_upper_array(np.array([0.5]), np.array([1.0]), 2, 0)
