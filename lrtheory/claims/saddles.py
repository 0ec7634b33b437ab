"""Family S, claim S3 negative-curvature: no learning rate converges, and saddles are escaped.

Along an eigen-direction with λ < 0 the GD factor 1 − ηλ = 1 + η|λ| exceeds 1 for every
η > 0: no learning rate converges, and a start ε off a saddle along that direction reaches
size r after ln(r/ε)/ln(1 + η|λ|) steps. With |c₀| uniform on [0, ε] the escape step τ has
P(τ > k) = min(1, (r/ε)g^{−k}), g = 1 + η|λ|, whence E[min(τ, M)] and P(τ ≤ k); a start
uniform in a square around the saddle grows by step T with the square-start law
P(|U₁| > k|U₂|). All four laws are derived here; the quadratic, the experiment's design and
the rounding bounds are :mod:`lrtheory.models.saddle_escape`'s.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.arrays import astype, bool_dtype
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
from lrtheory.models import saddle_escape as se
from lrtheory.models.quadratic import gd_growth_rate, growth_rate_rounding, spd_matrix
from lrtheory.models.rounding import EPS, recursion_rounding
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_002, SEED_003
from lrtheory.symbolic.series import finite_sum

ETA = sp.Symbol("eta", positive=True)


@dataclass(frozen=True)
class _S3Forms:
    derivation: Derivation
    escape: Callable[[float, float], float]  # (g, r/ε) -> ln(r/ε)/ln g
    mean_tau: Callable[..., float]  # (g, r/ε, K, M) -> E[min(τ, M)]
    escaped_by: Callable[..., float]  # (g, r/ε, k) -> P(τ ≤ k), k > K
    square: Callable[[float], float]  # k -> P(|U₁| > k|U₂|)


@functools.cache
def _s3() -> _S3Forms:
    mu, eps, r, x = sp.symbols("mu epsilon r x", positive=True)
    lam = sp.Symbol("lambda", negative=True)
    e = sp.Symbol("e", real=True)
    t = sp.Symbol("t")
    k, K, M = sp.symbols("k K M", integer=True, nonnegative=True)
    u, u1, kk, y = sp.symbols("u u_1 kappa y", positive=True)
    update = e - ETA * sp.diff(lam * e**2 / 2, e)
    q = sp.diff(update, e)
    omega = sp.Interval.open(0, sp.oo)
    stable = sp.solveset(sp.Abs(q) < 1, ETA, omega)
    growing = sp.solveset(q > 1, ETA, omega)
    modulus = sp.simplify(sp.Abs(q))
    escape = sp.solve(sp.Eq(eps * modulus**t, r), t)[0]
    flow = sp.limit(escape * ETA, ETA, 0)
    rel_flow = sp.series(x / sp.log(1 + x) - 1, x, 0, 2).removeO()
    g = 1 + ETA * mu  # |q| with λ = −μ
    # c₀ = εU, U ~ U(0, 1): τ > k iff εUg^k < r, so P(τ > k) = min(1, (r/ε)g^{−k}) — equal to
    # 1 for k ≤ K = ⌊ln(r/ε)/ln g⌋, then geometric.
    survival = (r / eps) * g ** (-k)  # P(τ > k) for k > K
    mean_tau = (K + 1) + finite_sum(survival, k, K + 1, M - 1)
    inner = sp.integrate(1, (u1, kk * u, 1))
    square = sp.integrate(sp.Max(0, inner), (u, 0, 1))
    eq = Step.equation
    steps = (
        eq("GD on ½λe², λ < 0", "e_{t+1}", update),
        eq("factor", "q", q),
        Step("η > 0 with |q| < 1", stable),
        Step("η > 0 with q > 1", growing),
        eq("|q|", "|q|", modulus),
        eq("steps from |c₀| = ε to r along the negative direction", "t", escape),
        eq("η → 0: escape time in units of η (gradient flow)", "ηt", flow),
        eq("relative error of the flow estimate, x = η|λ|", "δ", rel_flow),
        eq("c₀ = εU, U ~ U(0, 1): P(τ > k) for k > K = ⌊ln(r/ε)/ln g⌋, g = 1 + η|λ|", "P",
           survival),
        eq("E[min(τ, M)] = Σ_{k<M} P(τ > k)", "E", mean_tau),
        eq("square start: P(|U₁| > k|U₂|)", "P", square),
    )
    identities = (
        Identity("no η > 0 makes |1 − ηλ| < 1 when λ < 0", stable, sp.EmptySet),
        Identity("the factor exceeds 1 for every η > 0", growing, omega, "derived"),
        Identity("growth per step |1 − ηλ| = 1 + η|λ|", modulus, 1 + ETA * sp.Abs(lam),
                 "derived"),
        Identity("escape steps ln(r/ε)/ln(1 + η|λ|)", escape,
                 sp.log(r / eps) / sp.log(1 + ETA * sp.Abs(lam)), "derived"),
        Identity("small-η limit: ln(r/ε)/(η|λ|) (gradient flow)", flow,
                 sp.log(r / eps) / sp.Abs(lam), "derived"),
        Identity("flow estimate too small by x/2 to first order", rel_flow, x / 2, "derived"),
        Identity("E[min(τ, M)] = K + 1 + (r/ε)(g^{−K} − g^{1−M})/(g − 1)", mean_tau,
                 K + 1 + (r / eps) * (g ** (-K) - g ** (1 - M)) / (g - 1), "derived"),
        Identity("P(|U₁| > k|U₂|) = 1 − k/2 for k = 1/(1 + y) ≤ 1",
                 square.subs(kk, 1 / (1 + y)), 1 - 1 / (2 * (1 + y)), "derived"),
        Identity("P(|U₁| > k|U₂|) = 1/(2k) for k = 1 + y ≥ 1", square.subs(kk, 1 + y),
                 1 / (2 * (1 + y)), "derived"),
    )
    gs, ratio = sp.symbols("g rho", positive=True)
    return _S3Forms(
        Derivation(steps, identities),
        sp.lambdify((gs, ratio), sp.simplify(sp.expand_log(
            escape.subs(lam, (1 - gs) / ETA).subs(r, ratio * eps), force=True)), "math"),
        sp.lambdify((gs, ratio, K, M), mean_tau.subs(mu, (gs - 1) / ETA).subs(
            r, ratio * eps), "math"),
        sp.lambdify((gs, ratio, k), (1 - survival).subs(mu, (gs - 1) / ETA).subs(
            r, ratio * eps), "math"),
        sp.lambdify(kk, square, "math"),
    )


def _s3_setup(p: dict[str, float]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    """The point's rotated saddle H, its negative eigenvector and the growth g = 1 + η|λ₋|."""
    h, v = se.rotated_saddle(p["lam_pos"], p["lam_neg"], p["angle"])
    return h, v, 1 + p["eta"] * abs(p["lam_neg"])


