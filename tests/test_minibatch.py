"""D1 minibatch-variance: exact minibatch moments, the sampler, and the claim's derivation."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from lrtheory import Settings, Verdict, verify
from lrtheory.claims import minibatch as d1
from lrtheory.errors import ParameterError
from lrtheory.models import minibatch as mb
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import minibatch as sm
from lrtheory.symbolic.identity import identical

DATA = [3, -1, 4, 1, -5, 9, 2]  # n = 7: not a power of two


@pytest.mark.parametrize("replacement", [True, False])
def test_recursion_equals_listing_every_batch(replacement: bool) -> None:
    sizes = range(1, 5 if replacement else len(DATA) + 1)
    by_size = mb.moments_by_size(DATA, max(sizes), replacement)
    for b in sizes:
        listed = mb.enumerated_moments(DATA, b, replacement)
        assert by_size[b - 1] == listed == mb.minibatch_moments(DATA, b, replacement)


def test_fractional_data_take_the_fraction_path() -> None:
    data = [Fraction(1, 3), 2.5, Fraction(-1, 7), 0]
    for rep in (True, False):
        assert mb.minibatch_moments(data, 3, rep) == mb.enumerated_moments(data, 3, rep)


def test_known_closed_forms_on_arbitrary_data() -> None:
    mu, sigma2 = mb.population_moments(DATA)
    n = len(DATA)
    assert mu == Fraction(sum(DATA), n)
    for b in range(1, n + 1):
        wr, wo = mb.minibatch_moments(DATA, b, True), mb.minibatch_moments(DATA, b, False)
        assert wr.mean == wo.mean == mu
        assert wr.variance == sigma2 / b
        assert wo.variance == sigma2 / b * Fraction(n - b, n - 1)
        assert wr.batches == n**b
        assert wo.batches == math.comb(n, b)
    assert mb.minibatch_moments(DATA, n, False).variance == 0


def test_recursion_handles_astronomically_many_subsets() -> None:
    data = list(range(-32, 32))
    m = mb.minibatch_moments(data, 32, False)
    assert m.batches == math.comb(64, 32)
    assert m.variance == mb.population_moments(data)[1] / 32 * Fraction(32, 63)


def test_least_squares_gradients_average_to_the_full_gradient() -> None:
    x, y = mb.sign_design(16, 2, 1)
    w = np.array([4, 1])
    g = mb.least_squares_gradients(x, y, w)
    assert g.dtype.kind == "i"
    assert g.shape == (16, 2)
    np.testing.assert_array_equal(g.sum(axis=0), x.T @ (x @ w - y))
    assert np.all(np.unique(x, axis=0, return_counts=True)[1] == 4)


def test_batch_counts_are_batches_of_the_right_law() -> None:
    n, b, chains = 7, 3, 200_000
    counts = Ensemble(seed=2, threads=1).run(
        lambda rng: _pairs(mb.batch_counts(rng, n, b, False)), chains)
    # Column 0: Σ_i c_i = B always; columns 1..n: inclusion of i (p = B/n); last: {0, 1} ⊂ S
    # (p = B(B − 1)/(n(n − 1))). Tested at 5 standard errors (false alarm < 10⁻⁵ per test).
    assert counts.mean[0] == b
    assert counts.variance[0] == 0
    p = np.r_[np.full(n, b / n), b * (b - 1) / (n * (n - 1))]
    z = (counts.mean[1:] - p) / np.sqrt(p * (1 - p) / chains)
    assert np.all(np.abs(z) < 5), z


def _pairs(c: np.ndarray) -> np.ndarray:
    assert set(np.unique(c)) <= {0.0, 1.0}
    return np.column_stack([c.sum(axis=1), c, c[:, 0] * c[:, 1]])


@pytest.mark.parametrize(("replacement", "b"), [(True, 3), (False, 3), (False, 6)])
def test_sampled_variance_matches_the_exact_one(replacement: bool, b: int) -> None:
    g = np.array(DATA)[:, None]
    m = Ensemble(seed=5, threads=1).run(lambda rng: mb.minibatch_means(rng, g, b, replacement),
                                        100_000)
    exact = mb.minibatch_moments(DATA, b, replacement)
    assert abs(m.mean[0] - float(exact.mean)) < 5 * m.stderr_mean[0]
    assert abs(m.variance[0] - float(exact.variance)) < 5 * m.stderr_variance[0]


def test_full_batch_without_replacement_is_deterministic() -> None:
    # Eight integers: every batch mean is a dyadic number, so "variance 0" is exact in floats.
    g = np.array([*DATA, 6])[:, None]
    m = Ensemble(seed=1).run(lambda rng: mb.minibatch_means(rng, g, 8, False), 5000)
    assert m.variance[0] == 0
    assert m.mean[0] == np.mean(g)


def test_column_is_exact_python_ints() -> None:
    g = np.array([[2**60 + 1, -3], [5, 7]], dtype=np.int64)
    assert mb.column(g, 0) == [2**60 + 1, 5]
    assert all(type(v) is int for v in mb.column(g, 1))


def test_sampling_distance() -> None:
    assert mb.sampling_distance(16, 4, True, np.float64) == 0.0
    assert mb.sampling_distance(16, 16, False, np.float64) == 0.0
    assert 0 < mb.sampling_distance(7, 3, True, np.float64) < 1e-13
    assert mb.sampling_distance(7, 3, False, np.float32) > mb.sampling_distance(
        7, 3, False, np.float64)


def test_bad_input_names_the_parameter() -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: mb.minibatch_moments(DATA, 8, False), "batch"),
        (lambda: mb.minibatch_moments(DATA, 0, True), "batch"),
        (lambda: mb.minibatch_moments(["a"], 1, True), "values"),
        (lambda: mb.minibatch_moments([True, 2], 1, True), "values"),
        (lambda: mb.minibatch_moments([], 1, True), "values"),
        (lambda: mb.minibatch_moments([float("nan")], 1, True), "values"),
        (lambda: mb.enumerated_moments(list(range(30)), 15, False), "batch"),
        (lambda: mb.sign_design(12, 3, 0), "n"),
        (lambda: mb.least_squares_gradients(np.ones((3, 2)), np.ones(2), np.ones(2)), "x"),
        (lambda: mb.column(np.ones((3, 2)), 0), "per_example"),  # floats: not exact ints
        (lambda: mb.column(np.arange(3), 0), "per_example"),  # not (n, d)
        (lambda: mb.column(np.zeros((0, 2), dtype=np.int64), 0), "per_example"),
        (lambda: mb.column(np.arange(6).reshape(3, 2), 2), "j"),
        (lambda: mb.column(np.arange(6).reshape(3, 2), -1), "j"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=name):
            call()


# --- the claim ----------------------------------------------------------------------------


def test_derived_variances_reduce_to_each_other_at_b_equal_one() -> None:
    r = d1._derive()
    assert identical(r["wr"][3].subs(d1.B, 1), r["wo"][3].subs(d1.B, 1))
    assert identical(r["factor"], (d1.N - d1.B) / (d1.N - 1))


@pytest.mark.parametrize("replacement", [True, False])
def test_count_moments_respect_the_batch_size(replacement: bool) -> None:
    """Σc_i = B always: n·E[c] = B and Var(Σc_i) = n·Var(c) + n(n − 1)·Cov(c, c′) = 0."""
    mean_c, same, other = sm.count_moments(replacement)
    var_c, cov_c, _, _ = sm.weighted_sum_moments(mean_c, same, other)
    n, b = sm.N, sm.B
    assert identical(n * mean_c, b)
    assert identical(n * var_c + n * (n - 1) * cov_c, 0)
    # against brute force at n = 5, B = 3: Var(c_1) over all batches
    batches = (list(itertools.product(range(5), repeat=3)) if replacement
               else list(itertools.combinations(range(5), 3)))
    counts = [row.count(0) for row in batches]
    mean = Fraction(sum(counts), len(counts))
    brute = Fraction(sum(c * c for c in counts), len(counts)) - mean**2
    assert sm.exact_fraction(var_c, {n: 5, b: 3}) == brute


def test_exact_fraction_refuses_a_non_rational_result() -> None:
    assert sm.exact_fraction(sm.SIGMA**2 / sm.B, {sm.SIGMA**2: Fraction(3, 4), sm.B: 3}) == \
        Fraction(1, 4)
    with pytest.raises(ParameterError, match="values"):
        sm.exact_fraction(sm.SIGMA / sm.B, {sm.B: 2})


def test_closed_variance_is_exact_on_the_claims_data() -> None:
    g, _, _ = d1._data(16, 1)
    col = mb.column(g, 0)
    s2 = mb.population_moments(col)[1]
    for b in (1, 5, 16):
        for rep in (True, False):
            assert d1._closed_variance(s2, 16, b, rep) == mb.minibatch_moments(col, b, rep).variance


def test_claim_verifies_with_a_coarse_resolution() -> None:
    run = verify([d1.D1], Settings(seed=3, backend="numpy", resolution=0.1,
                                                    pilot_chains=2000))
    result = run.claims[0]
    assert result.verdict in (Verdict.VERIFIED, Verdict.APPROXIMATE)
    assert all(m.verdict == Verdict.VERIFIED for m in result.monte_carlo)
    assert result.validity is not None
    n = d1.VALIDITY_N
    expected = [(b - 1) / (n - b) for b in d1.VALIDITY_B]
    np.testing.assert_allclose(result.validity.errors, expected, rtol=1e-12)
