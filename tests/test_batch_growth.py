"""Batch growth against rate decay: the arms, the coupled Monte Carlo kernel, D11's forms."""

from __future__ import annotations

import numpy as np
import pytest

from lrtheory.claim import Point
from lrtheory.claims import batch_growth as d11
from lrtheory.errors import ParameterError
from lrtheory.models import batch_growth as bg
from lrtheory.models import batch_scaling as bs
from lrtheory.models import nqm
from lrtheory.montecarlo.backend import numpy_backend
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.symbolic import batch_growth as sg
from lrtheory.verify import Settings

LAM = np.array([1.0, 0.5, 0.2])
NOISE = np.array([2.0, 1.0, 0.4])


def _rng(n: int, seed: int = 0) -> ChunkRNG:
    backend = numpy_backend()
    return ChunkRNG(backend, [(backend.generator(np.random.SeedSequence(seed)), 0, n)],
                    np.float64)


def test_arm_settings_and_noise_scales() -> None:
    settings = {name: bg.arm_setting(name, 0.3, 2, 4) for name in bg.ARMS}
    assert settings == {"decay": (0.075, 2), "growth": (0.3, 8), "adapted": (1.2, 8),
                        "constant": (0.3, 2)}
    g = {name: rate / batch for name, (rate, batch) in settings.items()}
    assert g["decay"] == pytest.approx(g["growth"])
    assert g["adapted"] == pytest.approx(
        g["constant"])
    with pytest.raises(ParameterError, match="name"):
        bg.arm_setting("warmup", 0.3, 2, 4)
    with pytest.raises(ParameterError, match="batch"):
        bg.arm_setting("decay", 0.3, 0, 4)


def test_switch_and_phase_two_are_the_recursion_chained() -> None:
    start = bg.switch_moments(LAM, NOISE, 0.3, 2, 40, m0=2.0)
    by_hand = nqm.sgd_second_moments(LAM, NOISE / 2, np.full(20, 0.3), 2.0)[-1]
    np.testing.assert_allclose(start, by_hand, rtol=1e-15)
    arms = bg.phase_two(LAM, NOISE, 0.3, 2, 4, 64, start)
    rates = np.full(8, 0.3)  # growth: 64 examples at B = 8, from the same start
    growth = nqm.expected_loss(LAM, nqm.sgd_second_moments(LAM, NOISE / 8, rates, start))
    np.testing.assert_allclose(arms["growth"].loss, growth, rtol=1e-14)
    assert arms["decay"].loss.size - 1 == 4 * (arms["growth"].loss.size - 1)
    gap = bs.relative_gap(arms["growth"], arms["decay"])  # D2's comparison, reused
    assert gap[0] == 0.0
    assert gap.size == 9
    with pytest.raises(ParameterError, match="examples"):
        bg.phase_two(LAM, NOISE, 0.3, 2, 4, 60, start)


def test_noiseless_coupled_arms_are_the_deterministic_recursions() -> None:
    plans = {"a": [bg.Phase(0.3, 1, 6), bg.Phase(0.1, 1, 8)],
             "b": [bg.Phase(0.3, 1, 6), bg.Phase(0.3, 4, 8)]}
    kernel = bg.coupled_arms(LAM, 0.0, 2, plans, [0, 6, 14], x0=1.5)
    out = np.asarray(kernel(_rng(3)))
    for a, rates in enumerate(([0.3] * 6 + [0.1] * 8, [0.3] * 6 + [0.3] * 2)):
        path = nqm.expected_loss(LAM, nqm.sgd_second_moments(LAM, 0.0, rates, 2.25))
        at = [0, 6, len(rates)]
        np.testing.assert_allclose(out[:, 3 * a:3 * a + 3], np.tile(path[at], (3, 1)),
                                   rtol=1e-13)


def test_coupled_arms_agree_with_the_exact_recursion_and_share_examples() -> None:
    plans = {"decay": [bg.Phase(0.4, 1, 10), bg.Phase(0.1, 1, 20)],
             "growth": [bg.Phase(0.4, 1, 10), bg.Phase(0.4, 4, 20)],
             "twin": [bg.Phase(0.4, 1, 10), bg.Phase(0.1, 1, 20)]}
    kernel = bg.coupled_arms(LAM, NOISE, 2, plans, [30], x0=1.0)
    m = Ensemble(seed=7, threads=1).run(kernel, 40000)
    start = bg.switch_moments(LAM, NOISE, 0.4, 2, 20)
    arms = bg.phase_two(LAM, NOISE, 0.4, 2, 4, 40, start, arms=("decay", "growth"))
    for col, name in ((0, "decay"), (1, "growth")):
        assert abs(m.mean[col] - arms[name].loss[-1]) < 4.5 * m.stderr_mean[col]
    out = np.asarray(kernel(_rng(50)))
    np.testing.assert_array_equal(out[:, 0], out[:, 2])  # same plan, same examples


