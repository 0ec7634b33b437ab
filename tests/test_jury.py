"""Jury / Schur–Cohn conditions against the roots, for random polynomials of degree 2–5."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.symbolic.jury import (
    jury_conditions,
    jury_region,
    quadratic_region,
    schur_stable,
    spectral_radius,
)


@pytest.mark.parametrize("degree", [1, 2, 3, 4, 5])
def test_jury_agrees_with_the_roots_on_random_polynomials(degree: int) -> None:
    rng = np.random.default_rng(degree)
    z = sp.Symbol("z")
    a = sp.symbols(f"a0:{degree}")
    poly = z**degree + sum(a[k] * z**k for k in range(degree))
    conditions = jury_conditions(poly, z)
    region = jury_region(conditions, a)
    assert len(conditions) == max(3, degree + 1) if degree >= 2 else len(conditions) == 3
    agree = stable = 0
    for _ in range(300):
        # Roots of modulus near 1 so both outcomes are frequent.
        roots = rng.uniform(0.3, 1.3, degree) * np.exp(1j * rng.uniform(0, np.pi, degree))
        if degree % 2:
            roots[-1] = roots[-1].real
        c = np.real(np.poly(np.concatenate([roots[: degree // 2], np.conj(roots[: degree // 2]),
                                            roots[degree // 2 * 2:].real])))[::-1]
        values = {a[k]: float(c[k]) for k in range(degree)}
        numeric = schur_stable(list(c))
        stable += numeric
        agree += bool(region(*values.values())) == numeric
    assert agree == 300
    assert 0 < stable < 300


def test_quadratic_region_is_the_triangle() -> None:
    c1, c0 = sp.symbols("c1 c0", real=True)
    cond = quadratic_region(c1, c0)
    assert {sp.expand(c) for c in cond[:2]} == {1 + c1 + c0, 1 - c1 + c0}
    assert cond[2] == 1 - sp.Abs(c0)


def test_spectral_radius_of_a_known_polynomial() -> None:
    # (z − 0.5)(z + 0.8) = z² + 0.3z − 0.4
    assert spectral_radius([-0.4, 0.3, 1.0]) == pytest.approx(0.8, abs=1e-14)
    assert schur_stable([-0.4, 0.3, 1.0])
    assert not schur_stable([-1.2, 0.0, 1.0])


@pytest.mark.parametrize("coeffs", [[1.0], [1.0, 0.0], [np.nan, 1.0], [[1.0, 2.0]]])
def test_bad_coefficients_raise(coeffs: list[float]) -> None:
    with pytest.raises(ParameterError, match="coeffs"):
        spectral_radius(coeffs)


def test_constant_polynomial_raises() -> None:
    z = sp.Symbol("z")
    with pytest.raises(ParameterError, match="degree ≥ 1"):
        jury_conditions(sp.Integer(3) + 0 * z, z)


def test_heavy_ball_characteristic_polynomial_is_derived_from_the_rule() -> None:
    from lrtheory.optimizers import heavy_ball, nesterov_rewritten
    from lrtheory.symbolic.update_maps import characteristic_polynomial, update_matrix

    eta, lam, beta = sp.symbols("eta lambda beta", positive=True)
    theta, v, z = sp.symbols("theta v z")
    p = characteristic_polynomial(
        lambda th, ve: heavy_ball(th, ve, lam * th, eta, beta), (theta, v), z)
    assert sp.expand(p - (z**2 - (1 + beta - eta * lam) * z + beta)) == 0
    # Nesterov (φ form): z² − (1+β)(1−ηλ)z + β(1−ηλ)
    q = characteristic_polynomial(
        lambda ph, ve: nesterov_rewritten(ph, ve, lam * ph, eta, beta), (theta, v), z)
    assert sp.expand(q - (z**2 - (1 + beta) * (1 - eta * lam) * z + beta * (1 - eta * lam))) == 0
    assert update_matrix(lambda a, b: (a + b, 2 * b), (theta, v)) == sp.Matrix([[1, 1], [0, 2]])


@pytest.mark.parametrize("step", [lambda a, b: (a * b, b), lambda a, b: (a + 1, b),
                                  lambda a, b: (a,)])
def test_update_matrix_rejects_non_linear_maps(step: object) -> None:
    from lrtheory.symbolic.update_maps import update_matrix

    a, b = sp.symbols("a b")
    with pytest.raises(ParameterError, match="step"):
        update_matrix(step, (a, b))  # type: ignore[arg-type]
