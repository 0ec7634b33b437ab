"""Counting steps to a tolerance over a batch of runs."""

from __future__ import annotations

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models.convergence import geometric_steps, steps_to_tolerance


@pytest.mark.parametrize("q", [0.1, 0.5, -0.7, 0.93, 0.999])
def test_counts_match_the_geometric_closed_form(q: float) -> None:
    fp = steps_to_tolerance(lambda x, t: q * x, np.ones((1, 1)), 3e-6, 100_000)
    assert fp.steps[0] == geometric_steps(q, 3e-6)
    assert not fp.diverged[0]


def test_each_run_is_counted_separately_and_divergence_is_recorded_with_its_step() -> None:
    q = np.array([0.5, 0.9, 2.0, 1.0])
    fp = steps_to_tolerance(lambda x, t: x * q[:, None], np.ones((4, 2)), 1e-3, 500,
                            blowup=1e6)
    assert fp.steps.tolist() == [geometric_steps(0.5, 1e-3 / np.sqrt(2)),
                                 geometric_steps(0.9, 1e-3 / np.sqrt(2)), -1, -1]
    # 2^t·√2 > 1e6 first at t = 20; the neutral run neither converges nor diverges.
    assert fp.diverged_at.tolist() == [-1, -1, 20, -1]
    assert fp.reached.tolist() == [True, True, False, False]


def test_non_finite_states_count_as_divergence_not_as_nan() -> None:
    def step(x: np.ndarray, t: int) -> np.ndarray:
        return np.full_like(x, np.nan) if t == 3 else 0.99 * x
    fp = steps_to_tolerance(step, np.ones((2, 1)), 1e-9, 50)
    assert fp.diverged_at.tolist() == [4, 4]


def test_time_varying_steps_see_the_step_index() -> None:
    seen: list[int] = []

    def step(x: np.ndarray, t: int) -> np.ndarray:
        seen.append(t)
        return 0.5 * x
    steps_to_tolerance(step, np.ones((1, 1)), 0.1, 10)
    assert seen == [0, 1, 2, 3]


def test_bad_input_names_the_parameter() -> None:
    with pytest.raises(ParameterError, match=r"^tol"):
        steps_to_tolerance(lambda x, t: x, np.ones((1, 1)), 0.0, 10)
    with pytest.raises(ParameterError, match=r"^max_steps"):
        steps_to_tolerance(lambda x, t: x, np.ones((1, 1)), 0.1, 0)
    with pytest.raises(ParameterError, match="measure"):
        steps_to_tolerance(lambda x, t: x, np.ones((1, 1)), 0.1, 3, measure=lambda x: x)
    with pytest.raises(ParameterError, match=r"^factor"):
        geometric_steps(1.5, 0.1)
