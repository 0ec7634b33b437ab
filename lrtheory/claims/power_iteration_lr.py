"""Family S, claim S7 power-iteration-lr: η_t = 2s/λ̂_max,t from a few power iterations.

The rate is followed through a curvature spike. The power-iteration laws (error, failure
probability, spike model) live in :mod:`lrtheory.models.power_iteration`, the worst-case
counting in :mod:`lrtheory.models.worst_case`; this module states, checks and draws them.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.arrays import astype, matrix_transpose
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
from lrtheory.models.power_iteration import (
    Spike,
    adaptive_paths,
    expected_log_error,
    expected_log_growth,
    failure_asymptote,
    failure_probability,
    power_iteration,
    relative_error,
    safe_iterations,
    stable_run_probability,
)
from lrtheory.models.quadratic import growth_rate_rounding
from lrtheory.models.rounding import EPS
from lrtheory.models.worst_case import (
    INTEGER_COUNT_REASON,
    count_tolerance,
    piecewise_geometric_steps,
    worst_case_passage,
)
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000
from lrtheory.symbolic.linear import (
    direction_factor,
    intersect_open_intervals,
    stable_interval,
)


@functools.cache
def _derivation_s7() -> Derivation:
    lam1, s, p, q_, t, g = sp.symbols("lambda_max s c_1^2 c_perp^2 t gamma", positive=True)
    eta, lam = sp.symbols("eta lambda", positive=True)
    r, x, lam_hat = sp.symbols("r x lambdahat", positive=True)
    k = sp.Symbol("k", nonnegative=True)
    b, u = sp.symbols("b u", positive=True)
    mu = r * lam1
    v = sp.Matrix([sp.sqrt(p) * lam1**k, sp.sqrt(q_) * mu**k])  # bulk directions act as one
    hess = sp.diag(lam1, mu)
    rayleigh = sp.factor((v.T * hess * v)[0] / (v.T * v)[0])
    eps = sp.factor((1 - rayleigh / lam1).subs(q_, t * p))
    eps_x = sp.factor(eps.subs(r ** (2 * k), x))
    per_iter = sp.limit(sp.factor(sp.powsimp(sp.expand_power_exp(eps.subs(k, k + 1) / eps))
                                  ).subs(r ** (2 * k), x), x, 0)
    q = direction_factor(eta, lam)
    bound = stable_interval(q, eta).end
    rule = s * bound.subs(lam, lam_hat)
    stable = intersect_open_intervals(*sp.solveset(2 * s / lam_hat < 2 / lam1, lam_hat,
                                                   sp.Interval.open(0, sp.oo)).args)
    tau = sp.factor(sp.solve_linear(sp.numer(sp.together(rayleigh.subs(q_, t * p) - s * lam1)),
                                    symbols=[t])[1])
    slack, gap = sp.symbols("alpha beta", positive=True)  # α = 1 − s, β = s − r
    k_star = sp.solve_linear(sp.expand_log(sp.log(t * r ** (2 * k) * gap / slack), force=True),
                             symbols=[k])[1]  # both sides positive: compare logarithms
    margin = sp.expand_log(sp.log(r ** (2 * k) * (s - r)), force=True)
    worst = sp.factor(sp.solve_linear(sp.numer(sp.together(sp.diff(margin, r))),
                                      symbols=[r])[1])
    worst_value = sp.factor((r ** (2 * k) * (s - r)).subs(r, worst))
    head = sp.limit(u ** sp.Rational(-1, 2) * (1 - u) ** (b - 1) / sp.diff(sp.sqrt(u), u), u, 0)
    fail_ratio = sp.simplify(sp.sqrt(tau / tau.subs(k, k + 1)))
    fixed_spike = q.subs({eta: 2 * s / lam1, lam: g * lam1})
    diverges = intersect_open_intervals(*sp.solveset(-fixed_spike > 1, g,
                                                     sp.Interval.open(0, sp.oo)).args)
    oracle_spike = sp.simplify(q.subs({eta: 2 * s / (g * lam1), lam: g * lam1}))
    steps = (
        Step.equation("two-level spectrum: λ_max once, μ = rλ_max on d − 1 directions; "
                      "v_k = H^k v₀ in eigen-coordinates", "v_k", v),
        Step.equation("λ̂_k = R(v_k) = v_kᵀHv_k / v_kᵀv_k", "lambdahat_k", rayleigh),
        Step.equation("relative error, t = tan²θ₀ = c_⊥²/c₁²", "epsilon_k", eps,
                      "≥ 0: a Rayleigh quotient never exceeds λ_max"),
        Step.equation("error ratio per power iteration as r^{2k} → 0", "epsilon_{k+1}/epsilon_k",
                      per_iter),
        Step.equation("the rule: s times the stability bound at λ̂", "eta_t", rule),
        Step("η_t < 2/λ_max iff λ̂ in", stable),
        Step.equation("λ̂_k > sλ_max iff t below", "tau_k", tau, "never violated if r ≥ s"),
        Step.equation("fewest iterations for a start with tan²θ₀ = t (α = 1 − s, β = s − r)",
                      "k^*", k_star, "λ̂_k > sλ_max iff k > k*"),
        Step.equation("worst ratio λ₂/λ_max for k iterations: argmax r^{2k}(s − r)", "r^*",
                      worst),
        Step.equation("gap-free bound: safe if t·max_r r^{2k}(s−r) < 1 − s", "max", worst_value),
        Step.equation("P(fail) = I_{1/(1+τ)}(½, b), b = (d−1)/2; head of the integral",
                      "lim_{z→0} B(1/2,b) I_z / sqrt(z)", head),
        Step.equation("failure ratio per iteration, √(τ_k/τ_{k+1})", "ratio", fail_ratio),
        Step.equation("fixed η = 2s/λ_max in a spike λ_max → γλ_max", "q_fixed", fixed_spike),
        Step("fixed η expands in the spike for γ in", diverges),
        Step.equation("adaptive η with exact curvature, in the spike", "q_oracle", oracle_spike),
    )
    identities = (
        Identity("adaptive rule η_t = 2s/λ̂_max,t", rule, 2 * s / lam_hat),
        Identity("Rayleigh-quotient error after k iterations", eps,
                 (1 - r) * t * r ** (2 * k) / (1 + t * r ** (2 * k)), "derived"),
        Identity("error ∝ (λ₂/λ_max)^{2k}: ratio per iteration", per_iter, r**2, "derived"),
        Identity("error bounded by (1 − r)·tan²θ₀·r^{2k}", sp.factor(
            (1 - r) * t * x - eps_x), (1 - r) * t**2 * x**2 / (1 + t * x), "derived"),
        Identity("stable iff λ̂ > sλ_max", stable, sp.Interval.open(s * lam1, sp.oo), "derived"),
        Identity("unstable iff tan²θ₀ ≥ τ_k", tau, (1 - s) / ((s - r) * r ** (2 * k)),
                 "derived"),
        Identity("iterations needed (α = 1 − s, β = s − r)", k_star,
                 sp.log(slack / (t * gap)) / (2 * sp.log(r)), "derived"),
        Identity("worst gap", worst, 2 * k * s / (2 * k + 1), "derived"),
        Identity("gap-free sufficient condition: t·s^{2k+1}(2k)^{2k}/(2k+1)^{2k+1} < 1 − s",
                 worst_value, s ** (2 * k + 1) * (2 * k) ** (2 * k) / (2 * k + 1) ** (2 * k + 1),
                 "derived", note="the bound holds for every spectrum; equality at r = r*"),
        Identity("failure asymptote constant", head, sp.Integer(2), "derived"),
        Identity("failure probability ∝ (λ₂/λ_max)^k, not ^{2k}", fail_ratio, r, "derived"),
        Identity("fixed η expands iff γ > 1/s", diverges, sp.Interval.open(1 / s, sp.oo),
                 "derived"),
        Identity("exact-curvature rate contracts by 1 − 2s in the spike", oracle_spike, 1 - 2 * s,
                 "derived"),
    )
    return Derivation(steps, identities)


def _spike(point: Point) -> Spike:
    p = point.params
    return Spike(int(p["spike_start"]), int(p["spike_width"]), p["spike_factor"])


def _spectra(point: Point, steps: int) -> np.ndarray[Any, Any]:
    return _spike(point).spectra(steps, int(point.params["d"]), point.params["r"])


def _model_s7(point: Point) -> list[ModelCheck]:
    p = point.params
    d, s, r, k, g, tol = int(p["d"]), p["s"], p["r"], int(p["k"]), p["spike_factor"], p["tol"]
    spike = _spike(point)
    rng = np.random.default_rng(int(p["seed"]))
    basis = np.linalg.qr(rng.normal(size=(d, d)))[0]
    lam = _spectra(point, spike.start + 1)
    dense = np.einsum("ij,tj,kj->tik", basis, lam, basis)  # H_t = Q diag(λ_t) Qᵀ
    v0 = rng.normal(size=d)
    u = float((basis.T @ v0)[0] ** 2 / (v0 @ v0))
    _, est = power_iteration(lambda v: v @ dense[0], v0[None], k)
    checks = [ModelCheck(f"λ̂ after {k} power iterations (dense H, one start)",
                         1.0 - float(relative_error(u, r, k)), float(est[0]),
                         (k + 2) * 2 * d * EPS, "rounding: k + 2 products of d-term sums, "
                         "each relative dε, doubled for the quotient")]
    spiked, r_s = dense[spike.start], r / g
    needed = next(j for j in range(10_000)
                  if power_iteration(lambda v: v @ spiked, v0[None], j)[1][0] > s * g)
    cont = math.log((1 - u) / u * (s - r_s) / (1 - s)) / (2 * math.log(1 / r_s))
    checks.append(ModelCheck("power iterations until λ̂ > sλ_max in the spike (that start)",
                             float(safe_iterations((1 - u) / u, r_s, s)), float(needed),
                             count_tolerance(cont, 1e-6), INTEGER_COUNT_REASON))
    horizon = 10_000
    top = spike.top(horizon + 1)
    for name, eta, during in (
            ("fixed η = 2s/λ_max(pre-spike)", np.full(top.shape, 2 * s),
             (1 - 2 * s * g, 1 - 2 * s * r)),
            ("η = 2s/λ_max,t (exact curvature)", 2 * s / top, (1 - 2 * s, 1 - 2 * s * r_s))):
        fp = worst_case_passage(spike.iteration(dense[0], spiked, eta), d, tol, horizon)
        factors, lengths = spike.phases((1 - 2 * s, 1 - 2 * s * r), during)
        checks.append(ModelCheck(f"{name}: worst-case steps to {tol:g} through the spike",
                                 float(piecewise_geometric_steps(factors, lengths, tol)),
                                 float(fp.steps[0]), 0.0, INTEGER_COUNT_REASON))
    g_fixed = np.eye(d) - 2 * s * spiked
    growth = np.linalg.norm(np.linalg.matrix_power(g_fixed, spike.width), 2)
    rho = abs(1 - 2 * s * g)
    checks.append(ModelCheck(
        "fixed η: worst-case growth over the spike, |1 − 2sγ|^w", rho**spike.width,
        float(growth), spike.width * rho ** (spike.width - 1) * growth_rate_rounding(
            2 * s * spiked, 1.0, spike.width), "rounding of the matrix power (as in S1), "
        "times d(ρ^w)/dρ"))
    return checks


S7_STATISTICS = ("fraction of runs with λ̂_t ≤ λ_max,t at every step",
                 "fraction of runs in which every GD step contracts",
                 "mean ln relative error of λ̂ (steps off the spike)",
                 "mean ln|e_T/e_0| along the top eigenvector")


def _simulate_s7(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Fresh Gaussian power-iteration starts at every step (in the eigenbasis: the start law
    is rotation invariant). Predictions: λ̂ ≤ λ_max always; all steps contract with
    probability Π_t(1 − p_t), p_t the F-law failure probability; E ln ε_k and
    E ln|1 − 2sλ_max/λ̂| by quadrature split at the log singularity λ̂ = 2sλ_max (bias bound:
    max of QUADPACK's abserr and its difference from a 30-digit mpmath tanh-sinh quadrature
    split at the same points, models.power_iteration.start_expectation)."""
    p = point.params
    d, s, r, k = int(p["d"]), p["s"], p["r"], int(p["k"])
    spike, steps = _spike(point), int(p["steps"])
    lam = _spectra(point, steps)
    off = np.ones(steps, dtype=bool)
    off[spike.start:spike.start + spike.width] = False
    # indices, not a mask (the array API's take), and the steps as rows: the mean then sums
    # step by step, as NumPy's mean over the masked (column-major) copy did
    off_steps = np.flatnonzero(off)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        lx = xp.asarray(lam)
        v, est = power_iteration(lambda x: x * lx, rng.normal(steps, d), k)
        top = lx[:, 0]
        # λ_max − R(v) = Σ(λ_max − λ_i)v_i²/Σv_i² in eigen-coordinates: no cancellation.
        rel = xp.sum((top[:, None] - lx) * v * v, axis=-1) / xp.sum(v * v, axis=-1) / top
        log_factor = xp.log(xp.abs(1.0 - 2.0 * s * top / est))
        under = xp.all(est <= top * (1 + 4 * d * EPS), axis=1)
        return xp.stack([astype(xp, under, rng.dtype),
                         astype(xp, xp.all(log_factor < 0, axis=1), rng.dtype),
                         xp.mean(xp.log(xp.take(matrix_transpose(xp, rel), xp.asarray(off_steps),
                                                axis=0)), axis=0),
                         xp.sum(log_factor, axis=1)], axis=1)

    m = ensemble.run(kernel, n, what="S7 adaptive GD through a curvature spike")
    stable = stable_run_probability(k, r, s, d, spike, steps)
    log_err, err_q = expected_log_error(k, r, d)
    growth, err_g = expected_log_growth(k, r, s, d, spike, steps)
    stat = [mean_statistic(float(m.mean[i]), float(m.stderr_mean[i]), m.n) for i in (2, 3)]
    return [
        Estimate(S7_STATISTICS[0], 1.0, indicator_proportion(m, 0, ensemble), scale=1.0),
        Estimate(S7_STATISTICS[1], stable, indicator_proportion(m, 1, ensemble), scale=1.0),
        Estimate(S7_STATISTICS[2], log_err, stat[0], bias_bound=err_q),
        Estimate(S7_STATISTICS[3], growth, stat[1], bias_bound=err_g),
    ]