def _s3_design(p: dict[str, float]) -> se.EscapeDesign:
    """Where the point's Monte Carlo looks: L, K, the cap M and k*."""
    return se.escape_design(p["eta"], p["lam_neg"], p["ratio"])


def _s3_point(label: str, params: dict[str, float], **kw: Any) -> Point:
    """A point whose label carries the Monte Carlo's T, M and k*."""
    d = _s3_design(params)
    return Point(f"{label}; T = {int(params['T'])}, M = {d.M}, k* = {d.k_star}", params, **kw)


def _model_s3(point: Point) -> list[ModelCheck]:
    p = dict(point.params)
    if "d" in p:  # a d-dimensional indefinite H: no η in a wide grid gives growth ≤ 1
        h = spd_matrix(int(p["d"]), 0.1, 10.0, int(p["matrix_seed"])) - p["shift"] * np.eye(
            int(p["d"]))
        lam = np.linalg.eigvalsh(h)
        etas = np.geomspace(1e-6, 1.0, 13) / lam[-1]
        closed = np.max(np.abs(1 - np.outer(etas, lam)), axis=1)
        measured = [gd_growth_rate(h, e, 64) for e in etas]
        tol = max(growth_rate_rounding(h, e, 64) for e in etas)
        return [ModelCheck(
            f"smallest worst-case growth over η ∈ [10⁻⁶, 1]/λ_max ({int(np.sum(lam < 0))} "
            "negative eigenvalues)", float(closed.min()), float(min(measured)), tol,
            "rounding of the iterated matrix (growth_rate_rounding), largest over the grid")]
    h, v, g = _s3_setup(p)
    eta, steps = p["eta"], 100
    checks = [ModelCheck(
        "worst-case growth per step (gd_growth_rate)",
        float(np.max(np.abs(1 - eta * np.linalg.eigvalsh(h)))), gd_growth_rate(h, eta, steps),
        growth_rate_rounding(h, eta, steps), "rounding of the iterated matrix")]
    e = v.copy()
    for _ in range(steps):
        e = e - eta * (h @ e)
    rel = recursion_rounding(steps, 1.0) * (1 + eta * float(np.abs(h).sum()))
    checks.append(ModelCheck(
        f"growth along the negative direction over {steps} steps, (|c_t|/|c₀|)^{{1/t}}",
        g, abs(float(v @ e)) ** (1 / steps), g * rel / steps + 2 * EPS,
        "float64 recursion: relative error ≤ 4ε(t+8)(1 + η‖H‖₁) of c_t, taken to the 1/t"))
    L = _s3().escape(g, p["ratio"])
    e, t = v.copy(), 0
    while abs(float(v @ e)) < p["ratio"]:
        e, t = e - eta * (h @ e), t + 1
    # rounding moves c_t by a relative δ, i.e. the crossing by δ/ln g steps: the integer
    # count is certain unless L lies within that of an integer
    margin, shift = abs(L - round(L)), rel * (t + 8) / (steps + 8) / math.log(g)
    checks.append(ModelCheck(
        "steps from ε to r along the negative direction: ⌈ln(r/ε)/ln(1+η|λ|)⌉",
        float(math.ceil(L)), float(t), 0.0 if margin > shift else 1.0,
        f"an integer count: L is {margin:.3g} from an integer, rounding shifts the crossing "
        f"by ≤ {shift:.2g} steps"))
    return checks


