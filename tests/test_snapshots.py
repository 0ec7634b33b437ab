"""The snapshot-ensemble model (lrtheory.models.snapshots) and claim H2's stated numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models import snapshots as snap
from lrtheory.montecarlo.backend import get_backend
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import snapshots as sym


def _affine_snapshots(lam: float, rates: list[np.ndarray]) -> np.ndarray:
    """Each snapshot as a linear function of (θ₀, ξ_1 … ξ_T): the rows of L, by unrolling
    θ ← (1 − ηλ)θ − ηξ one step at a time (an independent route to the covariance)."""
    steps = sum(c.size for c in rates)
    row = np.zeros(1 + steps)
    row[0] = 1.0
    rows = [row.copy()]
    t = 0
    for cycle in rates:
        for eta in cycle:
            row = (1 - eta * lam) * row
            row[1 + t] -= eta
            t += 1
        rows.append(row.copy())
    return np.array(rows)


def test_cycle_map_matches_the_stepwise_recursion() -> None:
    rng = np.random.default_rng(1)
    rates = rng.uniform(0.0, 1.5, 12)
    lam = np.array([0.3, 1.0, 1.7])
    rho, q = snap.cycle_map(lam, 0.5, rates)
    for i, curv in enumerate(lam):
        r, v = 1.0, 0.0
        for e in rates:
            r *= 1 - e * curv
            v = (1 - e * curv) ** 2 * v + e * e * 0.5
        assert rho[i] == pytest.approx(r, rel=1e-13)
        assert q[i] == pytest.approx(v, rel=1e-13)


def test_snapshot_covariance_equals_the_unrolled_linear_map() -> None:
    lam, s2, v0 = 0.7, 0.3, 2.0
    cycles = snap.sgdr_cycles(1.2, 4, 3, mult=2)
    L = _affine_snapshots(lam, cycles)
    weights = np.r_[v0, np.full(L.shape[1] - 1, s2)]
    expected = (L * weights) @ L.T
    got = snap.snapshot_covariance([lam], s2, cycles, v0)[0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_ensemble_moments_of_independent_and_of_identical_snapshots() -> None:
    lam = np.array([2.0])
    independent = snap.ensemble_moments(lam, 3.0 * np.eye(4)[None])
    np.testing.assert_allclose(independent.diversity, [6.0, 6.0, 6.0])
    assert independent.member_loss == pytest.approx(3.0)
    assert independent.ensemble_loss == pytest.approx(3.0 / 4)
    identical = snap.ensemble_moments(lam, np.full((1, 3, 3), 3.0))
    np.testing.assert_allclose(identical.diversity, [0.0, 0.0], atol=1e-15)
    assert identical.ensemble_loss == pytest.approx(identical.member_loss)
    pairs = snap.pair_diversity(np.array([[[1.0, 0.2], [0.2, 2.0]]]))
    assert pairs[0, 0] == pytest.approx(1.0 + 2.0 - 0.4)


def test_rounding_growth() -> None:
    assert snap.rounding_growth([1.0], [0.5, 0.9, 0.1])[0] == 1.0   # never expands
    assert snap.rounding_growth([1.0], [0.5, 4.0, 0.5])[0] == pytest.approx(9.0 * 0.25 / 0.25)
    # Two expanding steps separated by a contracting one: the best window spans all three.
    assert snap.rounding_growth([1.0], [3.0, 1.5, 3.0])[0] == pytest.approx((2 * 0.5 * 2) ** 2)


def test_sgdr_cycles_follow_warm_restarts() -> None:
    cycles = snap.sgdr_cycles(0.5, 5, 3, mult=2, eta_min=0.01)
    assert [c.size for c in cycles] == [5, 10, 20]
    assert all(c[0] == pytest.approx(0.5) for c in cycles)
    for c in cycles:   # the step before a restart: η_min + (η₀ − η_min)(1 + cos(π(T−1)/T))/2
        assert c[-1] == pytest.approx(0.01 + 0.49 * (1 + math.cos(math.pi * (c.size - 1)
                                                                  / c.size)) / 2)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: snap.sgdr_cycles(0.5, 0, 2), "period"),
    (lambda: snap.sgdr_cycles(0.5, 4, 2, eta_min=0.6), "eta_min"),
    (lambda: snap.sgdr_cycles(-0.5, 4, 2), "eta0"),
    (lambda: snap.cycle_map([-1.0], 1.0, [0.1]), "curvatures"),
    (lambda: snap.cycle_map([1.0], [1.0, 2.0], [0.1]), "noise_var"),
    (lambda: snap.snapshot_covariance([1.0], 1.0, [], 1.0), "cycles"),
    (lambda: snap.snapshot_covariance([1.0], 1.0, [[0.1, np.nan]], 1.0), "cycles[0]"),
    (lambda: snap.ensemble_moments([1.0], np.eye(2)), "cov"),
    (lambda: sym.solve_linear(sp.Symbol("x") ** 2 - 1, sp.Symbol("x")), "expr"),
    (lambda: snap.burn_in_cycles([0.5], 0.0), "remainder"),
    (lambda: snap.burn_in_cycles([1.0], 1e-13), "rho"),
    (lambda: snap.consecutive_diversity(-1.0, 0.5, 10), "curvature"),
])
def test_bad_input_names_the_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError) as err:
        call()  # type: ignore[operator]
    assert err.value.name == name


def test_kernel_means_match_the_covariance_model() -> None:
    lam = np.array([1.0, 0.1])
    cycles = snap.sgdr_cycles(0.8, 6, 3)
    rho, q = snap.cycle_map(lam, 1.0, cycles[0])
    v = q / (1 - rho**2)
    expected = snap.ensemble_moments(lam, snap.snapshot_covariance(lam, 1.0, cycles, v))
    ens = Ensemble(backend=get_backend("numpy"), seed=3)
    m = ens.run(snap.snapshot_kernel(lam, 1.0, cycles, np.sqrt(v)), 40_000)
    for i, want in enumerate((expected.diversity[0], expected.member_loss,
                              expected.member_loss - expected.ensemble_loss)):
        assert abs(m.mean[i] - want) < 5 * m.stderr_mean[i]


def test_chain_algebra_against_brute_force_sums() -> None:
    r = sym.chain_algebra()
    rho, n, v, lam = 0.3, 5, 2.0, 1.5
    brute = sum(rho ** abs(i - j) for i in range(n) for j in range(n)) / n**2
    g = float(r["ens_factor"].subs({sym.RHO: rho, sym.N: n}))
    assert g == pytest.approx(brute, rel=1e-14)
    gain = float(r["gain"].subs({sym.RHO: rho, sym.N: n, sym.V: v, sym.LAM: lam}))
    pairs = sum(2 * v * (1 - rho ** abs(i - j)) for i in range(n) for j in range(n))
    assert gain == pytest.approx(lam / (4 * n**2) * pairs, rel=1e-14)


def test_cosine_tail_asymptote_approaches_the_exact_diversity() -> None:
    errors = snap.tail_errors([16, 256, 4096], 1.0, 0.5)
    assert np.all(np.diff(np.abs(errors)) < 0)
    assert abs(errors[-1]) < 1e-3
    # The map of D_1λ²/s² at λ = 1 is D_1 itself at η₀ = λη₀.
    grid = snap.diversity_map([0.5, 1.0], [10, 100])
    assert grid[1, 0] == pytest.approx(snap.consecutive_diversity(1.0, 0.5, 100), rel=1e-13)
    assert grid[0, 1] == pytest.approx(snap.consecutive_diversity(1.0, 1.0, 10), rel=1e-13)


def test_chain_pair_diversity_matches_the_covariance_model_and_burn_in() -> None:
    lam = np.array([1.0, 0.05])
    cycles = snap.sgdr_cycles(0.7, 3, 4, mult=2)
    cov = snap.snapshot_covariance(lam, 0.4, cycles, 0.0)
    np.testing.assert_allclose(snap.chain_pair_diversity(lam, 0.4, cycles),
                               snap.pair_diversity(cov), rtol=1e-12)
    assert snap.burn_in_cycles([0.1, -0.5], 1e-12) == 20       # 0.25^20 = 9.1e-13
    assert snap.burn_in_cycles([0.0], 1e-12) == 1


# --- the numbers H2's findings state -------------------------------------------------------


def test_diversity_rises_with_amplitude_at_every_cycle_length() -> None:
    for period in (2, 4, 10, 64, 1024):
        d1 = [snap.consecutive_diversity(1.0, x, period) for x in np.linspace(0.02, 2.0, 60)]
        assert np.all(np.diff(d1) > 0), period


def test_diversity_peaks_at_a_cycle_length_near_3_5_over_lambda_eta() -> None:
    x = 0.01
    periods = np.arange(250, 450, 2)
    d1 = [snap.consecutive_diversity(1.0, x, int(T)) for T in periods]
    peak = periods[int(np.argmax(d1))]
    assert 3.3 < x * peak < 3.6
    assert snap.consecutive_diversity(1.0, x, 4 * int(peak)) < 0.8 * max(d1)


def test_h2_spectrum_numbers() -> None:
    lam = np.geomspace(1.0, 0.01, 8)

    def forms(eta0: float, period: int) -> dict[str, float]:
        cyc = snap.sgdr_cycles(eta0, period, 1)[0]
        return snap.chain_predictions(lam, snap.stationary_law(lam, 1.0, cyc), 4)

    assert forms(0.5, 10)["lag1"] == pytest.approx(6.36, abs=0.01)
    assert forms(0.5, 1280)["lag1"] < forms(0.5, 640)["lag1"]
    low, high = forms(0.1, 10), forms(1.9, 10)
    assert (low["lag1"], high["lag1"]) == (pytest.approx(0.32, abs=0.01),
                                           pytest.approx(63.3, abs=0.1))
    assert low["ensemble"] < high["ensemble"]                      # more diverse, worse
    assert high["ensemble"] / high["member"] < low["ensemble"] / low["member"]
    law = snap.stationary_law(lam, 1.0, snap.sgdr_cycles(2.5, 4, 1)[0])
    assert law["rho"][0] == pytest.approx(-0.2695, abs=1e-4)
    assert float(snap.chain_numeric()["g"](law["rho"][0], 4)) < 0.25
    assert math.isclose(float(snap.chain_numeric()["g"](0.0, 4)), 0.25)
