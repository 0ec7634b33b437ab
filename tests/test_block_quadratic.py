"""Block-diagonal quadratics with a rate per block (S6): laws, rates, counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import betainc

from lrtheory.claims.layerwise_lr import S6
from lrtheory.errors import ParameterError
from lrtheory.models.block_quadratic import BlockLaw, block_factors, range_cdf, worst_case_rate
from lrtheory.models.convergence import geometric_steps
from lrtheory.symbolic.identity import identical


@pytest.mark.parametrize("n", [2, 3, 16])
def test_range_law_is_the_beta_cdf(n: int) -> None:
    # The range of n uniforms is Beta(n − 1, 2).
    w = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(range_cdf(w, n), betainc(n - 1, 2, w), atol=1e-14)


def test_expected_counts_and_strict_fraction_match_brute_force_sampling() -> None:
    law, tol, n = BlockLaw(4, 3, math.log(15.0)), 1e-2, 200_000
    lam = np.exp(law.log_range * np.random.default_rng(0).uniform(size=(n, 4, 3)))
    for f in (0.3, 0.8):
        rho = {r: np.max(np.abs(block_factors(lam, f, r)), axis=1)
               for r in ("layerwise", "global")}
        for rule, r in rho.items():
            counts = np.ceil(math.log(tol) / np.log(r))
            se = counts.std() / math.sqrt(n)
            assert abs(counts.mean() - law.expected_steps(f, tol, rule)) < 5 * se
        strict = rho["layerwise"] < rho["global"]
        p = law.strict_speedup(f)
        assert abs(strict.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
        assert np.all(rho["layerwise"] <= rho["global"])  # never slower


def test_block_factors_use_each_blocks_own_top_and_the_worst_case_rate() -> None:
    lam = np.array([[[1.0, 4.0], [2.0, 8.0]]])
    q = block_factors(lam, 0.5, "layerwise")
    np.testing.assert_allclose(q, [[0.75, 0.0, 0.75, 0.0]])
    q = block_factors(lam, 0.5, "global")
    np.testing.assert_allclose(q, [[1 - 1 / 8, 0.5, 0.75, 0.0]])
    assert np.max(np.abs(q)) == pytest.approx(worst_case_rate(0.5, 8.0))


def test_at_most_half_the_limit_layerwise_dominates_every_start() -> None:
    rng = np.random.default_rng(1)
    lam = np.exp(2.0 * rng.uniform(size=(50, 3, 2)))
    for f in (0.2, 0.5):
        lw, gl = (np.abs(block_factors(lam, f, r)) for r in ("layerwise", "global"))
        assert np.all(lw <= gl + 1e-15)
    # Beyond 1/2 a block can be overshot by its own rate: here 0.8 against 0.28.
    lam = np.array([[[1.0], [0.4]]])
    lw, gl = (np.abs(block_factors(lam, 0.9, r))[0, 1] for r in ("layerwise", "global"))
    assert (lw, gl) == (pytest.approx(0.8), pytest.approx(0.28))
    assert geometric_steps(gl, 1e-6) < geometric_steps(lw, 1e-6)


def test_bad_parameters_name_themselves() -> None:
    with pytest.raises(ParameterError, match="blocks"):
        BlockLaw(1, 2, 1.0)
    with pytest.raises(ParameterError, match="rule"):
        BlockLaw(2, 2, 1.0).expected_steps(0.5, 0.1, "per-layer")
    with pytest.raises(ParameterError, match="fraction"):
        BlockLaw(2, 2, 1.0).expected_steps(1.0, 0.1, "global")
    with pytest.raises(ParameterError, match="rule"):
        block_factors(np.ones((1, 2, 2)), 0.5, "per-layer")


# ---------------------------------------------------------------------- the claim


def test_identities_are_decided_as_derived() -> None:
    for identity in S6.derive().identities:
        assert identical(identity.derived, identity.stated) == identity.expect_equal, \
            identity.name


def test_every_model_check_holds_within_its_tolerance() -> None:
    for point in S6.points:
        for check in S6.model(point):
            assert check.exact
            assert check.abs_error <= check.tolerance, (point.label, check.name)
