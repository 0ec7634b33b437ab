"""D2 batch-scaling-rules: loss against examples, the stationary edge, and the claim's forms."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from lrtheory import Settings, Verdict, verify
from lrtheory.claims import batch_scaling as d2
from lrtheory.errors import ParameterError
from lrtheory.models import batch_scaling as bs
from lrtheory.models import nqm
from lrtheory.symbolic import batch_scaling as sb
from lrtheory.symbolic.identity import identical

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
    # Halving every rate (and so every u) halves the gap at fixed τ up to O(u²): the ratio of
    # successive gaps tends to 2, its distance from 2 being first order and so halving too.
    gaps = []
    for rho in (0.002, 0.001, 0.0005):
        n = round(2.0 / rho)  # τ = ρλ_max N = 2
        base = bs.loss_vs_examples(LAM, C, rho, 1, n)
        big = bs.loss_vs_examples(LAM, C, 4 * rho, 4, n)
        gaps.append(big.loss[-1] - base.loss[-1])
    off = [abs(gaps[0] / gaps[1] - 2.0), abs(gaps[1] / gaps[2] - 2.0)]
    assert off[1] < 0.6 * off[0]
    assert off[1] < 0.02


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


def test_update_noise_is_eta_squared_c_over_b() -> None:
    np.testing.assert_allclose(bs.update_noise(LAM, C, 0.3, 4), 0.09 * C / 4, rtol=1e-15)
    # the linear rule: Var(Δθ) × B/B₀, temperature kept; the √ rule: the reverse
    assert bs.noise_ratios(LAM, C, 0.1, 2, 8, 1.0) == pytest.approx((4.0, 1.0), rel=1e-14)
    assert bs.noise_ratios(LAM, C, 0.1, 2, 8, 0.5) == pytest.approx((1.0, 0.5), rel=1e-14)


def test_bad_input_names_the_parameter() -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: bs.scaled_rate(0.1, 1, 4, 2.0), "power"),
        (lambda: bs.scaled_rate(-0.1, 1, 4, 1.0), "eta0"),
        (lambda: bs.loss_vs_examples(LAM, C, 0.1, 8, 4), "examples"),
        (lambda: bs.loss_vs_examples(LAM, -C, 0.1, 1, 4), "per_example_var"),
        (lambda: bs.loss_vs_examples(LAM, C, 0.1, 1, 4, beta=1.0), "beta"),
        (lambda: bs.stationary_moment(0.1, 1.0, 0.0, 0.0), "noise_var"),
        (lambda: bs.update_noise(LAM, C, 0.0, 4), "rate"),
        (lambda: bs.update_noise(LAM, -C, 0.1, 4), "per_example_var"),
        (lambda: bs.noise_ratios(LAM, C, 0.1, 1, 4, 1.5), "power"),
        (lambda: sb.curve_loss(LAM, C, 0.1, 0, 10), "batch"),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError, match=name):
            call()


# --- the claim ----------------------------------------------------------------------------


def test_derived_curve_and_first_order_term_against_the_recursion() -> None:
    for b in (1, 4, 16, 64):
        rate = d2.RATE0 * b
        curve = d2._curve(b, rate, 0.0)
        closed = sb.curve_loss(d2.CURVATURES, d2.NOISE, rate, b, curve.examples[-1])
        assert closed == pytest.approx(curve.loss[-1], rel=1e-12)
    # (L_B − L_{B₀})/(η_B − η₀) → Σ½λ²m₁ as the rates shrink (here η₀λ_max = 10⁻⁴, B = 2).
    lam, c, rho, n = d2.CURVATURES, d2.NOISE, 1e-4, 20_000
    base = bs.loss_vs_examples(lam, c, rho, 1, n)
    two = bs.loss_vs_examples(lam, c, 2 * rho, 2, n)
    gap = sb.first_order_gap(lam, c, rho, 1, 2 * rho, n)
    assert two.loss[-1] - base.loss[-1] == pytest.approx(gap, rel=1e-3)


def test_derived_rules_and_temperature() -> None:
    r = sb.scaling_rules()
    assert identical(r["linear_rate"], sb.ETA0 * sb.B / sb.B0)
    assert identical(r["temperature"], sb.ETA * sb.C / sb.B)
    assert identical(r["temperature_linear"], sb.ETA0 * sb.C / sb.B0)  # B-free
    assert not identical(r["temperature_sqrt"], sb.ETA0 * sb.C / sb.B0)
    assert identical(r["sqrt_ratio"], 1)
    # the cheap expansion of the curve equals SymPy's series of the whole curve
    whole = sp.series(r["curve"], sb.U, 0, 2).removeO()
    assert identical(whole.coeff(sb.U, 0), r["m0"])
    assert identical(whole.coeff(sb.U, 1), r["m1"])


def test_unstable_heavy_ball_point_is_named_a_fixed_point() -> None:
    names = {p.label: [c.name for c in d2.D2.model(p)] for p in d2.D2.points
             if p.params["beta"] > 0}
    stable, unstable = (next(v for k, v in names.items() if f"B = {b}" in k) for b in (48, 64))
    assert any(n.startswith("derived stationary Σ_θθ") for n in stable)
    assert any(n.startswith("fixed point of the covariance map (no stationary law: unstable)")
               for n in unstable)
    assert not any("stationary Σ_θθ" in n for n in unstable)


def test_claim_verifies_with_a_coarse_resolution() -> None:
    run = verify([d2.D2], Settings(seed=3, backend="numpy", resolution=0.1, pilot_chains=2000))
    result = run.claims[0]
    assert result.verdict in (Verdict.VERIFIED, Verdict.APPROXIMATE)
    assert all(m.verdict == Verdict.VERIFIED for m in result.monte_carlo)
    assert all(i.verdict == Verdict.VERIFIED for i in result.identities)
    v = result.validity
    assert v is not None
    assert all(np.diff(v.errors) > 0)
