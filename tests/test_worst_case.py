"""Worst-case counting of GD on quadratics: passages, piecewise counts, judging counts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from lrtheory.errors import ParameterError
from lrtheory.models.convergence import geometric_steps, steps_to_tolerance
from lrtheory.models.worst_case import (
    count_tolerance,
    integer_margin,
    piecewise_geometric_steps,
    sup_norm,
    worst_case_passage,
)
from lrtheory.montecarlo.moments import Moments
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion


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


def test_indicator_proportion_recovers_the_exact_count_through_many_merges() -> None:
    """Brute force: the kernel tallies its own ones; 1429 chunks of 7 chains are merged."""
    tally: list[int] = []

    def kernel(rng: ChunkRNG) -> Any:
        hits = (rng.uniform() < 0.3).astype(rng.dtype)
        tally.append(int(hits.sum()))
        return np.stack([hits, 1.0 - hits], axis=1)

    ens = Ensemble(seed=5, block=7, chunk=7, threads=1)
    m = ens.run(kernel, 10_000)
    for col, count in ((0, sum(tally)), (1, 10_000 - sum(tally))):
        sample = indicator_proportion(m, col, ens)
        assert (sample.kind, sample.successes, sample.n) == ("proportion", count, 10_000)


def test_indicator_proportion_is_exact_for_uneven_chunks_merged_in_any_size() -> None:
    rng = np.random.default_rng(8)
    ens = Ensemble(block=1)  # the bound then allows for one chain per chunk
    for _ in range(20):
        parts = [rng.random(int(rng.integers(1, 60))) < rng.random() for _ in range(300)]
        total = Moments(0, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
        for part in parts:
            total = total.merge(Moments.of(part.astype(np.float64)))
        assert indicator_proportion(total, 0, ens).successes == sum(int(p.sum()) for p in parts)


def test_indicator_proportion_refuses_what_it_cannot_count_exactly() -> None:
    ens = Ensemble()
    tenths = Moments.of(np.full(1001, 0.3))  # mean·n = 300.3: not a 0/1 column
    with pytest.raises(ValueError, match="not a 0/1 indicator"):
        indicator_proportion(tenths, 0, ens)
    # 10¹⁰ chains in 16384-chain chunks: rounding could reach a whole count.
    huge = Moments(10**10, np.array([0.5]), np.zeros(1), np.zeros(1), np.zeros(1))
    with pytest.raises(ValueError, match="no longer fixes the count"):
        indicator_proportion(huge, 0, ens)
    assert indicator_proportion(Moments.of(np.ones(3)), 0, ens).successes == 3
