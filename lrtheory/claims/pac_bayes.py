"""Family D, claim D9 pac-bayes-lr: the learning rate that optimises a PAC-Bayes bound.

Constant-η SGD on L = ½λθ² with gradient noise σ²/B has the Gaussian stationary law
q_η = N(0, v(η)), v(η) = ησ²/(Bλ(2 − ηλ)) exactly (ησ²/(2Bλ) in the SDE limit): claim D3.
Take q_η as the PAC-Bayes posterior and a Gaussian prior p = N(μ, s₀²) fixed before the
data. The linear PAC-Bayes bound at β = n (:mod:`lrtheory.symbolic.pac_bayes`) depends on
q only through F(q) = E_q[L] + KL(q‖p)/n; F(q_η) is minimised where v(η) equals the Gibbs
posterior's variance v* = s₀²/(1 + nλs₀²), i.e. at

    η* = 2Bλv*/(σ² + Bλ²v*)  (exact),    η*_SDE = 2Bλv*/σ²  (SDE),

both *derived* by solving dF/dη = 0, both checked against Brent's minimisation of the bound
built from SciPy's Lyapunov solvers, and checked by Monte Carlo on SGD's own samples.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.arrays import astype
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
from lrtheory.models import pac_bayes as pbm
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import variance_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_001
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic import pac_bayes as pb
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments

ETA, LAM, SIGMA, B, N, S0 = sp.symbols("eta lambda sigma B n s_0", positive=True)
MU = sp.Symbol("mu", real=True)
V, M = sp.Symbol("v", positive=True), sp.Symbol("m", real=True)
RHO = sp.Symbol("rho", positive=True)  # Bλ²v*/σ²
DELTA = sp.nsimplify(pbm.DELTA)  # McAllester's confidence, for the comparison only


@dataclass(frozen=True)
class _D9Forms:
    derivation: Derivation
    v_exact: Any  # (η, λ, σ, B) -> stationary variance
    v_star: Any  # (λ, n, s₀) -> Gibbs variance
    eta_exact: Any  # (λ, σ, B, n, s₀) -> η*
    eta_sde: Any  # (λ, σ, B, n, s₀) -> η*_SDE


@functools.cache
def _d9() -> _D9Forms:
    x, xi = pb.THETA, sl.XI
    noise = {xi: gaussian_moments(SIGMA**2 / B)}
    step = -ETA * (LAM * x + xi)
    v_exact = sl.affine_fixed_point(
        expectation((x + step) ** 2, {x: centred_moments(sl.V), **noise}), sl.V)
    drift, diffusion = sl.diffusion_limit(step, x, noise, ETA)
    moment_ode = expectation(sl.generator(drift, diffusion, x**2, x), {x: centred_moments(sl.V)})
    v_sde = sp.solve(moment_ode, sl.V)[0]
    kl = sp.simplify(pb.gaussian_kl(0, V, MU, S0**2))
    loss = expectation(LAM * pb.THETA**2 / 2, {pb.THETA: centred_moments(V)})
    objective = pb.linear_objective(loss, kl, N)
    (v_star,) = sp.solve(sp.diff(objective, V), V)
    curvature = sp.simplify(sp.diff(objective, V, 2))

    def optimum(var: sp.Expr) -> sp.Expr:
        """The positive root of dF(v(η))/dη, a rational function of η: its numerator's."""
        numer = sp.numer(sp.together(sp.diff(objective.subs(V, var), ETA)))
        roots = [sp.factor(r) for r in sp.roots(sp.Poly(numer, ETA)) if r != 0]
        return roots[0] if len(roots) == 1 else sp.nan

    eta_exact, eta_sde = optimum(v_exact), optimum(v_sde)
    in_rho = {SIGMA: sp.sqrt(B) * LAM * sp.sqrt(v_star / RHO)}
    # the mean free as well: q = N(m, v), E_q[L] = ½λ(m² + v)
    free = pb.linear_objective(LAM * (M**2 + V) / 2, pb.gaussian_kl(M, V, MU, S0**2), N)
    (m_star,) = sp.solve(sp.diff(free, M), M)
    (v_kl,) = sp.solve(sp.diff(kl, V), V)
    (eta_kl,) = sp.solve(v_exact - v_kl, ETA)
    large_n = sp.limit(N * eta_exact, N, sp.oo)
    sde_edge = sp.solve(eta_sde * LAM - 2, SIGMA)
    mcallester = sp.diff(pb.mcallester_objective(loss, kl, N, DELTA), V)
    eq = Step.equation
    steps = (
        eq("SGD step, ξ ~ N(0, σ²/B)", "θ_{t+1}", x + step),
        eq("stationary variance, exact (fixed point of the variance recursion)", "v(η)",
           v_exact),
        eq("stationary variance, SDE (moment ODE = 0)", "v_SDE(η)", v_sde),
        eq("KL(N(0, v)‖N(μ, s₀²)) = E_q[ln q − ln p]", "KL", kl),
        eq("E_q[L], L = ½λθ²", "⟨L⟩_q", loss),
        eq("linear PAC-Bayes bound at β = n: the q-dependent part", "F(v)", objective,
           "E_q[R] ≤ E_q[r̂] + (KL + ln(1/δ))/n + C²/8 for losses in [0, C] (Catoni; "
           "Alquier et al.): applied formally, L is unbounded"),
        eq("dF/dv = 0", "v*", v_star),
        eq("d²F/dv² (> 0: a minimum)", "F''", curvature),
        eq("dF(v(η))/dη = 0, exact v(η)", "η*", eta_exact),
        eq("… with the SDE's v(η)", "η*_SDE", eta_sde),
        eq("the mean free too: ∂F/∂m = 0 for q = N(m, v)", "m*", m_star),
        eq("the source's wording — minimise KL alone: dKL/dv = 0", "v_KL", v_kl),
        eq("… reached by SGD at", "η_KL", eta_kl),
        eq("n → ∞", "lim n·η*", large_n),
        eq("SDE's η* at the stability edge η*λ = 2", "σ", sp.FiniteSet(*sde_edge)),
        eq("McAllester's bound instead: dF/dv (ln v under a square root: no closed-form "
           "root; minimised numerically)", "dF_M/dv", mcallester),
    )
    identities = (
        Identity("exact stationary variance (as D3)", v_exact,
                 ETA * SIGMA**2 / (B * LAM * (2 - ETA * LAM)), "derived"),
        Identity("SDE stationary variance (as D3)", v_sde, ETA * SIGMA**2 / (2 * B * LAM),
                 "derived"),
        Identity("Gaussian KL", kl,
                 (V / S0**2 + MU**2 / S0**2 - 1 - sp.log(V / S0**2)) / 2, "derived"),
        Identity("optimal posterior variance = Gibbs posterior's: 1/v* = nλ + 1/s₀²",
                 1 / v_star, N * LAM + 1 / S0**2, "derived"),
        Identity("F is convex in v: F'' = 1/(2nv²)", curvature, 1 / (2 * N * V**2), "derived"),
        Identity("η* = 2Bλv*/(σ² + Bλ²v*)", eta_exact,
                 2 * B * LAM * v_star / (SIGMA**2 + B * LAM**2 * v_star), "derived",
                 note="seed 001: 'a crisp, clear answer … based on the curvature … and the "
                      "scale of the gradient noise'"),
        Identity("η*_SDE = 2Bλv*/σ²", eta_sde, 2 * B * LAM * v_star / SIGMA**2, "derived"),
        Identity("SGD at η* has exactly the Gibbs variance",
                 sp.factor(v_exact.subs(ETA, eta_exact)), v_star, "derived"),
        Identity("the prior mean μ does not move η*", sp.diff(eta_exact, MU), sp.Integer(0),
                 "derived"),
        Identity("η*_SDE/η* = 1 + ρ, ρ = Bλ²v*/σ²",
                 sp.factor((eta_sde / eta_exact).subs(in_rho)), 1 + RHO, "derived"),
        Identity("exact η* always stable: η*λ = 2ρ/(1 + ρ) < 2",
                 sp.factor((eta_exact * LAM).subs(in_rho)), 2 * RHO / (1 + RHO), "derived"),
        Identity("the SDE's η*λ = 2ρ: unstable once σ² ≤ Bλ²v*", (eta_sde * LAM).subs(in_rho),
                 2 * RHO, "derived"),
        Identity("SGD's mean (the minimum, 0) is the optimal m* only if μ = 0", m_star,
                 MU / (1 + N * LAM * S0**2), "derived"),
        Identity("minimising KL alone gives the prior's variance", v_kl, S0**2, "derived"),
        Identity("large n: n·η* → 2B/σ², the curvature drops out", large_n,
                 2 * B / SIGMA**2, "derived"),
        Identity("linear scaling: η*_SDE ∝ B, exact η* is not", sp.diff(eta_sde / B, B),
                 sp.Integer(0), "derived"),
        Identity("… the exact η* grows slower than B: ∂(η*/B)/∂B < 0",
                 sp.factor(sp.diff(eta_exact / B, B)),
                 -2 * LAM**3 * S0**4 / (B * LAM**2 * S0**2 + SIGMA**2 * (1 + N * LAM * S0**2))
                 ** 2, "derived"),
    )
    return _D9Forms(
        Derivation(steps, identities),
        sp.lambdify((ETA, LAM, SIGMA, B), v_exact, "math"),
        sp.lambdify((LAM, N, S0), v_star, "math"),
        sp.lambdify((LAM, SIGMA, B, N, S0), eta_exact, "math"),
        sp.lambdify((LAM, SIGMA, B, N, S0), eta_sde, "math"),
    )


