"""SGD at a saddle: the first-passage quadrature, the fixed-time laws, the loss-level law, the
Monte Carlo kernel and the rounding bounds, against brute force; and claim D7's design."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize, stats
from scipy.special import erf, gammainc, gammaincc

from lrtheory.claims import noisy_saddle as claim
from lrtheory.errors import ParameterError
from lrtheory.models import noisy_saddle as ns
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic.noisy_saddle import saddle_forms


def test_variance_path_is_the_geometric_sum() -> None:
    g, h = 1.2, 0.3
    path = ns.variance_path(g, h, 12)
    t = np.arange(13)
    np.testing.assert_allclose(path, h * h * (g ** (2 * t) - 1) / (g * g - 1), rtol=1e-13)


@pytest.mark.parametrize(("growth", "k"), [(1.2, 1), (1.05, 1), (1.1, 3)])
def test_first_passage_one_and_two_steps_by_direct_integration(growth: float, k: int) -> None:
    h, r = 0.2, 1.0
    law = ns.radial_first_passage(growth, h, r, k, 3)
    # one step: ‖y₁‖ = h·χ_k
    assert law.values[1] == pytest.approx(float(gammainc(k / 2, r * r / (2 * h * h))),
                                          abs=1e-12)
    if k == 1:  # two steps: ∫_{|y|<r} φ_h(y) P(|g y + hξ| ≤ r) dy
        def inner(y: float) -> float:
            return float(stats.norm.pdf(y, scale=h) * (stats.norm.cdf((r - growth * y) / h)
                                                       - stats.norm.cdf((-r - growth * y) / h)))
        s2, _ = integrate.quad(inner, -r, r, epsabs=1e-14, epsrel=1e-13)
        assert law.values[2] == pytest.approx(s2, abs=1e-11)
    assert law.error < 1e-10
    assert np.all(np.diff(law.values) <= 0)  # survival decreases


@pytest.mark.parametrize("k", [1, 2, 4])
def test_exceedance_without_absorption_is_the_chi_square_law(k: int) -> None:
    g, h, r = 1.15, 0.25, 1.0
    law = ns.radial_exceedance(g, h, r, k, 15)
    v = ns.variance_path(g, h, 15)
    exact = gammaincc(k / 2, r * r / (2 * v[1:]))
    np.testing.assert_allclose(law.values[1:], exact, atol=1e-11)
    assert law.error < 1e-10


def test_first_passage_against_a_seeded_simulation() -> None:
    g, h, r, k, steps = 1.2, 0.2, 1.0, 2, 30
    law = ns.radial_first_passage(g, h, r, k, steps)
    rng = np.random.default_rng(7)
    n = 40_000
    y = np.zeros((n, k))
    alive = np.ones(n, dtype=bool)
    survival = [1.0]
    for _ in range(steps):
        y = g * y - h * rng.standard_normal((n, k))
        alive &= (y * y).sum(axis=1) <= r * r
        survival.append(alive.mean())
    se = np.sqrt(law.values * (1 - law.values) / n) + 1e-12
    assert np.max(np.abs(np.array(survival) - law.values) / se) < 5.0


def test_loss_level_law_two_routes_and_simulation() -> None:
    cy, k, cx, d_s, level = 0.8, 2, 0.3, 5, 1.0
    px, ex = ns.loss_level_probability(cy, k, cx, d_s, level, given="x")
    py, ey = ns.loss_level_probability(cy, k, cx, d_s, level, given="y")
    assert px == pytest.approx(py, abs=1e-12)
    assert ex < 1e-10
    assert ey < 1e-10
    rng = np.random.default_rng(3)
    n = 200_000
    hit = cy * rng.chisquare(k, n) - cx * rng.chisquare(d_s, n) > level
    assert abs(hit.mean() - px) < 5 * math.sqrt(px * (1 - px) / n)
    with pytest.raises(ParameterError, match="given"):
        ns.loss_level_probability(cy, k, cx, d_s, level, given="z")


def test_escape_kernel_columns_are_consistent() -> None:
    kern = ns.escape_kernel(0.2, 1.0, 1.0, 1.0, 1, 3, 1.0, 0.5, T=8, M=20)
    from lrtheory.montecarlo.runner import ChunkRNG

    ens = Ensemble(seed=1)
    rng = next(ens._chunk_rngs(3000))
    out = np.asarray(kern(rng))
    assert isinstance(rng, ChunkRNG)
    assert out.shape == (3000, 4)
    fixed, first, tau, loss = out.T
    assert np.all(first >= fixed)  # ‖y_T‖ > r implies τ ≤ T
    assert np.all((tau <= 8) == (first == 1))
    assert np.all(loss <= fixed)  # γ‖y‖² − λ‖x‖² > 2h = γr² needs ‖y‖ > r
    assert np.all((tau >= 1) & (tau <= 20))


def test_rounding_error_path_bounds_the_float64_error() -> None:
    """Run the recursion in float64 and in extended precision on the same draws."""
    g, h, steps = 1.3, 0.5, 40
    rng = np.random.default_rng(11)
    xi = rng.standard_normal((steps, 5000))
    y = np.zeros(5000)
    y_ext = np.zeros(5000, dtype=np.longdouble)
    for t in range(steps):
        y = g * y - h * xi[t]
        y_ext = np.longdouble(g) * y_ext - np.longdouble(h) * xi[t].astype(np.longdouble)
    if np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps:
        pytest.skip("no extended precision on this platform")
    measured = float(np.sqrt(np.mean((y - y_ext.astype(np.float64)) ** 2)))
    bound = float(ns.rounding_error_path(g, h, steps)[-1])
    assert 0 < measured <= bound


def test_flip_bound_and_density_sup() -> None:
    assert ns.comparison_flip_bound(0.3, 0.0, 1.0) == 0.0
    small, big = (ns.comparison_flip_bound(0.3, e, 1.0) for e in (1e-14, 1e-10))
    assert 0 < small < big < 1e-5
    for k, lower in ((1, 0.5), (2, 0.1), (5, 0.1), (5, 20.0)):
        grid = np.linspace(lower, lower + 50, 20_001)
        assert ns.chi2_density_sup(2.0, k, lower) == pytest.approx(
            float(stats.chi2.pdf(grid / 2.0, k).max() / 2.0), rel=1e-6)
    with pytest.raises(ParameterError, match="threshold"):
        ns.comparison_flip_bound(0.3, 1e-12, 0.0)
    with pytest.raises(ParameterError, match="k"):
        ns.chi2_density_sup(2.0, 0, 0.5)


def test_quadratic_error_grows_with_error_and_checks_its_groups() -> None:
    base = ns.quadratic_error([(1.0, 2, 0.5, 1e-15)])
    assert 0 < base < ns.quadratic_error([(1.0, 2, 0.5, 1e-13)])
    assert ns.quadratic_error([(1.0, 1, 0.0, 0.0)]) == 0.0  # exact zero stays exact
    for bad, name in (([(1.0, 1, -0.1, 1e-16)], r"weights\[0\]\.variance"),
                      ([(1.0, 1, 0.1, 1e-16), (1.0, 1, 0.1, -1e-16)], r"weights\[1\]\.error"),
                      ([(1.0, 0, 0.1, 1e-16)], r"weights\[0\]\.count"),
                      ([], "weights")):
        with pytest.raises(ParameterError, match=name):
            ns.quadratic_error(bad)


def test_limit_variance_is_the_sum_of_the_martingale_steps() -> None:
    g, h = 1.15, 0.3
    steps = h * h * g ** (-2.0 * (np.arange(2000) + 1))
    assert ns.limit_variance(g, h) == pytest.approx(float(steps.sum()), rel=1e-13)
    assert float(saddle_forms().v_inf(0.15, 1.0, 2.0)) == pytest.approx(
        ns.limit_variance(1.15, 0.3), rel=1e-14)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: ns.radial_first_passage(1.0, 0.1, 1.0, 1, 5), "growth"),
    (lambda: ns.radial_first_passage(1.1, -0.1, 1.0, 1, 5), "step_sd"),
    (lambda: ns.radial_first_passage(1.1, 0.1, 1.0, 0, 5), "k"),
    (lambda: ns.escape_kernel(0.1, 1.0, 1.0, 1.0, 1, 1, 1.0, 0.5, T=5, M=5), "M"),
    (lambda: ns.variance_path(1.1, 0.0, 3), "h"),
])
def test_bad_input_names_the_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        call()  # type: ignore[operator]


def test_d7_design_puts_T_near_the_median_and_forms_agree() -> None:
    f = saddle_forms()
    for point in claim.D7.points:
        p = dict(point.params)
        law = claim._laws(claim._key(p))
        f_T = 1 - law.survival.values[int(p["T"])]
        assert 0.3 < f_T < 0.7, point.label
        # Lévy's bracket holds in the quadrature
        assert law.p_fixed - 1e-12 <= f_T <= 2 * law.p_fixed + 1e-12
    # the derived k = 1 tail is erfc, the Gaussian tail
    v = float(f.v_t(0.1, 1.0, 1.0, 7))
    assert float(f.fixed(0.1, 1.0, 1.0, 1.0, 1, v)) == pytest.approx(
        1 - erf(1.0 / math.sqrt(2 * v)), rel=1e-13)


def test_d7_findings_quote_the_computed_numbers() -> None:
    """Every number in D7's findings, recomputed from the exact laws, in its phrase."""
    text = " ".join(claim.D7.findings)
    f = saddle_forms()

    def mean(eta: float, s: float = 1.0, k: int = 1) -> float:
        return ns.mean_escape_time(1 + eta, eta * s, 1.0, k)

    def quoted(phrase: str) -> None:
        assert phrase in text, phrase

    e = {eta: mean(eta) for eta in (0.05, 0.2, 1.0)}
    quoted(f"E[τ] = {e[0.05]:.1f}, {e[0.2]:.2f}, {e[1.0]:.2f} at η = 0.05, 0.2, 1")
    quoted(f"{0.05 * e[0.05]:.2f}, {0.2 * e[0.2]:.2f}, {e[1.0]:.2f}, minimal")
    flow = optimize.minimize_scalar(lambda x: x * mean(x), bounds=(0.25, 0.6),
                                    method="bounded", options={"xatol": 1e-3})
    quoted(f"minimal ({float(flow.fun):.3f}) at η ≈ {float(flow.x):.2f}")
    low = [1 - float(f.frozen_mean(eta, 1.0, 1.0, 1.0, 1)) / e[eta] for eta in e]
    assert min(low) > 0
    outside = float(f.frozen_mean(0.1, 1.0, 4.0, 1.0, 1)) / mean(0.1, 4.0) - 1
    ratio = 1 / math.sqrt(float(f.v_inf(0.1, 1.0, 4.0)))
    quoted(f"{100 * low[0]:.1f} % low at η = 0.05, {100 * low[1]:.1f} % at 0.2, "
           f"{100 * low[2]:.1f} % at 1, and {100 * outside:.1f} % high when r/√v∞ = {ratio:.3f}")
    p0 = dict(claim.D7.points[0].params)
    levy = claim._laws(claim._key(p0))
    quoted(f"({1 - float(levy.survival.values[int(p0['T'])]):.4f} vs {levy.p_fixed:.4f} at "
           "η = 0.05")
    quoted(f"({e[0.2]:.2f}, {mean(0.2, k=3):.2f}, {mean(0.2, k=8):.2f} steps for k = 1, 3, 8")
    quoted(f"ln 2/(2 ln g) ≈ {math.log(2) / (2 * math.log(1.2)):.2f} steps per doubling "
           f"({e[0.2]:.2f} → {mean(0.2, 1 / 8):.2f} for d = 1 → 64)")  # d = 64: s = 1/√64
    vy, vx = float(f.v_t(0.2, 1.0, 1.0, 9)), float(f.vx_t(0.2, 1.0, 1.0, 9))
    p_loss = [ns.loss_level_probability(vy / 2, 1, vx / 2, d_s, 0.5)[0] for d_s in (1, 20, 64)]
    quoted("is {:.2f}, {:.2f}, {:.2f} for d_s = 1, 20, 64".format(*p_loss))