S3_STATISTICS = ("fraction with ‖e_T‖ > ‖e₀‖", "mean escape step min(τ, M)",
                 "fraction escaped by step k*")


def _simulate_s3(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Starts uniform in the square |c₊|, |c₋| ≤ ε of the saddle's eigenbasis; GD on the
    rotated indefinite quadratic. (a) ‖e_T‖ > ‖e₀‖ iff |c₋|/|c₊| > k = √((1 − q₊^{2T})/
    (g^{2T} − 1)): the derived square law. (b), (c) τ = first t with |v₋·e_t| ≥ r: since
    |c₋| is uniform on [0, ε], P(τ > k) = min(1, (r/ε)g^{−k}), whence E[min(τ, M)] and
    P(τ ≤ k*) = 1 − (r/ε)g^{−k*} (k* > K). Rounding can flip a comparison only within
    relative δ = 4ε(t+8)(1 + η‖H‖₁) of a threshold: declared as the bias
    (:func:`~lrtheory.models.saddle_escape.growth_flip_bound`, :func:`~lrtheory.models.
    saddle_escape.escape_rounding_bias`)."""
    p = dict(point.params)
    h, v, g = _s3_setup(p)
    eta, eps, T = p["eta"], p["eps"], int(p["T"])
    r = eps * p["ratio"]
    design = _s3_design(p)
    K, M, k_star = design.K, design.M, design.k_star
    rot = np.column_stack([np.array([v[1], -v[0]]), v])  # columns: v₊, v₋

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        hx, vx = xp.asarray(h), xp.asarray(v)
        e = (eps * (2 * rng.uniform(2) - 1)) @ xp.asarray(rot.T)
        n0 = xp.sum(e * e, axis=1)
        tau = xp.full(e.shape[0], float(M))
        grew = xp.zeros(e.shape[0], dtype=bool_dtype(xp))
        for t in range(1, max(T, M) + 1):
            e = e - eta * (e @ hx)
            if t == T:
                grew = xp.sum(e * e, axis=1) > n0
            if t < M:
                tau = xp.where((xp.abs(e @ vx) >= r) & (tau == M), float(t), tau)
        return xp.stack([astype(xp, grew, rng.dtype), tau,
                         astype(xp, tau <= k_star, rng.dtype)], axis=1)

    m = ensemble.run(kernel, n, what="S3 GD near a saddle")
    f = _s3()
    q_pos = 1 - eta * p["lam_pos"]
    a_pos, a_neg = q_pos ** (2 * T) - 1, g ** (2 * T) - 1
    delta = recursion_rounding(max(T, M), 1.0) * (1 + eta * float(np.abs(h).sum()))
    if a_pos >= 0:
        p_grew, b_grew = 1.0, 0.0
    else:
        p_grew = f.square(math.sqrt(-a_pos / a_neg))
        # the angle of a uniform point of the square has density ≤ 1/4 (R(φ)²/8, R ≤ √2)
        step = 4 * EPS * math.sqrt(2) * (1 + eta * float(np.abs(h).sum()))
        b_grew = se.growth_flip_bound(np.array([a_neg, a_pos]), np.array([g, q_pos]), T,
                                      step, 0.25)
    b_tau, b_esc = se.escape_rounding_bias(delta, p["ratio"], g, k_star)
    p_esc = f.escaped_by(g, p["ratio"], k_star)
    return [
        Estimate(S3_STATISTICS[0], p_grew, indicator_proportion(m, 0, ensemble), scale=1.0,
                 bias_bound=b_grew),
        Estimate(S3_STATISTICS[1], f.mean_tau(g, p["ratio"], K, M),
                 mean_statistic(float(m.mean[1]), float(m.stderr_mean[1]), m.n),
                 bias_bound=b_tau),
        Estimate(S3_STATISTICS[2], p_esc, indicator_proportion(m, 2, ensemble), scale=1.0,
                 bias_bound=b_esc),
    ]


_S3_VALIDITY_X = (1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def _validity_s3() -> ValidityDomain:
    """The gradient-flow escape time ln(r/ε)/(η|λ|) against the exact recursion's count."""
    errors = []
    for x in _S3_VALIDITY_X:
        t = se.escape_steps(1 + x, 100.0)
        errors.append(abs(math.log(100.0) / x - t) / t)
    return ValidityDomain("steps to escape a saddle from ε to r = 100ε ≈ ln(r/ε)/(η|λ|)",
                          "η·|λ|", _S3_VALIDITY_X, tuple(errors))


def _figure_s3(result: ClaimResult) -> Any:
    fig, (left, right) = new_figure(2, width=11.0)
    for point, colour in zip([q for q in result.claim.points if "d" not in q.params],
                             ("C0", "C1", "C3", "C4"), strict=False):
        p = dict(point.params)
        h, v, g = _s3_setup(p)
        design = _s3_design(p)
        L, M = design.L, design.M
        e, comp = p["eps"] * v, []
        for _ in range(M + 1):
            comp.append(abs(float(v @ e)) / p["eps"])
            e = e - p["eta"] * (h @ e)
        left.semilogy((g - 1) * np.arange(M + 1), comp, "-", color=colour,
                      label=f"GD, η|λ| = {g - 1:g}: {math.ceil(L)} steps to r")
    x = np.linspace(0, 8, 50)
    left.semilogy(x, np.exp(x), "k--", lw=0.8, label="gradient flow e^{|λ|t}")
    left.axhline(100.0, color="grey", ls=":", lw=0.8, label="r = 100ε")
    left.set_xlabel("time t·η|λ| (units of 1/|λ|)")
    left.set_ylabel("|c_t|/ε along the negative direction")
    left.set_title("escape along the negative direction: (1 + η|λ|)^t")
    left.legend(fontsize=7)
    x = np.geomspace(1e-3, 3.0, 80)
    right.loglog(x, np.log(100.0) / np.log1p(x), label="exact ln(r/ε)/ln(1 + η|λ|)")
    right.loglog(x, np.log(100.0) / x, "--", label="gradient flow ln(r/ε)/(η|λ|)")
    right.set_xlabel("η·|λ|")
    right.set_ylabel("steps to escape, r = 100ε")
    right.set_title("escape from a saddle slows as 1/(η|λ|)")
    right.legend(fontsize=7)
    return fig


_S3_BASE = {"angle": 0.6, "eps": 1e-3, "ratio": 100.0}
_S3_POINTS = (
    _s3_point("λ = (1, −1), η = 0.1", {**_S3_BASE, "lam_pos": 1.0, "lam_neg": -1.0,
                                         "eta": 0.1, "T": 10}),
    _s3_point("λ = (4, −0.5), η = 0.3", {**_S3_BASE, "lam_pos": 4.0, "lam_neg": -0.5,
                                           "eta": 0.3, "T": 5}),
    _s3_point("slow escape: λ = (1, −0.1), η = 0.1 (η|λ| = 0.01)",
              {**_S3_BASE, "lam_pos": 1.0, "lam_neg": -0.1, "eta": 0.1, "T": 60},
              regime="boundary", note="η|λ| → 0: escape needs ⌈ln(r/ε)/ln(1.01)⌉ = 463 steps"),
    _s3_point("ηλ₊ = 2.4: both directions grow", {**_S3_BASE, "lam_pos": 8.0,
                                                  "lam_neg": -1.0, "eta": 0.3, "T": 5},
              regime="outside", note="past 2/λ₊ the positive direction diverges too"),
    Point("d = 20, 2I shifted off an SPD matrix", {"d": 20, "matrix_seed": 5, "shift": 2.0},
          monte_carlo=False),
)

S3 = Claim(
    id="S3",
    slug="negative-curvature",
    title="Negative curvature: no learning rate converges; saddles are escaped",
    statement=(
        "If some λ_i < 0, GD's factor along that eigen-direction is 1 − ηλ_i = 1 + η|λ_i| > 1 "
        "for every η > 0: no η makes GD converge from every start, and a start ε off a saddle "
        "along it reaches r after ln(r/ε)/ln(1 + η|λ_i|) steps."),
    sources=(
        Source(SEED_002, "untitled (no headings): the paragraph “This is the speed limit of "
               "learning”",
               "if any of the Hessian's eigenvalues are negative (meaning the curvature is "
               "\"concave down,\" like at the top of a hill or a saddle point), there is no "
               "positive learning rate that can make the system fully stable."),
        Source(SEED_003, "Mathematical Role",
               "acts as a diffusive perturbation that probabilistically pushes iterates away "
               "from such points"),
    ),
    derive=lambda: _s3().derivation,
    model=_model_s3,
    points=_S3_POINTS,
    figure=_figure_s3,
    simulate=_simulate_s3,
    statistics=S3_STATISTICS,
    validity=_validity_s3,
    findings=(
        "Seed 002's statement is exact: for λ < 0 the set of η > 0 with |1 − ηλ| < 1 is "
        "empty. The growth factor 1 + η|λ| and the escape time are lrtheory's additions.",
        "Deterministic GD escapes a saddle from every start off its stable manifold (the "
        "measure-zero set c₋ = 0), without the noise seed 003 credits; noise matters only "
        "for starts on or extremely near that manifold.",
        "Escape is slow when η|λ| is small: from ε to 100ε takes ⌈ln 100/ln(1 + η|λ|)⌉ = 49 "
        "steps at η|λ| = 0.1, 463 at 0.01 and 4 608 at 10⁻³ — close to the gradient-flow "
        "time ln(r/ε)/(η|λ|), which undercounts by ≈ η|λ|/2 relatively (validity domain: "
        "0.5 % at η|λ| = 0.01, 15 % at 0.3, 34 % at 1).",
    ),
)

CLAIMS = (S3,)