# --------------------------------------------------------------------------------------
# the model: the bound built from SciPy's Lyapunov solvers, minimised by Brent
# (lrtheory.models.pac_bayes)
# --------------------------------------------------------------------------------------


def _closed(p: dict[str, float]) -> tuple[float, float, float]:
    """(η*, η*_SDE, v*) from the derived closed forms."""
    f = _d9()
    args = (p["lam"], p["sigma"], p["B"], p["n"], p["s0"])
    return f.eta_exact(*args), f.eta_sde(*args), f.v_star(p["lam"], p["n"], p["s0"])


def _model(point: Point) -> list[ModelCheck]:
    p = dict(point.params)
    eta_x, eta_s, v_star = _closed(p)
    if p["at_sde"]:  # SGD run at the SDE's prescription: its posterior is not the optimum
        v_at, dv = pbm.posterior_variance(eta_s, p, sde=False)
        v_cf = _d9().v_exact(eta_s, p["lam"], p["sigma"], p["B"])
        gap = _slack(eta_s * p["lam"] / 2, dv + 16 * EPS * v_cf, v_cf)  # v*/v(η_s) = 1 − η_sλ/2
        return [
            ModelCheck("v(η*_SDE): closed form vs discrete Lyapunov", v_cf, v_at,
                       dv + 16 * EPS * v_cf, "a-posteriori Lyapunov bound, plus evaluation"),
            ModelCheck("Gibbs variance v* as an approximation of SGD's variance at η*_SDE",
                       v_star, v_at, 0.0, "approximation", exact=False, bound=gap,
                       bound_reason="exact: v*/v(η*_SDE) = 1 − η*_SDEλ/2, plus the Lyapunov "
                                    "solver's bound"),
        ]
    lin, lin_sde = pbm.minimise(p), pbm.minimise(p, sde=True)
    mcallester = pbm.minimise(p, form="mcallester")
    v_at, dv = pbm.posterior_variance(eta_x, p, sde=False)
    why = "Brent's stopping rule on ln η + flatness of the minimum (2√(δF/F_uu))"
    return [
        ModelCheck("η*: closed form vs Brent on the bound (discrete Lyapunov)", eta_x,
                   lin.eta, lin.tolerance, why),
        ModelCheck("η*_SDE: closed form vs Brent on the bound (continuous Lyapunov)", eta_s,
                   lin_sde.eta, lin_sde.tolerance, why),
        ModelCheck("SGD's stationary variance at η* (Lyapunov) vs Gibbs variance v*", v_star,
                   v_at, dv + 16 * EPS * v_star,
                   "a-posteriori Lyapunov bound, plus evaluation of η* and v*"),
        ModelCheck("η*_SDE as an approximation of η*", eta_s, lin.eta, 0.0, "approximation",
                   exact=False, bound=_slack(p["B"] * (p["lam"] / p["sigma"]) ** 2 * v_star,
                                             lin.tolerance, lin.eta),
                   bound_reason="exact: η*_SDE/η* = 1 + ρ, ρ = Bλ²v*/σ², plus Brent's "
                                "tolerance"),
        ModelCheck("linear-bound η* vs the minimiser of McAllester's bound (δ = 0.05)",
                   eta_x, mcallester.eta, 0.0, "approximation", exact=False,
                   breakdown="a comparison of two bounds' minimisers: McAllester's square "
                             "root of the KL has no closed-form minimiser, none is claimed"),
    ]


