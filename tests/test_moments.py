"""Merged moments equal the moments of the concatenated sample."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from lrtheory.montecarlo.moments import Moments


@settings(max_examples=50, deadline=None)
@given(hst.lists(hst.integers(2, 200), min_size=1, max_size=6), hst.integers(0, 2**31))
def test_merge_equals_direct_computation(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    parts = [rng.standard_normal((n, 2)) * 3 + rng.uniform(-5, 5) for n in sizes]
    merged = Moments(0, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    for p in parts:
        merged = merged.merge(Moments.of(p))
    direct = Moments.of(np.concatenate(parts))
    assert merged.n == direct.n
    for name in ("mean", "m2", "m3", "m4"):
        np.testing.assert_allclose(getattr(merged, name), getattr(direct, name),
                                   rtol=1e-9, atol=1e-9)


def test_one_dimensional_sample_is_one_column() -> None:
    m = Moments.of(np.array([1.0, 2.0, 3.0, 4.0]))
    assert m.mean.shape == (1,)
    assert float(m.variance[0]) == pytest.approx(5 / 3)
