"""G6 models: separable data and the SVM (twice), GD and its bounds, the SVM asymptote and the
rate it is approached at, the order-statistic interval, input checks (≈ 10 s)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lrtheory.errors import ParameterError
from lrtheory.models import implicit_bias as ib
from lrtheory.models import max_margin_flow as mf
from lrtheory.models import svm as sv
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import implicit_bias as sym

TWO_POINTS = np.array([[[1.0, 1.0], [2.0, -1.0]]])  # α = (4/9, 1/9), ŵ = (2/3, 1/3)


def data(seed: int, sets: int, n: int, d: int, margin: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(sv.separable_sets(rng.normal(size=(sets, d)), rng.normal(size=(sets, n)),
                                        rng.normal(size=(sets, n, d)), margin))


def test_separable_sets_keep_the_slab_empty() -> None:
    rng = np.random.default_rng(0)
    u = rng.normal(size=(50, 3))
    z = sv.separable_sets(u, rng.normal(size=(50, 7)), rng.normal(size=(50, 7, 3)), 0.3)
    along = np.einsum("bnd,bd->bn", z, u / np.linalg.norm(u, axis=1, keepdims=True))
    assert z.shape == (50, 7, 3)
    assert along.min() >= 0.3


def test_bad_inputs_name_the_parameter() -> None:
    rng = np.random.default_rng(0)
    svm = sv.svm_enumerated(TWO_POINTS)
    cases = [
        ("margin", lambda: sv.separable_sets(rng.normal(size=(2, 2)), rng.normal(size=(2, 3)),
                                             rng.normal(size=(2, 3, 2)), -1.0)),
        ("noise", lambda: sv.separable_sets(rng.normal(size=(2, 2)), rng.normal(size=(2, 3)),
                                            rng.normal(size=(2, 4, 2)), 0.1)),
        ("direction", lambda: sv.separable_sets(np.zeros((2, 2)), rng.normal(size=(2, 3)),
                                                rng.normal(size=(2, 3, 2)), 0.1)),
        ("z", lambda: sv.svm_enumerated(np.ones((3, 2)))),
        ("z", lambda: sv.svm_enumerated(np.array([[[1.0, 0.0], [-1.0, 0.0]]]))),
        ("svm", lambda: sv.kkt_residuals(TWO_POINTS, sv.SVM(svm.w, svm.alpha[:, :1]))),
        ("svm", lambda: sv.kkt_tolerance(TWO_POINTS, sv.SVM(0 * svm.w, svm.alpha))),
        ("kind", lambda: ib.schedule_factors("cosine", 4)),
        ("eta_scale", lambda: ib.bound_kernel(6, 2, 0.1, 2.0, 10)),
        ("factors", lambda: ib.gd_run(TWO_POINTS, 1.0, -np.ones(3))),
        ("eta", lambda: ib.gd_run(TWO_POINTS, -1.0, np.ones(3))),
        ("reference", lambda: ib.gd_run(TWO_POINTS, 1.0, np.ones(3), np.zeros((1, 2)))),
        ("tau", lambda: ib.loss_bound(np.array([0.0, 1.0]), 1.0)),
        ("w_norm", lambda: ib.norm_upper(np.array([1.0]), 0.0)),
        ("r_max", lambda: ib.norm_lower(np.array([1.0]), 1.0, -1.0, 4)),
        ("n", lambda: ib.margin_lower(np.array([1.0]), 1.0, 0)),
        ("svm_margin", lambda: ib.angle_margin_bound(np.ones(2), np.ones(2), 0.0)),
        ("tau", lambda: mf.asymptote(TWO_POINTS, svm, np.ones((3, 2)))),
        ("tau", lambda: mf.flow_deviation(TWO_POINTS, svm, np.array([50.0]))),
        ("scale", lambda: mf.flow_path(TWO_POINTS, 0.0, np.array([1.0]))),
        ("t", lambda: mf.flow_path(TWO_POINTS, 1.0, np.array([2.0, 1.0]))),
        ("eta", lambda: mf.ngd_offset(TWO_POINTS, svm, 0.0)),
        ("values", lambda: mf.median_interval([1.0])),
    ]
    for name, call in cases:
        with pytest.raises(ParameterError, match=name):
            call()


def test_the_two_point_svm_is_known_exactly() -> None:
    for svm in (sv.svm_enumerated(TWO_POINTS), sv.svm_qp(TWO_POINTS)):
        assert svm.w[0] == pytest.approx([2 / 3, 1 / 3], abs=1e-14)
        assert svm.alpha[0] == pytest.approx([4 / 9, 1 / 9], abs=1e-14)
    # … and it is the symbolic KKT solution at these points.
    r = sym.results()
    z = TWO_POINTS[0].astype(int)
    gram = dict(zip(sp.symbols("g_11 g_12 g_22", real=True),
                    (z[0] @ z[0], z[0] @ z[1], z[1] @ z[1]), strict=True))
    assert list(r["alpha"].subs(gram)) == [sp.Rational(4, 9), sp.Rational(1, 9)]


@pytest.mark.parametrize(("d", "n"), [(2, 8), (3, 10)])
def test_enumeration_and_scipy_qp_agree_and_pass_kkt(d: int, n: int) -> None:
    z = data(4, 40, n, d)
    a, b = sv.svm_enumerated(z), sv.svm_qp(z)
    tol = sv.kkt_tolerance(z, b)
    assert tol.shape == (40,)
    assert np.all(np.max(np.abs(a.w - b.w), axis=1) < tol)
    assert np.all(sv.kkt_residuals(z, a).per_set() <= tol)
    assert np.all(sv.kkt_residuals(z, b).per_set() <= tol)
    # Brute force: no random direction has a larger margin than γ̂ = 1/‖ŵ‖.
    u = np.random.default_rng(1).normal(size=(2000, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    best = np.einsum("bnd,kd->bkn", z, u).min(axis=2).max(axis=1)
    assert np.all(best <= a.margin * (1 + 1e-12))


def test_kkt_residuals_catch_a_wrong_solution_on_every_set() -> None:
    z = data(5, 10, 6, 2)
    svm = sv.svm_qp(z)
    wrong = sv.SVM(svm.w * 1.01, svm.alpha)
    assert np.all(sv.kkt_residuals(z, wrong).per_set() > 1e3 * sv.kkt_tolerance(z, svm))


def test_sklearn_svc_finds_the_same_direction() -> None:
    svm_module = pytest.importorskip("sklearn.svm")
    z = data(6, 5, 8, 2)
    ours = sv.svm_qp(z)
    for b in range(z.shape[0]):
        # Symmetrised data (z, +1), (−z, −1): the max-margin hyperplane passes through 0.
        x = np.vstack([z[b], -z[b]])
        y = np.r_[np.ones(len(z[b])), -np.ones(len(z[b]))]
        fit = svm_module.SVC(kernel="linear", C=1e8, tol=1e-10).fit(x, y)
        assert abs(fit.intercept_[0]) < 1e-4
        assert fit.coef_[0] == pytest.approx(ours.w[b], rel=1e-4, abs=1e-5)


def plain_gd(z: np.ndarray, rates: np.ndarray) -> list[np.ndarray]:
    """GD on the mean logistic loss of one data set, written out directly."""
    w, out = np.zeros(z.shape[1]), []
    for eta in rates:
        w = w + eta * np.mean(z / (1.0 + np.exp(z @ w))[:, None], axis=0)
        out.append(w.copy())
    return out


def test_gd_run_matches_a_plain_loop() -> None:
    z = data(7, 3, 5, 2)
    beta = sv.smoothness(z)
    f = ib.schedule_factors("inverse_sqrt", 50)
    svm = sv.svm_qp(z)
    run = ib.gd_run(z, 1.0 / beta, f, svm.w)
    for b in range(3):
        ws = plain_gd(z[b], f / beta[b])
        assert run.w[b] == pytest.approx(ws[-1], rel=1e-12)
        assert run.norm[1:, b] == pytest.approx([np.linalg.norm(w) for w in ws], rel=1e-12)
        assert run.margin[-1, b] == pytest.approx(np.min(z[b] @ ws[-1]), rel=1e-12)
        loss = np.mean(np.log1p(np.exp(-z[b] @ ws[-1])))
        assert run.loss[-1, b] == pytest.approx(loss, rel=1e-10)
        cos = ws[-1] @ svm.w[b] / (np.linalg.norm(ws[-1]) * np.linalg.norm(svm.w[b]))
        assert run.angle[-1, b] == pytest.approx(math.acos(cos), rel=1e-7)
        assert run.tau[-1, b] == pytest.approx(np.sum(f) / beta[b], rel=1e-12)


def test_normalised_gd_takes_steps_of_length_eta() -> None:
    z = data(8, 4, 6, 2)
    run = ib.gd_run(z, 0.3, np.ones(400), normalised=True, loss=False)
    assert np.all(np.diff(run.norm, axis=0) <= 0.3 * (1 + 1e-12))  # triangle inequality
    assert run.norm[-1] == pytest.approx(0.3 * 400, rel=0.02)  # nearly straight: ‖w_T‖ ≈ ηT
    assert np.all(np.isnan(run.angle))  # no reference direction given
    assert np.all(run.margin[-1] > 0)
    assert np.all(np.isfinite(run.margin))


def test_the_bounds_are_the_derived_expressions() -> None:
    r = sym.results()
    w, tau, n = sym.S_NORM, sym.TAU, sym.N
    rng = np.random.default_rng(9)
    tv, wv = rng.uniform(1.0, 1e4, 30), rng.uniform(0.5, 5.0, 30)
    for expr, fn in ((r["loss_bound"], ib.loss_bound), (r["norm_upper"], ib.norm_upper)):
        f = sp.lambdify((tau, w), expr, "numpy")
        assert fn(tv, wv) == pytest.approx(f(tv, wv), rel=1e-12)
    f = sp.lambdify((tau, w, n), r["margin_lower"], "numpy")
    assert ib.margin_lower(tv, wv, 6) == pytest.approx(f(tv, wv, 6), rel=1e-9, abs=1e-12)


def test_bounds_hold_below_one_over_beta_and_fail_well_above() -> None:
    z = data(10, 12, 8, 2)
    svm, beta = sv.svm_enumerated(z), sv.smoothness(z)
    slack = 1 + ib.rounding_slack(600, 8, 2)
    for kind in ("constant", "inverse_sqrt", "exponential"):
        run = ib.gd_run(z, 1.0 / beta, ib.schedule_factors(kind, 600, 0.99), svm.w)
        for name, (v, b) in ib.bound_table(z, svm, run).items():
            assert np.all(v <= b * slack), (kind, name)
        ok = ib.indicators(z, svm, run)
        assert np.all(ok.bounds)
        assert np.all(ok.angle)
    run = ib.gd_run(z, 8.0 / beta, np.ones(600), svm.w)
    table = ib.bound_table(z, svm, run)
    assert np.any(table[ib.BOUNDS[1]][0] > table[ib.BOUNDS[1]][1])  # the norm bound fails
    assert not np.all(ib.indicators(z, svm, run).bounds)
    v, b = table[ib.BOUNDS[3]]
    assert np.all(v <= b * slack)  # the angle–margin bound is geometric: it never fails


def test_angle_margin_bound_is_tight_for_one_support_vector() -> None:
    # One point z: ŵ = z/‖z‖², and for w at angle θ, γ(w) = ‖z‖cos θ: bound tan²θ ≥ sin²θ.
    z = np.array([2.0, 0.0])
    for theta in (0.01, 0.3, 1.2):
        w = np.array([math.cos(theta), math.sin(theta)])
        bound = ib.angle_margin_bound(np.array(z @ w), np.array(1.0), np.array(2.0))
        assert float(bound) == pytest.approx(math.tan(theta) ** 2, rel=1e-9)
    assert ib.angle_margin_bound(np.array(-1.0), np.array(1.0), np.array(1.0)) == np.inf


def test_gd_approaches_the_derived_asymptote() -> None:
    # Two support vectors and no other point: w_t − (ŵ ln(τ_t/N) + ρ) → 0.
    svm = sv.svm_enumerated(TWO_POINTS)
    beta = sv.smoothness(TWO_POINTS)
    steps = np.array([256, 4096])
    run = ib.gd_run(TWO_POINTS, 1.0 / beta, np.ones(4096), svm.w)
    asym = mf.asymptote(TWO_POINTS, svm, run.tau[steps])
    err = np.abs(run.angle[steps, 0] / asym.angle[:, 0] - 1)
    assert err[1] < 0.01
    assert err[1] < err[0] / 4
    assert run.norm[4096, 0] / asym.norm[1, 0] == pytest.approx(1.0, abs=1e-3)
    # τ* = N·exp(Σα ln α/‖ŵ‖²) with α = (4/9, 1/9), ‖ŵ‖² = 5/9.
    a = np.array([4 / 9, 1 / 9])
    assert asym.scale[0] == pytest.approx(2 * math.exp(np.sum(a * np.log(a)) / (5 / 9)))


def test_the_rates_of_two_points_and_the_flow_decays_at_them() -> None:
    # G = [[2, 1], [1, 5]], α = (4/9, 1/9): the second rate α₁α₂ det G = 4/9 < 1, no point
    # off the support (g = ∞), so κ = 4/9, and ‖w − asymptote‖ ∝ τ^(−4/9).
    svm = sv.svm_enumerated(TWO_POINTS)
    rates = mf.approach_rates(TWO_POINTS, svm)
    assert rates.gap[0] == np.inf
    assert rates.spectral[0] == pytest.approx(4 / 9, rel=1e-12)
    assert rates.kappa[0] == pytest.approx(4 / 9, rel=1e-12)
    # … the symbolic charpoly at this Gram matrix has the roots 1 and 4/9.
    r = sym.results()
    gram = dict(zip(sp.symbols("g_11 g_12 g_22", real=True), (2, 1, 5), strict=True))
    roots = sp.roots(sp.numer(sp.together(r["rate_charpoly"].subs(gram))), sp.Symbol("lambda"))
    assert set(roots) == {1, sp.Rational(4, 9)}
    tau = np.array([1e6, 1e8, 1e10])
    dev = mf.flow_deviation(TWO_POINTS, svm, tau)[:, 0]
    assert np.log(dev[2] / dev[1]) / np.log(100) == pytest.approx(-4 / 9, abs=2e-3)
    # The δ-form agrees with the plain flow where both are accurate.
    w = mf.flow_path(TWO_POINTS, 1.0, np.array([1e3]))[0, 0]
    rho = mf.offsets(TWO_POINTS, svm)[0]
    direct = np.linalg.norm(w - (svm.w[0] * math.log(1e3 / 2) + rho))
    assert mf.flow_deviation(TWO_POINTS, svm, np.array([1e3]))[0, 0] == pytest.approx(
        direct, rel=1e-5)


def test_a_point_off_the_support_sets_the_rate() -> None:
    # Add a third point with margin 1 + g, g = 0.2: κ = min(0.2, 4/9, 1) = 0.2.
    svm2 = sv.svm_enumerated(TWO_POINTS)
    third = 1.2 * svm2.w[0] / float(svm2.w[0] @ svm2.w[0])  # z₃ᵀŵ = 1.2
    z = np.concatenate([TWO_POINTS, third[None, None, :]], axis=1)
    svm = sv.svm_enumerated(z)
    rates = mf.approach_rates(z, svm)
    assert rates.gap[0] == pytest.approx(0.2, rel=1e-9)
    assert rates.kappa[0] == pytest.approx(0.2, rel=1e-9)
    dev = mf.flow_deviation(z, svm, np.array([1e10, 1e12]))[:, 0]
    assert np.log(dev[1] / dev[0]) / np.log(100) == pytest.approx(-0.2, abs=0.01)


def test_median_interval_is_the_order_statistic_interval_and_covers() -> None:
    ci = mf.median_interval(np.arange(1.0, 101.0), level=0.95)
    assert (ci.lo, ci.hi, ci.median) == (40.0, 61.0, 50.5)  # the textbook ranks for n = 100
    assert ci.contains(50.0)
    assert ci.distance(70.0) == pytest.approx(9.0)
    rng = np.random.default_rng(3)
    misses = sum(not mf.median_interval(rng.standard_cauchy(41), 0.99).contains(0.0)
                 for _ in range(1000))
    assert misses <= 25  # P(miss) ≤ 1 %: 10 expected


def test_normalised_gd_settles_at_the_derived_offset() -> None:
    svm = sv.svm_enumerated(TWO_POINTS)
    eta, steps = 0.2, 3000
    v_star, mult = mf.ngd_offset(TWO_POINTS, svm, eta)
    assert abs(mult[0]) < 1
    run = ib.gd_run(TWO_POINTS, eta, np.ones(steps), svm.w, normalised=True, loss=False)
    # The component across ŵ settles at v*: ‖w_t‖·tan θ_t → v* (and ‖w_t‖ ≈ ηt).
    assert run.norm[-1, 0] * math.tan(run.angle[-1, 0]) == pytest.approx(v_star[0], rel=1e-6)
    assert run.norm[-1, 0] == pytest.approx(eta * steps, rel=1e-2)


def test_schedules_and_grid() -> None:
    assert ib.schedule_factors("inverse", 3) == pytest.approx([1, 1 / 2, 1 / 3])
    assert ib.schedule_factors("exponential", 3, 0.5) == pytest.approx([1, 0.5, 0.25])
    g = ib.log_grid(16, 4096, 9)
    assert (g[0], g[-1]) == (16, 4096)
    assert np.all(np.diff(g) > 0)


def test_kernel_rows_are_all_ones() -> None:
    m = Ensemble(seed=2).run(ib.bound_kernel(6, 2, 0.25, 1.0, 40), 64)
    assert m.n == 64
    assert m.mean == pytest.approx([1.0, 1.0, 1.0])


def test_symbolic_results() -> None:
    r = sym.results()
    assert r["tau_exponent"] == {"constant": 1, "inverse_sqrt": sp.Rational(1, 2),
                                 "inverse": 0}
    assert r["angle_exponent_t"] == {"constant": -1, "inverse_sqrt": -1, "inverse": 0}
    assert r["ngd_ratio_svm"] == sp.Symbol("alpha_1", positive=True) / sp.Symbol(
        "alpha_2", positive=True)
    assert r["rate_forcing"] == -sp.Symbol("g", positive=True)
    assert r["rate_tail"] == -1
    assert r["ngd_angle_exponent"] == -1
    assert list(r["rate_shift_mode"]) == [1, 1]
    assert list(r["flow_drift"]) == [0, 0]