def _slack(gap: float, tolerance: float, value: float) -> float:
    """(gap + τ)/(1 − τ), τ = tolerance/(value − tolerance): the largest relative error of a
    closed form x(1 ± gap) against a numerical value within ``tolerance`` of x."""
    return (gap + tolerance / (value - tolerance)) / (1 - tolerance / (value - tolerance))


# --------------------------------------------------------------------------------------
# Monte Carlo: SGD's own samples as the posterior
# --------------------------------------------------------------------------------------

#: tail levels c of the statistics P(|θ_T| > c√v*)
TAILS = (1.0, 2.0)
STATISTICS = ("posterior variance Var(θ_T)",
              *(f"Gaussian tail P(|θ_T| > {'' if c == 1 else f'{c:g}'}√v*)" for c in TAILS))


def _simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Chains of SGD from θ₀ = 0 at the point's η (η* or η*_SDE) for T steps, T such that
    |1 − ηλ|^{2T} ≤ 10⁻⁷ (stationary in all but name). θ_T is a linear combination of
    Gaussian draws, so θ_T ~ N(0, v_T) exactly with v_T = v(η)(1 − (1 − ηλ)^{2T}) (the
    variance recursion from 0): the predictions are exact, with no transient bias. Per chain
    θ_T and the indicators |θ_T| > c√v*: Var(θ_T) = v_T tests the posterior's variance (v* at
    η*), the tails erfc(c√(v*/2v_T)) that it is *Gaussian*, which the closed-form KL needs.
    A tail's ``scale`` is its indicator's standard deviation √(p(1 − p)); declared bias: the
    rounding flip bound."""
    p = dict(point.params)
    eta_x, eta_s, v_star = _closed(p)
    eta, lam = (eta_s if p["at_sde"] else eta_x), p["lam"]
    a, noise_sd = 1 - eta * lam, p["sigma"] / math.sqrt(p["B"])
    T = 1 if a == 0 else math.ceil(math.log(1e-7) / (2 * math.log(abs(a))))
    base = sgd_diagonal_quadratic(eta, np.array([lam]), noise_sd, T)
    cuts = [c * math.sqrt(v_star) for c in TAILS]

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        th = base(rng)[:, 0]
        return xp.stack([th, *(astype(xp, xp.abs(th) > cut, rng.dtype) for cut in cuts)], axis=1)

    m = ensemble.run(kernel, n, what=f"D9 SGD at {point.label}")
    v_T = _d9().v_exact(eta, lam, p["sigma"], p["B"]) * -math.expm1(2 * T * math.log(abs(a)))
    out = [Estimate(STATISTICS[0], v_T,
                    variance_statistic(m.variance[0], m.stderr_variance[0], m.n))]
    for j, (name, cut) in enumerate(zip(STATISTICS[1:], cuts, strict=True), start=1):
        tail = math.erfc(cut / math.sqrt(2 * v_T))
        out.append(Estimate(name, tail, indicator_proportion(m, j, ensemble),
                            scale=math.sqrt(tail * (1 - tail)),
                            bias_bound=pbm.tail_flip_bound(a, -eta * noise_sd, T, v_T, cut**2)))
    return out


# --------------------------------------------------------------------------------------
# validity, figure, points, claim
# --------------------------------------------------------------------------------------

_BASE = {"lam": 1.0, "n": 9.0, "s0": 1.0, "mu": 0.5, "at_sde": 0.0}
_RHO = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def _rho_params(rho: float) -> dict[str, float]:
    """λ = s₀ = B = 1, n = 9 (v* = 0.1) and σ² = v*/ρ, so that Bλ²v*/σ² = ρ."""
    return {**_BASE, "B": 1.0, "sigma": math.sqrt(0.1 / rho)}


def _validity() -> ValidityDomain:
    """The SDE's η* against the exact one, both by Brent on the Lyapunov-built bound."""
    errors = []
    for rho in _RHO:
        p = _rho_params(rho)
        errors.append(pbm.minimise(p, sde=True).eta / pbm.minimise(p).eta - 1)
    return ValidityDomain(
        "η*_SDE = 2Bλv*/σ² overshoots the exact η* by the factor 1 + ρ, ρ = Bλ²v*/σ² "
        "(measured: Brent on the bound built from SciPy's Lyapunov solvers): below 1 % "
        "only for ρ < 0.01; at ρ ≥ 1 the SDE's η* is past the stability limit 2/λ, where SGD "
        "has no stationary law at all", "ρ = Bλ²v*/σ²", _RHO, tuple(errors),
        "η*_SDE/η* − 1")