def test_a_batch_of_m_units_averages_their_noise() -> None:
    """From θ = 0 with λ → 0, one step on m units moves θ by −η·mean(ξ): variance c/(mB)."""
    tiny = np.array([1e-12])
    plans = {"one": [bg.Phase(1.0, 1, 4)], "four": [bg.Phase(1.0, 4, 4)]}
    kernel = bg.coupled_arms(tiny, 3.0, 2, plans, [4], x0=0.0)
    m = Ensemble(seed=1, threads=1).run(kernel, 60000)
    # loss ½λθ²: four single steps sum four units (variance 4·c/B); one 4-unit step averages
    ratio = m.mean[0] / m.mean[1]
    assert ratio == pytest.approx(16.0, rel=0.05)


def test_coupled_arms_checks_its_plans() -> None:
    with pytest.raises(ParameterError, match="arms"):
        bg.coupled_arms(LAM, NOISE, 2, {"a": [bg.Phase(0.1, 1, 4)],
                                        "b": [bg.Phase(0.1, 1, 6)]}, [4])
    with pytest.raises(ParameterError, match="units"):
        bg.coupled_arms(LAM, NOISE, 2, {"a": [bg.Phase(0.1, 4, 6)]}, [4])
    with pytest.raises(ParameterError, match="record"):
        bg.coupled_arms(LAM, NOISE, 2, {"a": [bg.Phase(0.1, 4, 8)]}, [3])


def test_derived_curve_from_a_per_direction_start_matches_the_recursion() -> None:
    for u1 in (0.2, 0.45, 1.6):
        rate, _, after = d11._plan(Point("", {"u1": u1}))
        start, arms = d11._exact(u1)
        x = arms["decay"].examples
        derived = d11._derived_loss("decay", rate, start, x)
        np.testing.assert_allclose(derived, arms["decay"].loss, rtol=1e-11)
        assert after == arms["decay"].examples[-1]


def test_first_order_gap_is_first_order() -> None:
    """(derived first-order gap)/(exact gap) → 1 as u₁ → 0, with an error ∝ u₁."""
    errors = []
    for u1 in (0.01, 0.02, 0.04):
        rate, _, after = d11._plan(Point("", {"u1": u1}))
        start, arms = d11._exact(u1)
        exact = arms["growth"].loss[-1] - arms["decay"].loss[-1]
        errors.append(abs(d11._first_order("growth", "decay", rate, start, after) / exact - 1))
    assert errors[0] < 0.02
    assert errors[2] / errors[1] == pytest.approx(2.0, rel=0.25)
    assert errors[1] / errors[0] == pytest.approx(2.0, rel=0.25)


def test_validity_rows_are_ordered_and_the_adapted_arm_breaks_at_2_over_k() -> None:
    exact, _first, adapted = d11._validity_rows()
    assert list(exact) == sorted(exact)
    for u1, gap in zip(d11.VALIDITY_U, adapted, strict=True):
        assert np.isfinite(gap) == (u1 * d11.FACTOR < 2)


def test_derived_step_ratio_edge_and_floor_ratios() -> None:
    assert sg.steps_ratio(d11.FACTOR) == d11.FACTOR
    assert sg.steps_ratio(7) == 7
    assert sg.adapted_edge(0.45, 1.0) == pytest.approx(2 / 0.45, rel=1e-15)
    # the Lyapunov fixed points against the derived floor ratio (2 − u/k)/(2 − u)
    u, k, lam_min = 1.6, d11.FACTOR, float(d11.CURVATURES[-1])
    along_max, along_min = d11._floor_ratios(u)
    assert along_max == pytest.approx((2 - u / k) / (2 - u), rel=1e-12)
    assert along_min == pytest.approx((2 - u * lam_min / k) / (2 - u * lam_min), rel=1e-12)


def test_records_and_the_scale_of_a_wrong_gap() -> None:
    assert Settings().resolution == d11.RESOLUTION
    for u1 in (0.2, 0.45):
        _, _, after = d11._plan(Point("", {"u1": u1}))
        _, arms = d11._exact(u1)
        lead, half, end = d11._records(u1)
        gap = bs.relative_gap(arms["growth"], arms["decay"])
        unit = d11.FACTOR * d11.BATCH
        assert lead % unit == half % unit == 0
        assert gap[lead // unit] == gap.min() < 0 < gap[half // unit] < gap[end // unit]
        assert end == after
        for x in (lead, half, end):  # the nearer negative control is never past zero
            decay = float(arms["decay"].loss[x // d11.BATCH])
            g = float(arms["growth"].loss[x // unit]) - decay
            scale = d11._gap_scale(g, decay)
            assert scale <= decay
            assert d11.RESOLUTION * scale <= abs(g) * (1 + 1e-12)
    # at u₁ = 0.2 the early lead is below 2 % of L_A: the gap itself sets the scale
    lead = d11._records(0.2)[0]
    _, arms = d11._exact(0.2)
    decay = float(arms["decay"].loss[lead // d11.BATCH])
    g = float(arms["growth"].loss[lead // (d11.FACTOR * d11.BATCH)]) - decay
    assert d11._gap_scale(g, decay) < decay