def _validity_s7() -> ValidityDomain:
    """The r^k asymptote of the failure probability against the exact F-law tail."""
    point = next(p for p in S7_POINTS if p.regime == "boundary")
    d, s, r = int(point.params["d"]), point.params["s"], point.params["r"]
    ks = tuple(range(0, 31, 2))
    errors = tuple(abs(failure_asymptote(k, r, s, d) / failure_probability(k, r, s, d) - 1)
                   for k in ks)
    return ValidityDomain(
        f"P(λ̂_k ≤ sλ_max) ≈ 2/(B(½, (d−1)/2)·√τ_k) ∝ (λ₂/λ_max)^k once τ_k ≫ d "
        f"(d = {d}, s = {s}, λ₂/λ_max = {r:.3f})", "k (power iterations)",
        tuple(float(k) for k in ks), errors, "relative error of the asymptote")


def _figure_s7(result: ClaimResult) -> Any:
    """Left: worst-case error through the spike (fixed, exact-curvature, adaptive with k
    iterations: median and 10–90 % band), steps to tol in the legend with 95 % intervals.
    Right: per-step failure probability against k, exact and asymptotic."""
    fig, (left, right) = new_figure(2, width=11.0)
    inside = result.claim.points[0]
    p, steps, spike = inside.params, 60, _spike(inside)
    tol, s, r, g = p["tol"], p["s"], p["r"], p["spike_factor"]
    t = np.arange(steps + 1)
    left.axvspan(spike.start, spike.start + spike.width, color="grey", alpha=0.15,
                 label=f"spike: λ_max × {g:g}")
    for name, during, colour in (("fixed η", (1 - 2 * s * g, 1 - 2 * s * r), "C3"),
                                 ("exact λ_max", (1 - 2 * s, 1 - 2 * s * r / g), "grey")):
        factors, lengths = spike.phases((1 - 2 * s, 1 - 2 * s * r), during)
        q = np.array([factors[0 if x < spike.start else
                              (1 if x < spike.start + spike.width else 2)] for x in t[:-1]])
        path = np.max(np.abs(np.vstack([np.ones(2), np.cumprod(q, axis=0)])), axis=1)
        n_steps = piecewise_geometric_steps(factors, lengths, tol)
        left.semilogy(t, path, color=colour, lw=3 if colour == "grey" else 1.5,
                      label=f"{name}: N = {n_steps}")
    shown = (result.claim.points[0], result.claim.points[1], result.claim.points[-1])
    for point, colour in zip(shown, ("C0", "C2", "C1"), strict=True):
        v0 = np.random.default_rng(3).normal(size=(1000, 2 * steps, int(point.params["d"])))
        path = adaptive_paths(_spectra(point, 2 * steps), s, int(point.params["k"]), v0)
        hit = np.argmax(path <= tol, axis=1).astype(float)
        hit[~np.any(path <= tol, axis=1)] = np.nan
        ok = hit[np.isfinite(hit)]
        if ok.size < hit.size:
            count = f"{hit.size - ok.size} of {hit.size} runs not within {2 * steps} steps"
        elif ok.std() == 0:
            count = f"N = {ok[0]:.0f} in all {ok.size} runs"
        else:
            count = f"N = {ok.mean():.2f} ± {1.96 * ok.std() / math.sqrt(ok.size):.2f} (95 %)"
        path = path[:, : steps + 1]
        label = f"k = {int(point.params['k'])}, λ₂/λ_max = {point.params['r']:.2f}: {count}"
        left.semilogy(t, np.median(path, axis=0), color=colour, label=label)
        left.fill_between(t, *np.quantile(path, [0.1, 0.9], axis=0), color=colour, alpha=0.2)
    left.axhline(tol, color="grey", lw=0.8, ls=":")
    left.set_xlabel("step t")
    left.set_ylabel("worst-case error ‖Π(I − η_t H_t)‖₂")
    left.set_title(f"η = 2s/λ̂ through a spike, s = {s:g}, d = {int(p['d'])}")
    left.legend(fontsize=7)
    ks = np.arange(0, 31)
    for point, colour in zip(result.claim.points, ("C0", "C2", "C4", "C1"), strict=True):
        prm = point.params
        for x, ls, extra in ((prm["r"], "-", ""),
                             (prm["r"] / prm["spike_factor"], "--", ", spike")):
            exact = [failure_probability(int(j), x, prm["s"], int(prm["d"])) for j in ks]
            if max(exact) > 0:
                right.semilogy(ks, exact, ls, color=colour, label=f"λ₂/λ_max = {x:.3g}{extra}")
        right.semilogy(ks, [failure_asymptote(int(j), prm["r"], prm["s"], int(prm["d"]))
                            or np.nan for j in ks], ":", color=colour, lw=0.8)
    right.set_ylim(1e-12, 1.5)
    right.set_xlabel("power iterations k")
    right.set_ylabel("P(λ̂_k ≤ sλ_max) per step")
    right.set_title("exact F-law tail (solid, dashed) and r^k asymptote (dotted)")
    right.legend(fontsize=7)
    return fig