def _figure(result: ClaimResult) -> Any:
    fig, (ax, ax_var, ax_rho) = new_figure(3, width=15.0)
    p = dict(result.claim.points[0].params)
    eta_x, eta_s, v_star = _closed(p)
    etas = np.geomspace(0.02, 1.95, 100) / p["lam"]
    for sde, form, style, label in ((False, "linear", "-", "linear bound, exact v(η)"),
                                    (True, "linear", "--", "linear bound, SDE v(η)"),
                                    (False, "mcallester", ":", "McAllester, exact v(η)")):
        vals = np.array([pbm.bound(e, p, sde, form) for e in etas])
        ax.semilogy(etas * p["lam"], vals - vals.min() + 1e-6, style, label=label)
    for e, c in ((eta_x, "C0"), (eta_s, "C1")):
        ax.axvline(e * p["lam"], color=c, lw=0.8)
    ax.set(xlabel="ηλ", ylabel="bound − its minimum (+10⁻⁶)",
           title=f"PAC-Bayes objective of SGD's posterior (n = {p['n']:g}, σ²/B = "
                 f"{p['sigma'] ** 2 / p['B']:g})")
    ax.legend(fontsize=8)
    f = _d9()
    ax_var.plot(etas * p["lam"], [f.v_exact(e, p["lam"], p["sigma"], p["B"]) for e in etas],
                label="exact v(η) = ησ²/(Bλ(2 − ηλ))")
    ax_var.plot(etas * p["lam"], etas * p["sigma"] ** 2 / (2 * p["B"] * p["lam"]), "--",
                label="SDE ησ²/(2Bλ)")
    ax_var.axhline(v_star, color="grey", ls=":", label="Gibbs variance v*")
    for pr in result.points:
        q = dict(pr.point.params)
        if pr.monte_carlo and (q["sigma"], q["B"]) == (p["sigma"], p["B"]):
            est = pr.monte_carlo[0]
            x = (eta_s if q["at_sde"] else eta_x) * q["lam"]
            lo, hi = est.test.interval
            val = est.estimate.sample.value
            ax_var.errorbar([x], [val], yerr=[[val - lo], [hi - val]], fmt="o", color="C3")
    ax_var.plot([], [], "o", color="C3", label="MC: SGD at η* and at η*_SDE")
    ax_var.set(xlabel="ηλ", ylabel="posterior (stationary) variance", yscale="log",
               title="SGD's posterior: exact vs SDE")
    ax_var.legend(fontsize=8)
    r = np.geomspace(0.01, 10, 100)
    ax_rho.loglog(r, 2 * r / (1 + r), label="exact η*λ = 2ρ/(1 + ρ)")
    ax_rho.loglog(r, 2 * r, "--", label="SDE η*λ = 2ρ")
    ax_rho.loglog(_RHO, [pbm.minimise(_rho_params(q)).eta for q in _RHO], "o", color="C0",
                  label="Brent on the bound (exact)")
    ax_rho.axhline(2.0, color="grey", ls=":", label="stability limit ηλ = 2")
    ax_rho.set(xlabel="ρ = Bλ²v*/σ²  (v* = s₀²/(1 + nλs₀²))", ylabel="η*λ",
               title="the bound-optimal learning rate")
    ax_rho.legend(fontsize=8)
    return fig


