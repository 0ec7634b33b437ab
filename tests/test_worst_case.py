"""Worst-case counting of GD on quadratics: passages, piecewise counts, judging counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models.convergence import geometric_steps, steps_to_tolerance
from lrtheory.models.worst_case import (
    count_tolerance,
    direction_factor,
    fraction_statistic,
    integer_margin,
    piecewise_geometric_steps,
    sup_norm,
    worst_case_passage,
)


def test_direction_factor_is_one_minus_eta_lambda() -> None:
    eta, lam = sp.symbols("eta lambda", positive=True)
    assert sp.expand(direction_factor(eta, lam) - (1 - eta * lam)) == 0


def test_piecewise_counts_match_the_recursion() -> None:
    rng = np.random.default_rng(2)
    for _ in range(200):
        phases = int(rng.integers(1, 4))
        factors = rng.uniform(-3.0, 3.0, size=(phases, 2))
        factors[-1] = rng.uniform(-0.95, 0.95, size=2)
        lengths = rng.integers(1, 8, size=phases - 1).tolist()
        tol = float(10.0 ** rng.uniform(-4, -0.5))
        spans = [*lengths, math.inf]
        x, t, phase, left = np.ones(2), 0, 0, spans[0]
        while np.max(np.abs(x)) > tol:
            x = x * factors[phase]
            t, left = t + 1, left - 1
            if left == 0:
                phase += 1
                left = spans[phase]
        assert piecewise_geometric_steps(factors.tolist(), lengths, tol) == t


def test_one_phase_is_the_geometric_count_and_bad_input_is_named() -> None:
    assert piecewise_geometric_steps([[0.5, 0.3]], [], 1e-3) == geometric_steps(0.5, 1e-3)
    assert piecewise_geometric_steps([[1.0]], [], 0.5) == -1
    # A zero factor clears its component for good, even through a growing phase.
    assert piecewise_geometric_steps([[0.0, 0.5], [5.0, 0.5], [0.5, 0.5]], [1, 2], 0.1) == 4
    with pytest.raises(ParameterError, match="lengths"):
        piecewise_geometric_steps([[0.5], [0.5]], [], 1e-3)


def test_worst_case_passage_is_the_spectral_radius_count() -> None:
    rng = np.random.default_rng(3)
    basis = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    q = np.array([0.9, -0.7, 0.2, 0.5, -0.85])
    g = (basis * q) @ basis.T
    fp = worst_case_passage(lambda t: g[None], 5, 1e-4, 10_000)
    assert fp.steps[0] == geometric_steps(0.9, 1e-4)
    # In the eigenbasis the all-ones start with the sup norm gives the same count.
    fp = steps_to_tolerance(lambda e, t: e * q, np.ones((1, 5)), 1e-4, 10_000, measure=sup_norm)
    assert fp.steps[0] == geometric_steps(0.9, 1e-4)


def test_a_count_gets_one_step_of_tolerance_only_next_to_an_integer() -> None:
    assert integer_margin(2.7) == pytest.approx(0.3)
    assert count_tolerance(2.7, 1e-9) == 0.0
    assert count_tolerance(3.0 + 1e-12, 1e-9) == 1.0
    assert count_tolerance(math.log(1e-4) / math.log(0.1), 1e-9) == 1.0  # exactly 4 in reals
    with pytest.raises(ParameterError, match="rounding"):
        count_tolerance(2.5, 0.0)


def test_fraction_statistic_is_exact_near_the_ends_and_a_z_test_inside() -> None:
    near = fraction_statistic(0.995, 0.002, 2000, 0.99)  # 1000·p(1−p) = 9.9 < 25
    assert (near.kind, near.successes, near.n) == ("proportion", 1990, 2000)
    inside = fraction_statistic(0.52, 0.011, 2000, 0.5)
    assert (inside.kind, inside.value, inside.se) == ("mean", 0.52, 0.011)
