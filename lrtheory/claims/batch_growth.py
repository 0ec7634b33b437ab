"""Family D, claim D11: growing the batch instead of decaying the learning rate.

After a switch, SGD on one NQM direction at rate η₂ and batch B₂ follows D2's curve against
the examples N processed since the switch (:mod:`lrtheory.symbolic.batch_scaling`),

    m(N) = ((1 − u)²)^{τ/u}(m_e − s/(2 − u)) + s/(2 − u) = m₀(τ) + u·m₁(τ) + O(u²),

with u = η₂λ, τ = (η₂/B₂)λN, s = (η₂/B₂)c/λ: it depends on (η₂, B₂) through the noise
scale g = η₂/B₂ (seed 001's "η/B") and, at first order, through u. Decaying η by k and
growing B by k give the same g = η/(kB), hence the same curve at leading order, apart by
(u_G − u_A)m₁ = (1 − 1/k)ηλ·m₁ — with k times fewer steps for the larger batch. Growing B
by k while raising η by k keeps g = η/B: the same curve as changing nothing, apart by
(k − 1)ηλ·m₁, and broken once kηλ_max ≥ 2.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.claims import batch_growth_gaps as gaps
from lrtheory.models import batch_growth as bg
from lrtheory.models import batch_scaling as bs
from lrtheory.models.rounding import RECURSION_ROUNDING_REASON, recursion_rounding
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_001
from lrtheory.symbolic import batch_growth as sg

# --------------------------------------------------------------------------------------
# The problem and the exact model
# --------------------------------------------------------------------------------------

CURVATURES = np.geomspace(1.0, 0.25, 6)  # λ_max = 1, κ = 4
NOISE = 4.0 * CURVATURES  # per-example gradient-noise variance c_i (∝ curvature, as in D2)
BATCH, FACTOR, TAU_PHASE = 2, 4, 1.5  # B, k; each phase lasts τ = (η₂/B₂)λ_min N = 1.5


def _plan(point: Point) -> tuple[float, int, int]:
    """(η, N_e, N₂) of a point: η = u₁/λ_max; N_e the examples for τ = TAU_PHASE in the
    slowest direction at g = η/B, N₂ = kN_e (same τ at g/k), both multiples of kB."""
    rate = point.params["u1"] / float(CURVATURES[0])
    unit = FACTOR * BATCH
    switch = unit * max(1, round(TAU_PHASE * BATCH / (rate * CURVATURES[-1]) / unit))
    return rate, switch, FACTOR * switch


@cache
def _exact(u1: float) -> tuple[Any, dict[str, bs.ExamplesCurve]]:
    """(E[θ²] at the switch per direction, each arm's phase-2 curve)."""
    point = Point("", {"u1": u1})
    rate, switch, after = _plan(point)
    start = bg.switch_moments(CURVATURES, NOISE, rate, BATCH, switch)
    with np.errstate(over="ignore", invalid="ignore"):
        arms = bg.phase_two(CURVATURES, NOISE, rate, BATCH, FACTOR, after, start)
    return start, arms


def _derived_loss(name: str, rate: float, start: Any, examples: Any) -> Any:
    """Σ_i ½λ_i m(τ_i, u_i, s_i, m_e,i) of an arm from D2's derived curve."""
    eta2, batch2 = bg.arm_setting(name, rate, BATCH, FACTOR)
    g = eta2 / batch2
    n = np.asarray(examples, dtype=np.float64)[..., None]
    m = sg.numeric()["curve"](g * CURVATURES * n, eta2 * CURVATURES, g * NOISE / CURVATURES,
                            start)
    return np.sum(0.5 * CURVATURES * m, axis=-1)


def _first_order(big: str, small: str, rate: float, start: Any, examples: Any) -> Any:
    """(u_big − u_small)·Σ_i ½λ_i m₁(τ_i, s_i, m_e,i): the derived first-order gap of two arms
    with the same noise scale."""
    (e_big, b_big), (e_small, _) = (bg.arm_setting(x, rate, BATCH, FACTOR) for x in (big, small))
    g = e_big / b_big
    n = np.asarray(examples, dtype=np.float64)[..., None]
    m1 = sg.numeric()["m1"](g * CURVATURES * n, g * NOISE / CURVATURES, start)
    return (e_big - e_small) * np.sum(0.5 * CURVATURES**2 * m1, axis=-1)


def _model_d11(point: Point) -> list[ModelCheck]:
    u1 = point.params["u1"]
    rate, _, after = _plan(point)
    start, arms = _exact(u1)
    checks = []
    for name, curve in arms.items():
        if not np.all(np.isfinite(curve.loss)) or curve.rate * CURVATURES[0] >= 2:
            continue
        steps, seen = curve.loss.size - 1, float(curve.loss[-1])
        closed = float(_derived_loss(name, rate, start, after))
        checks.append(ModelCheck(
            f"{name} (η₂ = {curve.rate:.3g}, B₂ = {curve.batch}): E[L] {after} examples after "
            f"the switch, D2's derived m(τ, u) vs the recursion ({steps} steps)", closed, seen,
            recursion_rounding(steps, max(abs(closed), float(np.max(curve.loss)))),
            RECURSION_ROUNDING_REASON))
    for big, small in (("growth", "decay"), ("adapted", "constant")):
        if arms[big].rate * CURVATURES[0] >= 2:
            continue
        exact_gap = float(arms[big].loss[-1] - arms[small].loss[-1])
        ends = [float(_derived_loss(n, rate, start, after)) for n in (big, small)]
        rounding = sum(recursion_rounding(arms[n].loss.size - 1, max(abs(c), float(np.max(
            arms[n].loss)))) for n, c in zip((big, small), ends, strict=True))
        checks.append(gaps.first_order_row(
            f"{big} − {small} at the end: first-order (u_{big} − u_{small})Σ½λm₁ vs the "
            "exact difference", float(_first_order(big, small, rate, start, after)),
            exact_gap, ends[0] - ends[1], rounding,
            max(arms[big].rate, arms[small].rate) * float(CURVATURES[0])))
    checks.append(ModelCheck(
        f"steps for the N₂ examples: decay arm over growth arm (derived: k = {FACTOR})",
        sg.steps_ratio(FACTOR), (arms["decay"].loss.size - 1) / (arms["growth"].loss.size - 1),
        0.0, "integer step counts (exact)"))
    if point.regime != "inside":
        closed = sg.adapted_edge(rate, float(CURVATURES[0]))
        checks.append(bs.edge_check(
            "adapted arm: k* = 2/(ηλ_max)", closed, lambda x: x * rate, float(CURVATURES[0]),
            0.0, lambda x: float(NOISE[0]) / (x * BATCH), closed / 2, 2 * closed))
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

D11_STATISTICS = ("E[L_G − L_A] where the growing batch leads most (same examples)",
                  "E[L_G − L_A] half-way through phase 2 (same examples)",
                  "E[L_G − L_A] at the end (same examples)")
#: The engine's default resolution (``lrtheory.verify.Settings.resolution``; a test keeps
#: them equal): a negative control shifts a prediction by this share of its scale.
RESOLUTION = 0.02


def _records(u1: float) -> list[int]:
    """Examples after the switch where the statistics look, all on whole growth-arm steps
    (kB examples): where the exact gap L_G − L_A is most negative (the growing batch's
    early lead), half-way (rounded up) and the end of phase 2."""
    _, _, after = _plan(Point("", {"u1": u1}))
    _, arms = _exact(u1)
    lead = int(arms["growth"].examples[np.argmin(bs.relative_gap(arms["growth"],
                                                                 arms["decay"]))])
    unit = FACTOR * BATCH
    return [lead, unit * -(-(after // 2) // unit), after]


def _gap_scale(gap: float, decay: float) -> float:
    """What a wrong gap is measured against: the decay arm's loss L_A, or |gap|/resolution
    where that is smaller, so that the negative control nearer zero is never past zero —
    rejecting it tells the gap from no gap (the early lead is only ≈1 % of L_A)."""
    return min(decay, abs(gap) / RESOLUTION)


def _simulate_d11(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Chains on one stream of examples (:func:`bg.coupled_arms`): phase 1 at (η, B), then
    the decay arm (η/k, B) and the growth arm (η, kB) on the same examples; the per-chain
    difference of their losses, whose mean is the difference of the exact recursions'
    values (no bias). A wrong difference is measured against 2 % of the decay arm's loss
    L_A, or against the gap itself where |gap| < 2 %·L_A (:func:`_gap_scale`): every
    check, the early lead's included, rejects "no gap" when it rejects its control."""
    rate, switch, after = _plan(point)
    _, arms = _exact(point.params["u1"])
    first = bg.Phase(rate, 1, switch // BATCH)
    plans = {"decay": [first, bg.Phase(rate / FACTOR, 1, after // BATCH)],
             "growth": [first, bg.Phase(rate, FACTOR, after // BATCH)]}
    records = _records(point.params["u1"])
    base = bg.coupled_arms(CURVATURES, NOISE, BATCH, plans,
                           [(switch + x) // BATCH for x in records], x0=1.0)
    j = len(records)

    def kernel(rng: ChunkRNG) -> Any:
        out = base(rng)
        return out[:, j:2 * j] - out[:, :j]

    m = ensemble.run(kernel, n, what=f"D11 coupled chains at {point.label}")
    estimates = []
    for i, (name, x) in enumerate(zip(D11_STATISTICS, records, strict=True)):
        growth = float(arms["growth"].loss[x // (FACTOR * BATCH)])
        decay = float(arms["decay"].loss[x // BATCH])
        estimates.append(Estimate(name, growth - decay,
                                  mean_statistic(m.mean[i], m.stderr_mean[i], m.n),
                                  scale=_gap_scale(growth - decay, decay)))
    return estimates


# --------------------------------------------------------------------------------------
# Validity, figure, points
# --------------------------------------------------------------------------------------

VALIDITY_U = (0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 1.9, 1.95)


@cache
def _validity_rows() -> tuple[tuple[float, ...], ...]:
    """Per u₁: the largest |L_G − L_A|/L_A over phase 2 (exact), the same from the first-order
    term, and the largest |L_adapted − L_constant|/L_constant (∞ once it diverges)."""
    exact, first, adapted = [], [], []
    for u1 in VALIDITY_U:
        rate = _plan(Point("", {"u1": u1}))[0]
        start, arms = _exact(u1)
        x = arms["growth"].examples
        decay = arms["decay"].loss[(x // BATCH).astype(int)]
        exact.append(float(np.max(np.abs(bs.relative_gap(arms["growth"], arms["decay"])))))
        first.append(float(np.max(np.abs(_first_order("growth", "decay", rate, start, x))
                                  / decay)))
        ok = np.all(np.isfinite(arms["adapted"].loss)) and FACTOR * u1 < 2
        adapted.append(float(np.max(np.abs(bs.relative_gap(arms["adapted"], arms["constant"]))))
                       if ok else math.inf)
    return tuple(exact), tuple(first), tuple(adapted)


def _validity_d11() -> ValidityDomain:
    exact, first, adapted = _validity_rows()
    off = [abs(f / e - 1) for f, e in zip(first, exact, strict=True)]
    return ValidityDomain(
        statement=(
            f"Decay η by k = {FACTOR} against grow B by k (B = {BATCH}, 6 directions, κ = 4, "
            f"each phase τ = {TAU_PHASE} in the slowest direction): the largest relative gap "
            f"between the two curves over phase 2 (exact recursions) reaches 1 % at "
            f"u₁ = η₁λ_max = {bs.onset(VALIDITY_U, exact, 0.01):.2g}, 10 % at "
            f"{bs.onset(VALIDITY_U, exact, 0.1):.2g} and 100 % at "
            f"{bs.onset(VALIDITY_U, exact, 1.0):.2g}; the first-order term (1 − 1/k)u₁m₁ "
            f"misses it by 10 % from u₁ = {bs.onset(VALIDITY_U, off, 0.1):.2g}. Growth keeps "
            "η, so its floor s/(2 − u₁) diverges as u₁ → 2 while decay's s/(2 − u₁/k) does "
            f"not. Growing B with η ∝ B (noise scale kept) strays {adapted[0]:.1%} from "
            f"the unchanged run at u₁ = {VALIDITY_U[0]:g}, {adapted[3]:.0%} at "
            f"u₁ = {VALIDITY_U[3]:g}, and diverges from u₁ = 2/k = {2 / FACTOR:g}."),
        parameter="u₁ = η₁λ_max",
        values=VALIDITY_U,
        errors=exact,
        error_label="max over phase 2 of |L_G − L_A|/L_A")


def _figure_d11(result: ClaimResult) -> Any:
    fig, ((ax_n, ax_t), (ax_g, ax_v)) = new_figure(ncols=2, nrows=2, width=11.5, height=7.6)
    u1 = next(pr.point.params["u1"] for pr in result.points if pr.point.regime == "inside")
    rate, switch, _ = _plan(Point("", {"u1": u1}))
    _, arms = _exact(u1)
    phase1 = bs.loss_vs_examples(CURVATURES, NOISE, rate, BATCH, switch)
    styles = {"decay": ("C0", "-"), "growth": ("C1", "-"), "adapted": ("C2", "--"),
              "constant": ("C7", "--")}
    for name, curve in arms.items():
        colour, ls = styles[name]
        eta2, b2 = bg.arm_setting(name, rate, BATCH, FACTOR)
        label = f"{name}: η = {eta2:.3g}, B = {b2} (g = {eta2 / b2:.3g})"
        ax_n.plot(switch + curve.examples, curve.loss, ls, color=colour, lw=1.3, label=label)
        steps = phase1.loss.size - 1 + np.arange(curve.loss.size)
        ax_t.plot(steps, curve.loss, ls, color=colour, lw=1.3, label=label)
    for ax, x in ((ax_n, phase1.examples), (ax_t, np.arange(phase1.loss.size))):
        ax.plot(x, phase1.loss, "k-", lw=1.3, label=f"phase 1: η = {rate:.3g}, B = {BATCH}")
        ax.axvline(x[-1], color="grey", ls=":", lw=1)
        ax.set(yscale="log", ylabel="expected loss E[L]")
        ax.legend(fontsize=7)
    ax_n.set(xlabel="examples processed N", title=f"u₁ = η₁λ_max = {u1:g}, k = {FACTOR}: "
                                                  "against examples")
    ax_t.set(xlabel="optimizer steps", title="… against steps: the growing batch takes "
                                             f"{FACTOR}× fewer")
    for i, pr in enumerate(pr for pr in result.points if pr.monte_carlo):
        u = pr.point.params["u1"]
        rate_p, _, after_p = _plan(pr.point)
        start_p, arms_p = _exact(u)
        x = arms_p["growth"].examples
        decay = arms_p["decay"].loss[(x // BATCH).astype(int)]
        gap = bs.relative_gap(arms_p["growth"], arms_p["decay"])
        ax_g.plot(x / after_p, 100 * gap, "-", color=f"C{i}", lw=1.3,
                  label=f"u₁ = {u:g}: exact recursions")
        ax_g.plot(x / after_p, 100 * _first_order("growth", "decay", rate_p, start_p, x) / decay,
                  "--", color=f"C{i}", lw=1, label=f"u₁ = {u:g}: first order (1 − 1/k)u₁m₁")
        for est, where in zip(pr.monte_carlo, _records(u), strict=True):
            scale = float(arms_p["decay"].loss[where // BATCH]) / 100
            lo, hi = est.test.interval
            value = est.estimate.sample.value
            ax_g.errorbar([where / after_p], [value / scale],
                          yerr=[[(value - lo) / scale], [(hi - value) / scale]], fmt="o",
                          color=f"C{i}", ms=3.5, capsize=3)
    ax_g.plot([], [], "o", color="grey", ms=3.5, label="Monte Carlo, same examples, (1 − α) CI")
    ax_g.axhline(0.0, color="k", lw=0.6)
    ax_g.set(xlabel="N/N₂ (examples after the switch)", ylabel="(L_G − L_A)/L_A  (%)",
             title="Grow B vs decay η: the first-order gap")
    ax_g.legend(fontsize=7)
    exact, first, adapted = _validity_rows()
    ax_v.loglog(VALIDITY_U, exact, "o", ms=4, color="C1", label="grow B vs decay η (exact)")
    ax_v.loglog(VALIDITY_U, first, "-", lw=1, color="C1", label="… first order")
    ax_v.loglog(VALIDITY_U, adapted, "s", ms=4, color="C2",
                label="grow B with η ∝ B vs unchanged (exact)")
    ax_v.axvline(2 / FACTOR, color="C2", ls=":", lw=1, label="u₁ = 2/k: η ∝ B diverges")
    ax_v.axvline(2.0, color="grey", ls=":", lw=1, label="u₁ = 2")
    ax_v.set(xlabel="u₁ = η₁λ_max", ylabel="max over phase 2 of the relative gap",
             title="How 'the same effect' holds")
    ax_v.legend(fontsize=7)
    return fig


def _points_d11() -> tuple[Point, ...]:
    _, arms = _exact(0.2)
    gap = bs.relative_gap(arms["growth"], arms["decay"])
    return (
        Point("u₁ = η₁λ_max = 0.2, k = 4", {"u1": 0.2},
              note=f"growth arm ahead by {-float(np.min(gap)):.1%} early, behind by "
                   f"{float(gap[-1]):.1%} at the end"),
        Point("u₁ = 0.45: η ∝ B puts the adapted arm at kηλ_max = 1.8", {"u1": 0.45},
              regime="boundary", note="next to the adapted arm's edge k* = 2/(ηλ_max)"),
        Point("u₁ = 1.6: growth keeps ηλ_max = 1.6, decay drops to 0.4", {"u1": 1.6},
              regime="outside", monte_carlo=False,
              note="floors, growth over decay: {:.3g} along λ_max, {:.3g} along λ_min".format(
                  *_floor_ratios(1.6))),
        Point("u₁ = 0.6: the adapted arm (kηλ_max = 2.4) diverges", {"u1": 0.6},
              regime="outside", monte_carlo=False),
        Point("u₁ = 0.05, k = 4: small steps, where the first-order terms are sharp",
              {"u1": 0.05}, monte_carlo=False,
              note="the adapted arm at kηλ_max = 0.2: a factor-2 error in a first-order "
                   "term shows here"),
    )


def _floor_ratios(u1: float) -> tuple[float, float]:
    """The stationary E[θ²] of the growth arm over the decay arm's, along λ_max and λ_min
    (:func:`bs.stationary_moment`, the fixed point of the exact recursion)."""
    rate = u1 / float(CURVATURES[0])
    out = []
    for lam, c in ((CURVATURES[0], NOISE[0]), (CURVATURES[-1], NOISE[-1])):
        floors = []
        for name in ("growth", "decay"):
            eta2, batch2 = bg.arm_setting(name, rate, BATCH, FACTOR)
            floors.append(bs.stationary_moment(eta2, float(lam), 0.0, float(c) / batch2))
        out.append(floors[0] / floors[1])
    return out[0], out[1]


def _findings() -> tuple[str, ...]:
    """Numbers for the findings, from the exact recursions only (cheap at import)."""
    (inside, _, outside, *_) = _points_d11()
    _, arms = _exact(inside.params["u1"])
    gap = bs.relative_gap(arms["growth"], arms["decay"])
    steps = (arms["decay"].loss.size - 1, arms["growth"].loss.size - 1)
    adapted = float(np.max(np.abs(bs.relative_gap(arms["adapted"], arms["constant"]))))
    _, far = _exact(outside.params["u1"])
    far_gap = float(far["growth"].loss[-1] / far["decay"].loss[-1] - 1)
    ratio_max, ratio_min = _floor_ratios(outside.params["u1"])
    u = inside.params["u1"]
    return (
        "Against the examples processed, 'grow B by k' and 'decay η by k' share the noise "
        "scale g = η/(kB) and hence the leading-order curve m₀(τ); they differ at first "
        "order by (1 − 1/k)ηλ·m₁(τ), where m₁ < 0 while the transient dominates and > 0 at "
        f"the floor. At u₁ = η₁λ_max = {u:g}, k = {FACTOR}, the growing batch is ahead by "
        f"{-100 * float(np.min(gap)):.1f} % early in phase 2 and behind by "
        f"{100 * float(gap[-1]):.1f} % at its end — after {steps[1]} steps instead of "
        f"{steps[0]}.",
        "The agreement is first order in ηλ, not exact: growing B keeps η, so the growth arm's "
        "floor s/(2 − ηλ) exceeds decay's s/(2 − ηλ/k) and diverges as ηλ_max → 2. At "
        f"u₁ = {outside.params['u1']:g} the growth arm ends {far_gap:.0%} above the decay "
        f"arm (loss ratio {far_gap + 1:.3g}): the floors' ratio (2 − u/k)/(2 − u) is "
        f"{ratio_max:.3g} along λ_max = {CURVATURES[0]:g} (u = {outside.params['u1']:g}) but "
        f"only {ratio_min:.3g} along λ_min = {CURVATURES[-1]:g} "
        f"(u = {outside.params['u1'] * CURVATURES[-1] / CURVATURES[0]:g}), and the loss mixes "
        "the directions.",
        "Seed 001's other reading — grow B and adapt η ∝ B 'to keep the noise scale "
        "constant' — keeps the leading-order curve of the unchanged run too, but strays by "
        f"(k − 1)ηλ·m₁ (already {adapted:.0%} at u₁ = {u:g} with k = {FACTOR}, since ηλ grows "
        f"k-fold) and diverges once kη₁λ_max ≥ 2 (u₁ ≥ {2 / FACTOR:g} here), which decaying "
        "η or growing B at fixed η never does.",
        "The seed gives only g ≈ η/B and 'similar training dynamics in fewer updates'; that "
        "g is exactly the SDE temperature per unit noise, the first-order gaps, the k-fold "
        "step count and the break at k* = 2/(ηλ_max) are derived here.",
    )


D11 = Claim(
    id="D11",
    slug="batch-growth",
    title="Growing the batch by k acts like decaying η by k — to first order in ηλ, with "
          "k× fewer steps",
    statement=(
        "On the noisy quadratic model, switching after N_e examples from (η, B) to (η/k, B) "
        "(decay) or to (η, kB) (growth) gives the same noise scale g = η/(kB) and, against "
        "the examples processed, the same expected-loss curve at leading order in ηλ; the "
        "curves differ by (1 − 1/k)ηλ·m₁(τ) + O((ηλ)²), the growth arm taking k times fewer "
        "steps. Growing B with η ∝ B keeps g = η/B: the unchanged run's curve at leading "
        "order, apart by (k − 1)ηλ·m₁(τ), and divergent once kηλ_max ≥ 2."),
    sources=(
        Source(SEED_001, "The Dance of Coupled Forces",
               "This intuition is captured by the \"noise scale\" proxy, $g \\approx \\eta/B$"),
        Source(SEED_001, "The Dance of Coupled Forces",
               "if you multiply your batch size by $k$, you can often multiply your learning "
               "rate by $k$ to achieve similar training dynamics in fewer updates"),
        Source(SEED_001, "The Dance of Coupled Forces",
               "Many modern training recipes involve dynamically increasing the batch size, "
               "and a schedule that adapts the learning rate to keep the noise scale constant "
               "can be a principled way to manage this process."),
    ),
    derive=sg.derivation,
    model=_model_d11,
    points=_points_d11(),
    figure=_figure_d11,
    simulate=_simulate_d11,
    statistics=D11_STATISTICS,
    validity=_validity_d11,
    findings=_findings(),
)

CLAIMS = (D11,)