_POINTS = (
    Point("nλs₀² = 9, ρ = 0.25: η*λ = 0.4", {**_BASE, "sigma": 2.0, "B": 10.0},
          note="v* = 0.1, prior mean μ = 0.5 off the minimum"),
    Point("SGD at the SDE's η*λ = 0.5, same problem", {**_BASE, "sigma": 2.0, "B": 10.0,
                                                       "at_sde": 1.0}, regime="outside",
          note="the SDE's prescription: posterior variance 4/3 of v*"),
    Point("low noise σ²/B = 0.05, ρ = 2: η*λ = 4/3", {**_BASE, "sigma": 1.0, "B": 20.0},
          regime="boundary", note="the SDE's η*λ = 4 is unstable"),
    Point("n = 10⁴, λ = 4: η* ≈ 2B/(nσ²)", {**_BASE, "lam": 4.0, "n": 1e4, "sigma": 1.0,
                                              "B": 1.0}, monte_carlo=False),
)

D9 = Claim(
    id="D9",
    slug="pac-bayes-lr",
    title="The learning rate that minimises a PAC-Bayes bound has a closed form",
    statement=(
        "With SGD's stationary law N(0, v(η)) on L = ½λθ² as posterior and a prior "
        "N(μ, s₀²), the linear PAC-Bayes bound at β = n, E_q[L] + KL(q‖p)/n, is minimised "
        "where v(η) = v* = s₀²/(1 + nλs₀²), the Gibbs posterior's variance: "
        "η* = 2Bλv*/(σ² + Bλ²v*) for exact SGD, η*_SDE = 2Bλv*/σ² in the SDE limit."),
    sources=(
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "Remarkably, since the variance of the SGD posterior depends on the [learning "
               "rate](@article_id:139716), we can turn this around and ask: what is the "
               "optimal [learning rate](@article_id:139716) to minimize this KL divergence, "
               "and thus, to tighten the bound on our [generalization error]"
               "(@article_id:637230)?"),
        Source(SEED_001, "The Ghost in the Machine: How Schedules Shape the Solution",
               "For a simple quadratic model, this question has a crisp, clear answer, giving "
               "us a theoretically-grounded learning rate based on the curvature of the loss "
               "and the scale of the [gradient noise](@article_id:165401) ."),
    ),
    derive=lambda: _d9().derivation,
    model=_model,
    points=_POINTS,
    figure=_figure,
    simulate=_simulate,
    statistics=STATISTICS,
    validity=_validity,
    findings=(
        "Seed 001 prints no bound, prior or formula, only that the question 'has a crisp, "
        "clear answer'. The bound (linear PAC-Bayes at β = n, applied formally: L is "
        "unbounded), the prior N(μ, s₀²) and every formula here are lrtheory's.",
        "Read literally — minimise the KL alone — the answer is degenerate: v(η) = s₀², the "
        "posterior equals the prior (η_KL = 1.43 at the first point). With the expected loss "
        "the optimum is the Gibbs variance v* = s₀²/(1 + nλs₀²) and η* = 0.4; Brent on the "
        "bound built from SciPy's Lyapunov solver agrees to 10⁻¹⁰; SGD at η* samples the "
        "Gaussian N(0, v*) that the closed-form KL assumes (MC: its variance, and its tails "
        "at √v* and 2√v*).",
        "Curvature matters less than the source says: n·η* → 2B/σ² as n → ∞ (n = 10⁴, λ = 4: "
        "η* = 1.9992·10⁻⁴ vs 2B/(nσ²) = 2·10⁻⁴). The SDE's η* ∝ B (linear scaling); the "
        "exact one grows slower than B.",
        "The SDE value 2Bλv*/σ² overshoots by 1 + Bλ²v*/σ²: 0.5 instead of 0.4 at the first "
        "point, where SGD's posterior variance is then 4/3 of v* (MC) and the objective "
        "rises from 0.1418 to 0.1443; at low noise (ρ = 2) it prescribes ηλ = 4, past the "
        "stability limit, while the exact η*λ = 2ρ/(1 + ρ) < 2 always.",
        "The crisp answer belongs to the linear bound: McAllester's square-root bound, "
        "minimised numerically, wants η = 0.206 instead of 0.4 at the first point and "
        "2.0·10⁻³ instead of 2.0·10⁻⁴ at n = 10⁴.",
        "SGD's law is centred at the minimum, the bound-optimal Gaussian's mean at "
        "μ/(1 + nλs₀²): SGD at η* is the Gibbs posterior only for a prior centred at the "
        "minimum, though μ never moves η*.",
    ),
)

CLAIMS = (D9,)
