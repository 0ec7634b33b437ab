"""D2 batch-scaling-rules: loss against examples, the stationary edge, and the claim's forms."""

from __future__ import annotations

import numpy as np
import pytest

from lrtheory import Settings, Verdict, verify
from lrtheory.claims import batch_scaling as d2
from lrtheory.errors import ParameterError
from lrtheory.models import batch_scaling as bs
from lrtheory.models import nqm

LAM = np.array([1.0, 0.3])
C = np.array([2.0, 0.5])


def test_scaled_rate() -> None:
    assert bs.scaled_rate(0.1, 2, 8, 1.0) == pytest.approx(0.4)
    assert bs.scaled_rate(0.1, 2, 8, 0.5) == pytest.approx(0.2)
    assert bs.scaled_rate(0.1, 2, 8, 0.0) == 0.1


def test_curve_is_the_nqm_recursion_at_batch_noise() -> None:
    curve = bs.loss_vs_examples(LAM, C, 0.2, 4, 42)
    assert curve.examples.tolist() == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40]
    direct = nqm.expected_loss(LAM, nqm.sgd_second_moments(LAM, C / 4, np.full(10, 0.2)))
    np.testing.assert_array_equal(curve.loss, direct)
    hb0 = bs.loss_vs_examples(LAM, C, 0.2, 4, 42, beta=0.0)
    np.testing.assert_array_equal(hb0.loss, curve.loss)


def test_relative_gap() -> None:
    base = bs.loss_vs_examples(LAM, C, 0.05, 1, 64)
    same = bs.loss_vs_examples(LAM, C, 0.05, 1, 64)
    assert np.all(bs.relative_gap(same, base) == 0)
    big = bs.loss_vs_examples(LAM, C, 0.4, 8, 64)
    gap = bs.relative_gap(big, base)
    assert gap.shape == (9,)
    assert gap[0] == 0
    with pytest.raises(ParameterError, match="reference"):
        bs.relative_gap(base, big)


def test_linear_scaling_gap_is_first_order_in_eta_lambda() -> None:
    # Halving every rate (and so every u) should halve the gap at fixed τ, to O(u²).
    gaps = []
    for rho in (0.001, 0.0005):
        n = round(2.0 / rho)  # τ = ρλ_max N = 2
        base = bs.loss_vs_examples(LAM, C, rho, 1, n)
        big = bs.loss_vs_examples(LAM, C, 4 * rho, 4, n)
        gaps.append(big.loss[-1] - base.loss[-1])
    assert gaps[0] / gaps[1] == pytest.approx(2.0, rel=0.01)


def test_stationary_moment_matches_the_known_formulas() -> None:
    eta, lam, s2 = 0.3, 2.0, 0.7
    assert bs.stationary_moment(eta, lam, 0.0, s2) == pytest.approx(
        eta * s2 / (lam * (2 - eta * lam)), rel=1e-12)
    beta = 0.6
    assert bs.stationary_moment(eta, lam, beta, s2) == pytest.approx(
        eta * s2 * (1 + beta) / (lam * (1 - beta) * (2 + 2 * beta - eta * lam)), rel=1e-12)
    assert bs.stationary_moment(1.1, lam, 0.0, s2) < 0  # past 2/λ: no stationary law


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_stationary_edge_is_the_heavy_ball_bound(beta: float) -> None:
    found, slack = bs.stationary_edge(lambda x: x, 2.0, beta, lambda x: 1.0, 0.1, 4.0)
    assert abs(found.value - (1 + beta)) <= found.tolerance + slack
    assert slack < 1e-10


def test_bad_input_names_the_parameter() -> None:
    cases = [
        (lambda: bs.scaled_rate(0.1, 1, 4, 2.0), "power"),
        (lambda: bs.scaled_rate(-0.1, 1, 4, 1.0), "eta0"),
        (lambda: bs.loss_vs_examples(LAM, C, 0.1, 8, 4), "examples"),
        (lambda: bs.loss_vs_examples(LAM, -C, 0.1, 1, 4), "per_example_var"),
        (lambda: bs.loss_vs_examples(LAM, C, 0.1, 1, 4, beta=1.0), "beta"),
        (lambda: bs.stationary_moment(0.1, 1.0, 0.0, 0.0), "noise_var"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=name):
            call()


# --- the claim ----------------------------------------------------------------------------


def test_derived_curve_and_first_order_term_against_the_recursion() -> None:
    for b in (1, 4, 16, 64):
        rate = d2.RATE0 * b
        curve = d2._curve(b, rate, 0.0)
        assert d2._closed_loss(b, rate, curve.examples[-1]) == pytest.approx(curve.loss[-1],
                                                                             rel=1e-12)
    # (L_B − L_{B₀})/(η_B − η₀) → Σ½λ²m₁ as the rates shrink (here η₀λ_max = 10⁻⁴, B = 2).
    lam, c, rho, n = d2.CURVATURES, d2.NOISE, 1e-4, 20_000
    base = bs.loss_vs_examples(lam, c, rho, 1, n)
    two = bs.loss_vs_examples(lam, c, 2 * rho, 2, n)
    m1 = d2._numeric()["m1"](rho * lam * n, rho * c / lam, 1.0)
    slope = float(np.sum(0.5 * lam**2 * m1))
    assert (two.loss[-1] - base.loss[-1]) / rho == pytest.approx(slope, rel=1e-3)


def test_claim_verifies_with_a_coarse_resolution() -> None:
    run = verify([d2.D2], Settings(seed=3, backend="numpy", resolution=0.1, pilot_chains=2000))
    result = run.claims[0]
    assert result.verdict in (Verdict.VERIFIED, Verdict.APPROXIMATE)
    assert all(m.verdict == Verdict.VERIFIED for m in result.monte_carlo)
    assert all(i.verdict == Verdict.VERIFIED for i in result.identities)
    v = result.validity
    assert v is not None
    assert all(np.diff(v.errors) > 0)
