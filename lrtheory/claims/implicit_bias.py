"""Family G, claim G6: GD on separable data aligns with the hard-margin SVM (implicit bias).

The derivation (:mod:`lrtheory.symbolic.implicit_bias`) finds the SVM of two points from its
KKT conditions, shows that the flow of the exponential tail has the exact solution
w = ŵ ln(τ + τ₀) + ρ whose offsets are the SVM's dual variables, and reads off the laws:
w/ln τ → ŵ, ‖w‖/ln τ → 1/γ̂, θ ∝ 1/ln τ with τ_t = Σ_{s<t} η_s — so the step-size schedule
acts only through τ: η₀/(t+1) slows alignment to 1/ln ln t and η₀qᵗ stops it; normalised GD
gives θ ∝ 1/t. It also derives bounds that hold at every t for η_t ≤ 1/β (loss, ‖w_t‖ from
above and below, margin, and sin²θ ≤ γ̂²/γ(w)² − 1). The numerics are
:mod:`lrtheory.models.implicit_bias`; rates are measured as log-log slopes with intervals
(:mod:`lrtheory.models.slopes`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from lrtheory.claim import (
    Claim,
    Derivation,
    Estimate,
    Identity,
    ModelCheck,
    Point,
    Source,
    Step,
    ValidityDomain,
)
from lrtheory.models import implicit_bias as ib
from lrtheory.models import slopes
from lrtheory.models.ode import dop853_error_bound
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_001
from lrtheory.symbolic import implicit_bias as sym

SCHEDULES = ("constant", "inverse_sqrt", "inverse", "exponential")
LABELS = {"constant": "η = 1/β", "inverse_sqrt": "η₀/√(t+1)", "inverse": "η₀/(t+1)",
          "exponential": "η₀·0.99ᵗ", "normalised": "normalised GD"}
DECAY = 0.99  #: q of the exponential schedule


# --------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------


def _derive_g6() -> Derivation:
    r = sym.results()
    eq = Step.equation
    a1, a2 = r["alpha"]
    nh = r["norm_hat"]
    steps = (
        eq("Lagrangian of min ½‖w‖² s.t. z_nᵀw ≥ 1 (two points in ℝ²)", "ℒ", r["lagrangian"]),
        eq("stationarity ∂ℒ/∂w = 0", "w", r["w_of_alpha"]),
        eq("active constraints z_nᵀw = Σ_m α_m g_nm = 1 (g_nm = z_nᵀz_m) → dual variables",
           "α", r["alpha"]),
        eq("hard-margin SVM ŵ = α₁z₁ + α₂z₂", "ŵ", r["w_hat"],
           f"margins z_nᵀŵ = (Gα)_n = {list(r['svm_margins'])}"),
        eq("flow u' = (1/N)G e^{−u} with u = ln(τ+τ₀)·1 + c: solve for e^{−c}", "e^{−c}",
           r["flow_weights"], f"residual {list(r['flow_residual'])}: an exact solution"),
        eq("… so w = ŵ ln(τ+τ₀) + ρ grows along Σ_n (e^{−c_n}/N) z_n, coefficients",
           "e^{−c}/N", r["flow_direction"], "the SVM's α of step 3: the direction is ŵ"),
        eq("logistic tail: (σ(−u) − e^{−u})/e^{−2u} as u → ∞", "limit", r["logistic_tail"],
           "−ℓ'(u) = e^{−u}(1 + O(e^{−u})): relative corrections O(1/τ)"),
        eq("w = ŵx + ρ, x = ln τ → ∞: w/x", "limit", r["direction_limit"]),
        eq("‖w‖/x", "limit", r["norm_limit"]),
        eq("x·tan∠(w, ŵ)", "limit", r["angle_constant"], f"w × ŵ = {r['cross']} is constant"),
        eq("ρ = ZᵀG⁻¹c: its component ρᵀŵ", "ρᵀŵ", r["offset_along"],
           "= Σα_n c_n = −Σα_n ln(Nα_n), and Σα_n = ‖ŵ‖²: so wᵀŵ/‖ŵ‖ ≈ ‖ŵ‖ ln(τ/τ*), "
           "τ* = N·exp(Σα_n ln α_n/‖ŵ‖²)"),
        eq("elapsed time τ_t = ∫₀ᵗ η(s)ds", "τ", sp.Tuple(*r["tau"].values()),
           "constant, η₀/√(s+1), η₀/(s+1)"),
        eq("exponent of θ in ln t: −(tτ'/τ)(ln t/ln τ)", "exponent",
           sp.Tuple(*r["angle_exponent_t"].values())),
        eq("η₀qᵗ: τ_t = η₀Σ_{s<t} qˢ", "τ_t", r["tau_exponential_t"],
           f"bounded by τ_∞ = {r['tau_exponential']}"),
        eq("normalised GD: zero drift of Σp_n a_n (a_n = z_nᵀe⊥) at p₁/p₂", "r*",
           r["ngd_ratio"], f"with α₁a₁ + α₂a₂ = 0 (ŵ ⟂ e⊥): r* = {r['ngd_ratio_svm']}"),
        eq("offset v* orthogonal to ŵ", "v*", r["ngd_fixed_point"]),
        eq("linearised multiplier of v (‖Σp_n z_n‖ = γ̂ at p = α/Σα)", "m", r["ngd_multiplier"],
           f"stable for η < {r['ngd_stable_eta']}"),
        eq("descent lemma keeps −(η/2)‖g‖² for η in", "η", r["descent"]),
        eq("‖w⁺−u‖² − ‖w−u‖² − 2η(L(u) − L(w⁺)) + 2η[convexity + descent]", "residual",
           r["fejer_residual"], "both brackets ≥ 0: summing, ‖w_t − u‖² ≤ ‖u‖² + 2τ_tL(u) "
           "and L(w_t) ≤ L(u) + ‖u‖²/(2τ_t)"),
        eq("(‖w_t‖ − ‖u‖)² ≤ ‖u‖² + 2τL(u): the upper root bounds ‖w_t‖", "U(‖u‖, L(u))",
           r["norm_bound"]),
        eq("comparator u = sŵ (all margins ≥ s)", "s", r["comparator"]),
        eq("loss bound", "B(τ)", r["loss_bound"]),
        eq("norm bound", "U(τ)", r["norm_upper"]),
        eq("margin bound min_n z_nᵀw_t ≥ m(τ), from ℓ(min_n z_nᵀw) ≤ N·L(w)", "m(τ)",
           r["margin_lower"]),
        eq("‖v‖² − ‖ŵ‖² − ‖v−ŵ‖² − 2Σα_n(z_nᵀv − 1) − 2Σα_n(1 − z_nᵀŵ), ŵ = Σα_nz_n",
           "residual", r["angle_margin_residual"],
           "v = w/(‖w‖γ(w)) is feasible and ‖v − ŵ‖ ≥ ‖ŵ‖sin θ: sin²θ ≤ γ̂²/γ(w)² − 1"),
    )
    exps = r["angle_exponent_t"]
    identities = (
        Identity("stationarity: the coefficients of z_nᵀw are the Gram entries",
                 r["gram_check"], sp.zeros(2, 2), "derived"),
        Identity("KKT dual variables α = G⁻¹1", r["alpha"], r["alpha_closed"], "derived"),
        Identity("the SVM's margins are 1 on both support vectors", r["svm_margins"],
                 sp.ones(2, 1), "derived"),
        Identity("the flow's ansatz is an exact solution", r["flow_residual"], sp.zeros(2, 1),
                 "derived"),
        Identity("its offsets are the SVM's dual variables: e^{−c} = Nα", r["flow_weights"],
                 sym.N * r["alpha"], "derived"),
        Identity("the flow grows along (1/N)Σe^{−c_n}z_n = Σα_nz_n: the SVM's ŵ",
                 r["flow_direction"], r["alpha"],
                 note="seed 001: \"will asymptotically align with … the maximum-margin "
                      "classifier, the same one found by a Support Vector Machine\""),
        Identity("Σα_n = ‖ŵ‖²", sp.cancel(a1 + a2 - r["w_hat_sq"]), sp.Integer(0), "derived"),
        Identity("ρᵀŵ = Σα_n c_n", r["offset_residual"], sp.Integer(0), "derived"),
        Identity("‖w_t‖ grows like ‖ŵ‖ ln τ = ln τ/γ̂", r["norm_limit"], nh, "derived"),
        Identity("the angle shrinks like 1/ln τ: exponent −1", r["angle_exponent"],
                 sp.Integer(-1), "derived"),
        Identity("constant η: θ ∝ 1/ln t", exps["constant"], sp.Integer(-1), "derived"),
        Identity("η₀/√(t+1): θ ∝ 1/ln t still (τ ∝ √t)", exps["inverse_sqrt"], sp.Integer(-1),
                 "derived"),
        Identity("η₀/(t+1): θ ∝ 1/ln t", exps["inverse"], sp.Integer(-1), "derived",
                 expect_equal=False, note="τ ∝ ln t: θ ∝ 1/ln ln t, exponent 0 in ln t"),
        Identity("a decaying rate η₀qᵗ lets GD run forever (τ_∞ = ∞)", r["tau_exponential"],
                 sp.oo, "derived", expect_equal=False,
                 note="τ_∞ = η₀/(1−q) < ∞: w_t converges to a finite point, the direction "
                      "freezes away from ŵ — the source's \"decaying learning rate\" needs "
                      "Σ_t η_t = ∞"),
        Identity("normalised GD: the weights settle at the SVM dual, p₁/p₂ = α₁/α₂",
                 r["ngd_ratio_svm"], sp.Symbol("alpha_1", positive=True)
                 / sp.Symbol("alpha_2", positive=True), "derived"),
        Identity("normalised GD: θ ∝ 1/t", r["ngd_angle_exponent"], sp.Integer(-1), "derived"),
        Identity("η ≤ 1/β keeps the descent lemma", r["descent"],
                 sp.Interval.Lopen(0, 1 / sym.BETA), "derived"),
        Identity("one-step certificate is an identity", r["fejer_residual"], sp.Integer(0),
                 "derived"),
        Identity("angle–margin certificate is an identity", r["angle_margin_residual"],
                 sp.Integer(0), "derived"),
    )
    return Derivation(steps, identities)


# --------------------------------------------------------------------------------------
# Long deterministic runs (cached): four schedules and normalised GD on the same data sets
# --------------------------------------------------------------------------------------


class Long(NamedTuple):
    """One family of data sets, its SVMs (enumerated and SciPy QP), and its GD runs."""

    z: np.ndarray
    svm: ib.SVM
    qp: ib.SVM
    beta: np.ndarray
    runs: dict[str, ib.Run]
    ngd: ib.Run
    ngd_eta: float


def _data(p: Mapping[str, float]) -> np.ndarray:
    rng = np.random.default_rng(int(p["seed"]))
    sets, n, d = int(p["sets"]), int(p["n"]), int(p["d"])
    return np.asarray(ib.separable_sets(rng.normal(size=(sets, d)), rng.normal(size=(sets, n)),
                                        rng.normal(size=(sets, n, d)), p["margin"]))


def _key(p: Mapping[str, float]) -> tuple[float, ...]:
    return tuple(float(p[k]) for k in ("seed", "sets", "n", "d", "margin", "T", "eta_scale",
                                       "ngd_T", "ngd_eta"))


@cache
def _long(key: tuple[float, ...]) -> Long:
    seed, sets, n, d, margin, steps, scale, ngd_steps, ngd_eta = key
    p = {"seed": seed, "sets": sets, "n": n, "d": d, "margin": margin}
    z = _data(p)
    svm, qp, beta = ib.svm_enumerated(z), ib.svm_qp(z), ib.smoothness(z)
    b, t = z.shape[0], int(steps)
    factors = np.concatenate([np.repeat(ib.schedule_factors(k, t, DECAY)[:, None], b, axis=1)
                              for k in SCHEDULES], axis=1)
    k = len(SCHEDULES)
    big = ib.gd_run(np.concatenate([z] * k), np.tile(scale / beta, k), factors,
                    np.concatenate([svm.w] * k))
    runs = {name: big.take(slice(i * b, (i + 1) * b)) for i, name in enumerate(SCHEDULES)}
    ngd = ib.gd_run(z, np.full(b, ngd_eta), np.ones(int(ngd_steps)), svm.w, normalised=True,
                    loss=False)
    return Long(z, svm, qp, beta, runs, ngd, ngd_eta)


def _approx(name: str, closed: float, model: float) -> ModelCheck:
    return ModelCheck(name, closed, model, 0.0, "asymptotic law: error measured", exact=False)


def _svm_checks(z: np.ndarray, svm: ib.SVM, qp: ib.SVM) -> list[ModelCheck]:
    tol = max(ib.kkt_tolerance(z, svm), ib.kkt_tolerance(z, qp))
    reason = ("rounding: 8ε(N + d)·max(1, R‖ŵ‖)·max(1, Σα)·κ, κ the largest condition "
              "number of a support Gram matrix")
    n_sets, n, d = z.shape
    return [
        ModelCheck(f"SVM: SciPy QP (NNLS least-distance program) vs enumeration of support "
                   f"sets, {n_sets} data sets of {n} points in ℝ^{d}: max |Δŵ|", 0.0,
                   float(np.max(np.abs(qp.w - svm.w))), tol, reason),
        ModelCheck("SVM (SciPy QP): worst KKT residual (feasibility, α ≥ 0, ŵ = Zᵀα, "
                   "complementary slackness)", 0.0, ib.kkt_residuals(z, qp).worst(), tol, reason),
    ]


def _bound_checks(z: np.ndarray, svm: ib.SVM, runs: Mapping[str, ib.Run],
                  exact: bool = True) -> list[ModelCheck]:
    """The derived bounds at every t of every run (one-sided), or their excess measured
    (``exact`` False: beyond η = 1/β, where they are not guaranteed)."""
    steps = next(iter(runs.values())).norm.shape[0] - 1
    rel = ib.rounding_slack(steps, *z.shape[1:])
    t = np.arange(1, steps + 1, dtype=float)[:, None]
    tables = [ib.bound_table(z, svm, run) for run in runs.values()]
    out = []
    for key in ib.BOUNDS:
        check = slopes.bound_check(f"{key}, every t ≤ {steps}, {len(runs)} schedule(s)", t,
                                   np.concatenate([tb[key][0] for tb in tables], axis=1),
                                   np.concatenate([tb[key][1] for tb in tables], axis=1), rel)
        out.append(check if exact or key == ib.BOUNDS[-1] else ModelCheck(
            check.name, 0.0, check.model, 0.0, "beyond η = 1/β: excess measured", False))
    return out


def _slope(values: np.ndarray, x: np.ndarray) -> slopes.SlopeInterval:
    """Per data set (column), the least-squares slope of ln values on ln x; interval over
    the sets (Student t)."""
    return slopes.replicate_interval([slopes.loglog_slope(x[:, b], values[:, b])
                                      for b in range(values.shape[1])])


def _long_checks(p: Mapping[str, float]) -> list[ModelCheck]:
    lg = _long(_key(p))
    z, svm = lg.z, lg.svm
    steps, sets = int(p["T"]), z.shape[0]
    checks = _svm_checks(z, svm, lg.qp) + _bound_checks(z, svm, lg.runs)
    win = ib.log_grid(steps // 16, steps, 8)
    const = lg.runs["constant"]
    asym = ib.asymptote(z, svm, const.tau[win])
    x = np.log(const.tau[win] / asym.scale)  # ln(τ/τ*): the law's clock
    two = np.isfinite(asym.spread) & np.all(x > 1, axis=0)
    use = np.all(x > 1, axis=0)
    ci, ci_asym = _slope(const.angle[win][:, two], x[:, two]), _slope(asym.angle[:, two],
                                                                       x[:, two])
    ci_n = _slope(const.norm[win][:, use], x[:, use])
    ci_na = _slope(asym.norm[:, use], x[:, use])
    checks += [
        _approx(f"η = 1/β: slope of ln θ_t on ln ln(τ_t/τ*), t ∈ [{win[0]}, {win[-1]}], "
                f"{two.sum()} sets with |S| = 2: {ci} vs −1 (the asymptote's: "
                f"{ci_asym.slope:.3f})", -1.0, ci.slope),
        _approx(f"η = 1/β: θ_T/(SVM asymptote) at T = {steps}, median over {two.sum()} sets",
                1.0, float(np.median(const.angle[-1][two] / asym.angle[-1][two]))),
        _approx(f"η = 1/β: slope of ln‖w_t‖ on ln ln(τ_t/τ*), {use.sum()} sets: {ci_n} vs 1 "
                f"(the asymptote's: {ci_na.slope:.3f})", 1.0, ci_n.slope),
        _approx(f"‖w_T‖/(‖ŵ‖ ln(τ_T/τ*)), τ* = N·exp(Σα ln α/‖ŵ‖²), median over {sets} sets",
                1.0, float(np.median(const.norm[-1] / asym.norm[-1]))),
    ]
    # Schedules act through τ: θ of η₀/√(t+1) at T against the constant run's θ at the
    # same τ (interpolated in ln τ, per set).
    isq = lg.runs["inverse_sqrt"]
    matched = np.array([np.interp(np.log(isq.tau[-1, b]), np.log(const.tau[1:, b]),
                                  const.angle[1:, b]) for b in range(sets)])
    inv = lg.runs["inverse"]
    t_win = np.repeat(np.log(win.astype(float))[:, None], sets, axis=1)
    ci_inv = _slope(inv.angle[win], t_win)
    checks += [
        _approx(f"η₀/√(t+1) at T = {steps} vs η = 1/β at the same τ: median θ ratio (θ "
                "depends on t only through τ)", 1.0, float(np.median(isq.angle[-1] / matched))),
        _approx(f"η₀/(t+1): slope of ln θ_t on ln ln t: {ci_inv} vs the limit 0", 0.0,
                ci_inv.slope)]
    ngd, m = lg.ngd, int(p["ngd_T"])
    wn = ib.log_grid(m // 16, m, 8)
    ci_ngd = _slope(ngd.angle[wn], np.repeat(wn.astype(float)[:, None], sets, axis=1))
    v_star, mult = ib.ngd_offset(z, svm, lg.ngd_eta)
    stable = np.isfinite(v_star) & (np.abs(mult) < 1)
    checks += [
        _approx(f"normalised GD (η = {lg.ngd_eta:g}): slope of ln θ_t on ln t, t ∈ "
                f"[{wn[0]}, {wn[-1]}]: {ci_ngd} vs −1", -1.0, ci_ngd.slope),
        _approx(f"normalised GD: ηT·tan θ_T/|v*| at T = {m}, median over {stable.sum()} sets "
                "with two support vectors and a stable fixed point", 1.0,
                float(np.median(lg.ngd_eta * m * np.tan(ngd.angle[-1][stable])
                                / v_star[stable]))),
    ]
    return checks


def _frozen_checks(p: Mapping[str, float]) -> list[ModelCheck]:
    """η₀qᵗ: after step h = T/2, ‖w_s − w_h‖ ≤ R·L(w_h)·Σ_{s ≥ h}η_s (‖∇L‖ ≤ R·L since
    σ(−u) ≤ ℓ(u), and L does not increase), so θ stays within asin(that/‖w_h‖) of θ_h for
    ever: the limit direction θ_∞ is pinned down, away from 0."""
    lg = _long(_key(p))
    run, const, z = lg.runs["exponential"], lg.runs["constant"], lg.z
    steps = int(p["T"])
    half = steps // 2
    tail = (p["eta_scale"] / lg.beta) * DECAY**half / (1 - DECAY)
    move = np.arcsin(np.minimum(1.0, np.asarray(ib.radius(z)) * run.loss[half] * tail
                                / run.norm[half]))
    excess = np.abs(run.angle[-1] - run.angle[half]) - move
    return [
        ModelCheck(f"η₀·{DECAY}ᵗ: |θ_T − θ_(T/2)| within the tail bound (worst of "
                   f"{z.shape[0]} sets)", 0.0, max(0.0, float(np.max(excess))),
                   8 * EPS * steps, "one-sided: only drift beyond the bound counts; float64 "
                   "rounding of the angles"),
        _approx(f"η₀·{DECAY}ᵗ: guaranteed θ_∞ ≥ θ_T − tail bound, median over sets (τ_∞ = "
                f"η₀/(1 − q), {float(np.median(run.tau[-1])):.0f} in median) vs η = 1/β's "
                f"θ_T at T = {steps}, still shrinking", float(np.median(const.angle[-1])),
                float(np.median(run.angle[-1] - move))),
    ]


# --------------------------------------------------------------------------------------
# The flow's exact solution, other points
# --------------------------------------------------------------------------------------

FLOW_Z = ((1.0, 1.0), (2.0, -1.0))  #: two support vectors: α = (4/9, 1/9), ŵ = (2/3, 1/3)


def _flow_checks() -> list[ModelCheck]:
    """Exponential-loss flow dw/dτ = (1/N)Σe^{−z_nᵀw}z_n from the derived asymptote: it must
    stay on w = ŵ ln((τ+τ₀)/N) + ρ (z_nᵀρ = −ln α_n) exactly; in x = ln(τ + τ₀) the field is
    (τ+τ₀)·(…), contractive (Jacobian −(τ+τ₀)(1/N)Σe^{−u}zzᵀ ≼ 0). The logistic flow from
    w₀ = 0 approaches it (error measured)."""
    z = np.array(FLOW_Z)
    gram = dict(zip(sp.symbols("g_11 g_12 g_22", real=True),
                    (z[0] @ z[0], z[0] @ z[1], z[1] @ z[1]), strict=True))
    alpha = np.array([float(a) for a in sym.results()["alpha"].subs(gram)])
    w_hat = z.T @ alpha
    n, tau0 = 2, 1.0
    rho = np.linalg.solve(z, -np.log(alpha))

    def exact(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = w_hat[:, None] * (x[None, :] - math.log(n)) + rho[:, None]
        return out

    def field(tail: Any) -> Any:
        return lambda x, w: math.exp(x) * (z.T @ tail(z @ w)) / n

    end = math.log(1e6 + tau0)
    rtol, atol = 1e-10, 1e-12
    sol = solve_ivp(field(lambda u: np.exp(-u)), (math.log(tau0), end),
                    exact(np.array([math.log(tau0)]))[:, 0], method="DOP853", rtol=rtol, atol=atol)
    err = float(np.max(np.linalg.norm(sol.y - exact(sol.t), axis=0)))
    bound = dop853_error_bound(sol.y.shape[1] - 1, 2, rtol, atol, float(np.max(np.abs(sol.y))))
    logistic = solve_ivp(field(lambda u: 1.0 / (1.0 + np.exp(u))), (math.log(tau0), end),
                         np.zeros(2), method="DOP853", rtol=rtol, atol=atol)
    gap = float(np.linalg.norm(logistic.y[:, -1] - exact(np.array([end]))[:, 0]))
    return [
        ModelCheck("exponential-loss flow started on ŵ ln((τ+τ₀)/N) + ρ (z_nᵀρ = −ln α_n): "
                   "max distance from it up to τ = 10⁶ (solve_ivp)", 0.0, err, bound,
                   "DOP853 bound: steps × d(atol + rtol‖w‖∞) (contractive flow), at every "
                   "accepted step"),
        _approx("logistic-loss flow from w₀ = 0: distance from the same asymptote at "
                "τ = 10⁶ (relative to ‖w‖)", 0.0, gap / float(np.linalg.norm(
                    logistic.y[:, -1]))),
    ]


@cache
def _single(key: tuple[float, ...]) -> tuple[np.ndarray, ib.SVM, ib.SVM, ib.Run, np.ndarray]:
    """A constant-η run (scale ``eta_scale``/β) on a fixed-seed family of data sets."""
    seed, sets, n, d, margin, steps, scale = key
    z = _data({"seed": seed, "sets": sets, "n": n, "d": d, "margin": margin})
    svm, beta = ib.svm_enumerated(z), ib.smoothness(z)
    return z, svm, ib.svm_qp(z), ib.gd_run(z, scale / beta, np.ones(int(steps)), svm.w), beta


def _single_key(p: Mapping[str, float], scale: float) -> tuple[float, ...]:
    return (*(float(p[k]) for k in ("seed", "sets", "n", "d", "margin", "T")), scale)


def _model_g6(point: Point) -> list[ModelCheck]:
    p = point.params
    if "decay" in p:
        return _frozen_checks(p)
    if "ngd_T" in p:
        return _long_checks(p) + _flow_checks()
    z, svm, qp, run, _ = _single(_single_key(p, p["eta_scale"]))
    checks = _svm_checks(z, svm, qp)
    if p["eta_scale"] <= 1.0:
        asym = ib.asymptote(z, svm, run.tau[-1:])
        return checks + _bound_checks(z, svm, {"constant": run}) + [
            _approx(f"‖w_T‖/(‖ŵ‖ ln(τ_T/τ*)) at T = {int(p['T'])}, median", 1.0,
                    float(np.median(run.norm[-1] / asym.norm[-1])))]
    base = _single(_single_key(p, 1.0))[3]
    return checks + _bound_checks(z, svm, {"constant": run}, exact=False) + [
        _approx(f"η = {p['eta_scale']:g}/β: median θ_T over η = 1/β's at T = {int(p['T'])}", 1.0,
                float(np.median(run.angle[-1] / base.angle[-1]))),
        _approx(f"η = {p['eta_scale']:g}/β: steps where the loss rose (non-monotone; 0 for "
                "η < 2/β)", 0.0, float(np.sum(np.diff(run.loss, axis=0) > 0)))]


# --------------------------------------------------------------------------------------
# Monte Carlo: random data sets, every bound at every step
# --------------------------------------------------------------------------------------

G6_STATISTICS = (
    "fraction of data sets with L(w_t), ‖w_t‖ and the margin inside the derived bounds at "
    "every t ≤ T",
    "fraction of data sets with sin²∠(w_t, ŵ) ≤ γ̂²/γ(w_t)² − 1 at every t ≤ T",
    "fraction of data sets whose enumerated SVM passes the KKT test",
)


def _simulate_g6(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """One chain = one random separable data set (Gaussian points, labelled by a random
    direction, the slab of half-width ``margin`` emptied) run by GD with η₀ = s/β, constant
    or η₀/√(t+1) at random: every derived bound holds at every t (η_t ≤ 1/β), so each
    indicator's probability is exactly 1; the SVM (active-set enumeration, on the array
    backend) is checked against its KKT conditions."""
    p = point.params
    kernel = ib.bound_kernel(int(p["n"]), int(p["d"]), p["margin"], p["eta_scale"],
                             int(p["T"]))
    m = ensemble.run(kernel, n, what=f"G6 random data sets at {point.label}")
    return [Estimate(name, 1.0, indicator_proportion(m, i, ensemble), scale=1.0)
            for i, name in enumerate(G6_STATISTICS)]


# --------------------------------------------------------------------------------------
# Validity, figure, points
# --------------------------------------------------------------------------------------

LONG = {"seed": 11.0, "sets": 16.0, "n": 8.0, "d": 2.0, "margin": 0.1, "T": 4096.0,
        "eta_scale": 1.0, "ngd_T": 1024.0, "ngd_eta": 0.5}


def _validity_g6() -> ValidityDomain:
    lg = _long(_key(LONG))
    run = lg.runs["constant"]
    steps = ib.log_grid(16, int(LONG["T"]), 9)
    asym = ib.asymptote(lg.z, lg.svm, run.tau[steps])
    two = np.isfinite(asym.spread)
    errors = np.median(np.abs(run.angle[steps][:, two] / asym.angle[:, two] - 1.0), axis=1)
    return ValidityDomain(
        "The 1/ln τ law is asymptotic: GD's angle approaches the SVM asymptote "
        "atan(‖ρ_⊥‖/(‖ŵ‖ ln(τ/τ*))) with a relative error that decays about like t^(−g), "
        "g = (second-smallest margin z_nᵀŵ) − 1, so data sets with a near-tie stay away "
        f"from it for long (median {errors[0]:.2f} at t = {steps[0]}, {errors[-1]:.2f} at "
        f"t = {steps[-1]}, over {int(two.sum())} data sets with two support vectors)",
        "t (steps)", tuple(float(s) for s in steps), tuple(float(e) for e in errors),
        "median |θ_t/θ_asymptote − 1|")


def _band(ax: Any, x: np.ndarray, y: np.ndarray, colour: str, label: str,
          fill: bool = True) -> None:
    lo, mid, hi = np.nanpercentile(y, [25, 50, 75], axis=1)
    ax.plot(x, mid, color=colour, label=label)
    if fill:
        ax.fill_between(x, lo, hi, color=colour, alpha=0.15, lw=0)


def _figure_g6(result: ClaimResult) -> Any:
    lg = _long(_key(LONG))
    fig, (ax, bx, cx) = new_figure(3, width=13.5, height=3.6)
    t = np.unique(np.round(np.geomspace(1, int(LONG["T"]), 60)).astype(int))
    for colour, name in zip(("C0", "C2", "C1", "C3"), SCHEDULES, strict=True):
        _band(ax, t, lg.runs[name].angle[t], colour, LABELS[name], name == "constant")
    tn = t[t <= int(LONG["ngd_T"])]
    _band(ax, tn, lg.ngd.angle[tn], "C4", f"{LABELS['normalised']} (η = {lg.ngd_eta:g})")
    ax.set(xscale="log", yscale="log", xlabel="step t", ylabel="angle ∠(w_t, ŵ) (rad)",
           title=f"{lg.z.shape[0]} random data sets in ℝ²: median (quartiles)")
    ax.legend(fontsize=7, loc="lower left")
    const = lg.runs["constant"]
    asym = ib.asymptote(lg.z, lg.svm, const.tau[t])
    x = np.log(const.tau[t] / asym.scale)
    two = np.isfinite(asym.spread)
    late = t >= 64
    law = np.where(x > 0, const.angle[t] / asym.angle, np.nan)[:, two]
    _band(bx, t[late], law[late], "C0", "η = 1/β: θ_t / atan(‖ρ_⊥‖/(‖ŵ‖ ln(τ_t/τ*)))")
    bx.axhline(1.0, color="k", ls="--", lw=1, label="the SVM asymptote (1/ln τ law)")
    bx.set(xscale="log", xlabel="step t", ylabel="angle / derived asymptote",
           title=f"the 1/ln τ law, {int(two.sum())} sets with two support vectors")
    bx.legend(fontsize=7)
    w_norm = np.linalg.norm(lg.svm.w, axis=1)
    lt = np.median(np.log(const.tau[t]), axis=1)
    _band(cx, lt, const.norm[t] / w_norm, "C0", "‖w_t‖/‖ŵ‖, η = 1/β")
    n = lg.z.shape[1]
    for values, style, label in (
            (ib.norm_upper(const.tau[t], w_norm), "C3--", "derived upper bound U(τ)"),
            (ib.norm_lower(const.tau[t], w_norm, ib.radius(lg.z), n), "C2--",
             "derived lower bound m(τ)/R"),
            (asym.norm, "k:", "asymptote ‖ŵ‖ ln(τ/τ*)")):
        mid = np.median(values / w_norm, axis=1)
        cx.plot(lt[mid > 0], mid[mid > 0], style, lw=1, label=label)
    cx.set(xlabel="ln τ_t  (τ_t = Σ_{s<t} η_s)", ylabel="‖w_t‖ / ‖ŵ‖",
           title="‖w_t‖ grows like ‖ŵ‖ ln τ (medians)")
    cx.legend(fontsize=7)
    for axis in (ax, bx):
        axis.minorticks_off()
    return fig


def _points_g6() -> tuple[Point, ...]:
    mc = {"seed": 5.0, "sets": 24.0, "n": 6.0, "d": 2.0, "margin": 0.25, "eta_scale": 1.0,
          "T": 128.0}
    return (
        Point("random data sets in ℝ², N = 6, η₀ = 1/β (constant or η₀/√(t+1))", mc,
              regime="boundary", note="η = 1/β is the largest step the derived bounds allow"),
        Point("16 data sets in ℝ², N = 8, to t = 4096: four schedules and normalised GD", LONG,
              monte_carlo=False),
        Point("data sets in ℝ³, N = 10, η = 0.5/β", {"seed": 7.0, "sets": 16.0, "n": 10.0,
                                                      "d": 3.0, "margin": 0.1, "T": 1024.0,
                                                      "eta_scale": 0.5}, monte_carlo=False),
        Point(f"η₀·{DECAY}ᵗ: a decaying rate with Σηₜ < ∞", {**LONG, "decay": DECAY},
              regime="outside", monte_carlo=False,
              note="the source's 'decaying learning rate' where it fails: the direction "
                   "freezes"),
        Point("η = 8/β, beyond the descent lemma (and 2/β)", {**mc, "sets": 16.0, "T": 1024.0,
                                                               "n": 8.0, "margin": 0.1,
                                                               "eta_scale": 8.0},
              regime="outside", monte_carlo=False,
              note="the loss and norm bounds are not guaranteed; the direction still "
                   "converges"),
    )


G6 = Claim(
    id="G6",
    slug="implicit-bias",
    title="GD on separable data aligns with the hard-margin SVM: θ_t ∝ 1/ln τ_t, "
          "‖w_t‖ ≈ ‖ŵ‖ ln τ_t",
    statement=(
        "Gradient descent on the logistic loss of linearly separable data, from w₀ = 0 with "
        "η_t ≤ 1/β, has ‖w_t‖ → ∞ and w_t/‖w_t‖ → ŵ/‖ŵ‖, the hard-margin SVM direction: "
        "w_t ≈ ŵ ln(τ_t/N) + ρ with τ_t = Σ_{s<t} η_s and z_nᵀρ = −ln α_n (α the SVM's dual "
        "variables), so ‖w_t‖ ≈ ‖ŵ‖ ln τ_t and the angle to ŵ shrinks like 1/ln τ_t. A "
        "constant rate or η₀/√(t+1) gives 1/ln t, η₀/(t+1) only 1/ln ln t, η₀qᵗ (Σ η_t < ∞) "
        "no alignment; normalised GD gives 1/t. At every t: L(w_t) ≤ B(τ_t), "
        "‖w_t‖ ≤ U(τ_t) and sin²θ_t ≤ γ̂²/γ(w_t)² − 1."),
    sources=(
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "Consider training a simple [linear classifier](@article_id:637060) on data "
               "that can be perfectly separated."),
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "The astonishing answer is that, with a standard decaying [learning rate]"
               "(@article_id:139716), the path traced by the parameters will asymptotically "
               "align with a very special solution: the **maximum-margin classifier**, the "
               "same one found by a Support Vector Machine (SVM)"),
    ),
    derive=_derive_g6,
    model=_model_g6,
    points=_points_g6(),
    figure=_figure_g6,
    simulate=_simulate_g6,
    statistics=G6_STATISTICS,
    validity=_validity_g6,
    findings=(
        "The source's alignment statement is right for constant and slowly decaying rates, "
        "but its condition is off: what matters is τ_t = Σ_{s<t} η_s → ∞. A constant rate "
        "(Soudry et al.) aligns fastest among plain GD schedules; η₀/(t+1) slows alignment "
        "to 1/ln ln t; an exponentially decaying rate (Σ η_t < ∞) freezes the direction at a "
        "finite angle — no alignment at all.",
        "The rate the catalog adds, 1/log t, is asymptotic and slow to appear. Per data set "
        "GD approaches the derived asymptote ŵ ln(τ/N) + ρ (ρ fixed by the SVM's dual "
        "variables, time scale τ* = N·exp(Σα ln α/‖ŵ‖²)) with a relative error ≈ t^(−g), g "
        "the margin gap of the next-closest point: at t = 4096 the angle is within 4 % of the "
        "asymptote in median and ‖w_t‖ within 1.4 %, but the measured exponent of θ in "
        "ln(τ/τ*) over t ∈ [256, 4096] is −0.57 (95 % CI [−0.93, −0.21], 15 data sets), not "
        "yet −1 (the asymptote itself gives −0.98 there).",
        "Normalised GD (fixed step length) aligns like 1/t (measured exponent −0.93 ± 0.08): "
        "its weights settle at the SVM dual (p₁/p₂ = α₁/α₂), the offset across ŵ at the "
        "derived v* (ηT·tan θ_T/|v*| = 1.000 in median), while ‖w_t‖ grows linearly.",
        "Beyond the descent lemma (η = 8/β) the loss and norm bounds fail (by ×2.5 and ×1.6 "
        "early on) and the loss is not monotone, yet the direction still converges to ŵ; the "
        "angle–margin bound, being geometric, holds for every w.",
        "Bounds that hold at every t (η_t ≤ 1/β, derived here): L(w_t) ≤ B(τ_t) ~ "
        "‖ŵ‖²ln²τ/(2τ), ‖w_t‖ ≤ U(τ_t) ~ 2‖ŵ‖ln τ and ≥ (ln τ − O(ln ln τ))/R, and "
        "sin²θ_t ≤ γ̂²/γ_t² − 1 (margin convergence forces direction convergence).",
    ),
)

CLAIMS = (G6,)