def _points_s7() -> tuple[Point, ...]:
    base = {"d": 8, "s": 0.8, "spike_factor": 3.0, "spike_start": 10, "spike_width": 10,
            "steps": 30, "tol": 1e-6, "seed": 5}
    return (
        Point("λ₂/λ_max = 0.3, k = 6", {**base, "r": 0.3, "k": 6}),
        Point("worst gap for k = 6: λ₂/λ_max = 12s/13", {**base, "r": 12 * 0.8 / 13, "k": 6},
              regime="boundary", note="r^{2k}(s − r) is largest here: the hardest spectrum"),
        Point("small gap λ₂/λ_max = 0.9 ≥ s, k = 2", {**base, "r": 0.9, "k": 2, "steps": 40},
              regime="boundary", note="safe for any k off the spike; the spike opens the gap"),
        Point("one power iteration, λ₂/λ_max = 0.5", {**base, "r": 0.5, "k": 1},
              regime="outside", note="λ̂ underestimates on most steps: η_t > 2/λ_max, GD grows"),
    )


S7_POINTS = _points_s7()

S7 = Claim(
    id="S7",
    slug="power-iteration-lr",
    title="η_t = 2s/λ̂_max,t from power iteration: stable through a spike with a probability",
    statement=(
        "λ̂_k = R(H^k v₀) ≤ λ_max with relative error (1 − r)t r^{2k}/(1 + t r^{2k}), "
        "r = λ₂/λ_max, t = tan²θ₀ (two-level spectrum). Since λ̂ underestimates, η_t = 2s/λ̂ "
        "is unstable exactly when t ≥ (1 − s)/((s − r) r^{2k}): impossible if r ≥ s, otherwise "
        "of probability P(F(d−1, 1) ≥ τ_k/(d−1)) ∝ r^k for a Gaussian start. A fixed η tuned "
        "before a spike λ_max → γλ_max expands by |1 − 2sγ| per step when γ > 1/s."),
    sources=(
        Source(SEED_000, "Adapting the Learning Rate to Local Curvature",
               "one can perform a few power iterations at each step $t$ to obtain an estimate "
               "$\\hat{\\lambda}_{\\max,t}$."),
        Source(SEED_000, "Adapting the Learning Rate to Local Curvature",
               "\\eta_t = \\frac{2s}{\\hat{\\lambda}_{\\max,t}}"),
        Source(SEED_000, "Adapting the Learning Rate to Local Curvature",
               "where $s \\in (0, 1)$ is a safety factor."),
        Source(SEED_000, "Adapting the Learning Rate to Local Curvature",
               "automatically reduce the learning rate when it encounters regions of high "
               "curvature (e.g., a \"curvature spike\")"),
    ),
    derive=_derivation_s7,
    model=_model_s7,
    points=S7_POINTS,
    figure=_figure_s7,
    simulate=_simulate_s7,
    statistics=S7_STATISTICS,
    validity=_validity_s7,
    findings=(
        "The power method's Rayleigh quotient never overestimates λ_max, so every estimation "
        "error makes η_t = 2s/λ̂ larger, not smaller: the safety factor s must absorb it. The "
        "rule is stable at a step iff λ̂ > sλ_max.",
        "With a random start no number of iterations makes this certain when λ₂/λ_max < s: "
        "the failure probability decays only like (λ₂/λ_max)^k (one power, not two, because "
        "tan²θ₀ has a heavy χ²₁ tail) and grows like √d with the dimension.",
        "A small gap is not the danger: if every other eigenvalue is ≥ sλ_max, λ̂ > sλ_max for "
        "any start and k. The hardest ratio for k iterations is λ₂/λ_max = 2ks/(2k+1).",
        "Through a spike λ_max × 3 with s = 0.8 a fixed η tuned before it expands by 3.8 per "
        "step; η_t from exact curvature keeps contracting by 0.6. With k = 6 iterations "
        "(d = 8) and λ₂/λ_max = 0.3, 4.6 % of 30-step runs still contain an expanding step; "
        "at the worst ratio for k = 6, 12s/13 ≈ 0.74, the per-step failure probability is "
        "18 % and 98.2 % of runs do; with one iteration and λ₂/λ_max = 0.5 the adaptive rule "
        "itself makes GD grow (E ln|e_T/e_0| = +11.9 along the top direction).",
        "Worst-case steps to 10⁻⁶ through that spike: 64 with the fixed η and 29 with exact "
        "curvature (closed forms, matched by the dense recursion); with k = 6 iterations "
        "29.04 ± 0.02 at λ₂/λ_max = 0.3 but 44.9 ± 0.3 at the worst ratio 0.74 (exact "
        "curvature: 28), 95 % intervals over 1000 seeded runs (figure); with one iteration no "
        "run gets there in 120 steps.",
    ),
)


CLAIMS = (S7,)
