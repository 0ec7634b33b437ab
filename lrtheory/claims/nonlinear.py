"""Family N: dynamics beyond the stability bound.

N1 clipping-two-cycle. Clipped GD on f(x) = (λ/2)x² is the odd, continuous, piecewise-affine
map F(x) = x − η·clip(λx), clip(g) = g·min(1, C/|g|):

    F(x) = (1 − ηλ)x          for |x| ≤ C/λ          (linear branch)
    F(x) = x − ηC·sgn(x)      for |x| > C/λ          (clipped branches, slope 1).

Derived in :mod:`lrtheory.symbolic.clipping_cycles` (a = ηλ): for a > 2 every point of
C/λ ≤ |x| ≤ A, A = C(a − 1)/λ, lies on a 2-cycle {x, x − ηC·sgn x} (a continuum of neutral
cycles, multiplier 1); [−A, A] is absorbing; every orbit lands *exactly* on one of these
cycles after finitely many steps, except the null set x₀ ∈ ηCℤ, which lands on the
repelling fixed point 0. The law of the cycle reached from uniform starts is the pushforward
of the start density through the map (``lrtheory.models.clipping.amplitude_law``).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Source, ValidityDomain
from lrtheory.models.clipping import (
    C_SYM,
    ETA,
    LAM,
    N_PERIODS,
    amplitude_law,
    attractor_kernel,
    check_clipping,
    exact_landing,
    last_two_iterates,
    max_amplitude,
    mean_amplitude,
    predicted_landing,
    start_grid,
    tail_probability,
    truncation_bias,
)
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_000
from lrtheory.symbolic.clipping_cycles import derivation

# --------------------------------------------------------------------------------------
# Model: exact rational iteration from a grid of starts
# --------------------------------------------------------------------------------------


def _fractions(point: Point) -> tuple[Fraction, Fraction, Fraction]:
    p = point.params
    eta, lam, C = check_clipping(p["eta"], p["lam"], p["C"])
    return Fraction(eta), Fraction(lam), Fraction(C)


EXACT = "exact rational arithmetic (fractions.Fraction): no rounding at all"


def _model_n1(point: Point) -> list[ModelCheck]:
    eta, lam, C = _fractions(point)
    a, unit = eta * lam, C / lam
    grid = start_grid(eta, lam, C)
    if a < 2:
        entry = max(max(0, math.ceil((abs(x0) - unit) / (eta * C))) for x0 in grid)
        horizon = entry + int(point.params["tail"])
        ends = [exact_landing(x0, eta, lam, C, horizon) for x0 in grid]
        on_cycle = sum(t is not None and b != x for t, x, b in ends)
        bound = float(abs(1 - a) ** (horizon - entry) * unit)
        return [
            ModelCheck(f"largest |x_T| over {len(grid)} starts, T = {horizon}", 0.0,
                       float(max(max(abs(x), abs(b)) for _, x, b in ends)), bound,
                       "derived bound |1−ηλ|^(T−k)·C/λ after entry into |x| ≤ C/λ by step k"),
            ModelCheck("starts on a 2-cycle", 0.0, float(on_cycle), 0.0, EXACT)]
    ends = [exact_landing(x0, eta, lam, C, 2000) for x0 in grid]
    on_zero = sum((x0 / (eta * C)).denominator == 1 for x0 in grid)  # x₀ ∈ ηCℤ
    landed = [(t, x, b) for t, x, b in ends if t is not None]
    cycles = [(x, b) for _, x, b in landed if b != x]
    amplitude = [max(abs(x), abs(b)) for x, b in cycles]
    gap = [abs(x - b) for x, b in cycles]
    match = sum(predicted_landing(x0, eta, lam, C) == (t, x) for x0, (t, x, _) in
                zip(grid, ends, strict=True))
    n = len(grid)
    checks = [
        ModelCheck(f"largest |x| on the attractors of {n} starts", max_amplitude(
            float(eta), float(lam), float(C)), float(max(amplitude)), 0.0, EXACT),
        ModelCheck("starts ending on a 2-cycle (all but x₀ ∈ ηCℤ)", float(n - on_zero),
                   float(len(cycles)), 0.0, EXACT),
        ModelCheck("starts ending on the fixed point 0 (x₀ ∈ ηCℤ)", float(on_zero),
                   float(len(landed) - len(cycles)), 0.0, EXACT),
        ModelCheck("starts landing when and where the derived landing map says",
                   float(n), float(match), 0.0, EXACT),
        ModelCheck("largest peak-to-peak |x − F(x)| on a cycle", float(eta * C),
                   float(max(gap)), 0.0, EXACT),
    ]
    if a > 2:
        checks += [
            ModelCheck("smallest peak-to-peak on a cycle", float(eta * C), float(min(gap)),
                       0.0, EXACT),
            ModelCheck("smallest amplitude on a cycle (symmetric cycle ±ηC/2)",
                       float(eta * C / 2), float(min(amplitude)), 0.0, EXACT)]
    return checks


# --------------------------------------------------------------------------------------
# Monte Carlo: many initial points
# --------------------------------------------------------------------------------------

N1_STATISTICS = (
    "fraction of log-uniform starts ending on a 2-cycle",
    "fraction with attractor amplitude ≤ C(ηλ−1)/λ",
    "fraction with attractor amplitude ≥ ηC/2",
    f"fraction with amplitude > C(ηλ−1)/λ − δ, x₀ uniform on [−{N_PERIODS}ηC, {N_PERIODS}ηC]",
    f"mean attractor amplitude, x₀ uniform on [−{N_PERIODS}ηC, {N_PERIODS}ηC]",
)


def _simulate_n1(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    p = point.params
    eta, lam, C = p["eta"], p["lam"], p["C"]
    a, steps, delta = eta * lam, int(p["steps"]), p["delta"] * C / lam
    m = ensemble.run(attractor_kernel(eta, lam, C, steps, delta), n,
                     what="N1 clipped GD orbits")
    share = [indicator_proportion(m, col, ensemble) for col in range(4)]
    mean = mean_amplitude(eta, lam, C)
    tail = tail_probability(eta, lam, C, delta)
    bias, tail_bias = truncation_bias(eta, lam, C, steps, delta)
    # Below the bound the stated C(ηλ−1)/λ still bounds the amplitude 0 (prediction 1).
    return [
        Estimate(N1_STATISTICS[0], 1.0 if a >= 2 else 0.0, share[0], scale=1.0),
        Estimate(N1_STATISTICS[1], 1.0, share[1], scale=1.0),
        Estimate(N1_STATISTICS[2], 1.0 if a > 2 else 0.0, share[2], scale=1.0),
        Estimate(N1_STATISTICS[3], tail, share[3], scale=1.0, bias_bound=tail_bias),
        Estimate(N1_STATISTICS[4], mean, mean_statistic(
            float(m.mean[4]), float(m.stderr_mean[4]), m.n),
                 scale=mean if mean > 0 else C / lam, bias_bound=bias),
    ]


# --------------------------------------------------------------------------------------
# Figure and validity domain
# --------------------------------------------------------------------------------------


def _figure_n1(result: ClaimResult) -> Any:
    fig, (left, right) = new_figure(2)
    rng = np.random.default_rng(1)
    a = np.linspace(1.2, 6.0, 241)
    x0 = (2.0 * rng.random((a.size, 60)) - 1.0) * N_PERIODS * a[:, None]
    prev, last = last_two_iterates(a, x0, 400)
    for pts, label in ((prev, "attractor points x_{T−1}, x_T"), (last, None)):
        left.plot(np.repeat(a, pts.shape[1]), pts.ravel(), ",", color="C0", alpha=0.6,
                  label=label)
    for sgn in (1, -1):
        left.plot(a[a >= 2], sgn * (a[a >= 2] - 1), color="C3",
                  label="±C(ηλ−1)/λ (stated maximum)" if sgn > 0 else None)
        left.plot(a[a >= 2], sgn * np.ones_like(a[a >= 2]), ":", color="C2",
                  label="±C/λ (clipping threshold)" if sgn > 0 else None)
    left.axvline(2.0, ls="--", color="grey", lw=0.8)
    left.set_xlabel("η · λ")
    left.set_ylabel("x on the attractor  [units of C/λ]")
    left.set_title("every |x| in [C/λ, C(ηλ−1)/λ] is on a 2-cycle")
    left.legend(loc="upper left", fontsize=7)
    aa = 4.0
    x0 = (2.0 * np.random.default_rng(2).random((1, 200_000)) - 1.0) * N_PERIODS * aa
    p, q = last_two_iterates(np.array([aa]), x0, 200)
    amplitude = np.maximum(np.abs(p), np.abs(q)).ravel()
    right.hist(amplitude, bins=60, density=True, color="C0", alpha=0.7,
               label=f"exact map, x₀ uniform on [−{N_PERIODS}ηC, {N_PERIODS}ηC]")
    values = {ETA: aa, LAM: 1, C_SYM: 1}
    for i, (cell, v) in enumerate(amplitude_law("beyond").amplitude):
        right.hlines(float(v.subs(values)), float(cell.start.subs(values)),
                     float(cell.end.subs(values)), color="C1",
                     label="derived density (pushforward)" if i == 0 else None)
    right.axvline(aa - 1, color="C3", label="stated C(ηλ−1)/λ")
    right.axvline(mean_amplitude(aa, 1.0, 1.0), ls="--", color="C2",
                  label="derived mean (ηC/2 + C(ηλ−1)/λ)/2")
    right.set_xlabel("attractor amplitude max|x|  [units of C/λ]")
    right.set_ylabel("probability density")
    right.set_title(f"amplitude of the cycle reached, ηλ = {aa:g}")
    right.legend(loc="lower center", fontsize=7)
    return fig


VALIDITY_A = (2.0, 2.01, 2.1, 2.5, 3.0, 4.0, 6.0, 10.0, 20.0)


def _validity_n1() -> ValidityDomain:
    """C(ηλ−1)/λ read as the amplitude of the cycle reached, against the exact model's
    mean amplitude over a fine midpoint grid of starts on [−NηC, NηC] (units C/λ)."""
    k = 4001
    grid = ((np.arange(k) + 0.5) / k * 2.0 - 1.0) * N_PERIODS
    errors = []
    for a in VALIDITY_A:
        # N descents, then (ηλ−1)ⁿ|w| ≥ 1 for the smallest |w| on the grid (~ a/k).
        steps = N_PERIODS + 4 + (0 if a == 2 else math.ceil(math.log(k) / math.log(a - 1)))
        prev, x = last_two_iterates(np.array([a]), grid[None, :] * a, steps)
        mean = float(np.maximum(np.abs(prev), np.abs(x)).mean())
        errors.append(abs((a - 1) - mean) / mean)
    return ValidityDomain(
        "C(ηλ−1)/λ taken as the amplitude of the 2-cycle reached (it is the largest one); "
        "derived relative error (ηλ−2)/(3ηλ−2) for ηλ > 2, → 1/3 as ηλ grows, 1 at ηλ = 2",
        "ηλ", VALIDITY_A, tuple(errors),
        f"relative error vs the mean amplitude (x₀ uniform on [−{N_PERIODS}ηC, "
        f"{N_PERIODS}ηC])")


# --------------------------------------------------------------------------------------
# The claim
# --------------------------------------------------------------------------------------


def _points_n1() -> tuple[Point, ...]:
    base = {"lam": 2.0, "C": 0.5, "steps": 200, "tail": 40}
    return (
        Point("ηλ = 1.5 (stable: no cycle)", {**base, "eta": 0.75, "delta": 0.25},
              regime="outside", note="below the stability bound the origin attracts every "
                                     "orbit"),
        Point("ηλ = 2 (stability bound)", {**base, "eta": 1.0, "delta": 0.25},
              regime="boundary",
              note="the linear branch is the flip x ↦ −x: every |x| ≤ C/λ is a 2-cycle"),
        Point("ηλ = 2.0625 (just beyond)", {**base, "eta": 1.03125}, regime="boundary",
              monte_carlo=False),
        Point("ηλ = 2.5", {**base, "eta": 1.25, "delta": 0.1}),
        Point("ηλ = 10", {**base, "eta": 5.0, "delta": 1.0}),
    )


_SECTION = "Dynamics Beyond the Stability Boundary: Gradient Clipping"

N1 = Claim(
    id="N1",
    slug="clipping-two-cycle",
    title="Gradient clipping turns divergence beyond 2/λ into bounded 2-cycles",
    statement=(
        "Clipped GD x ← x − η·clip(λx), clip(g) = g·min(1, C/|g|), on (λ/2)x²: for ηλ ≥ 2 "
        "orbits settle on a 2-cycle of maximum amplitude C(ηλ−1)/λ instead of diverging."),
    sources=(
        Source(SEED_000, _SECTION,
               "For the case where $\\eta\\lambda \\ge 2$, it can be shown that the system "
               "converges to a 2-point cycle, whose maximum amplitude is given by "
               "$\\frac{C(\\eta\\lambda - 1)}{\\lambda}$ . Gradient clipping, therefore, acts "
               "as a crucial stabilizing force, masking the divergence that would otherwise "
               "occur from a learning rate set beyond the theoretical stability limit and "
               "transforming it into bounded oscillations."),
        Source(SEED_000, _SECTION,
               "In the **non-clipping regime**, where $|\\lambda x| \\le C$, the update is the "
               "standard linear map: $x_{t+1} = (1 - \\eta\\lambda) x_t$. If "
               "$\\eta\\lambda > 2$, the origin is a [repelling fixed point](@entry_id:189650), "
               "and iterates are pushed outwards."),
        Source(SEED_000, _SECTION,
               "In the **clipping regime**, where $|\\lambda x| > C$, the gradient magnitude "
               "is capped at $C$. The update becomes "
               "$x_{t+1} = x_t - \\eta C \\cdot \\text{sgn}(x_t)$. This is an affine map, not "
               "a linear one. An iterate $x_t$ is moved a fixed distance $\\eta C$ towards "
               "the origin."),
    ),
    derive=derivation,
    model=_model_n1,
    points=_points_n1(),
    figure=_figure_n1,
    simulate=_simulate_n1,
    statistics=N1_STATISTICS,
    validity=_validity_n1,
    findings=(
        "For ηλ > 2 the 2-cycles are not isolated: every x with C/λ ≤ |x| ≤ C(ηλ−1)/λ lies on "
        "the 2-cycle {x, x − ηC·sgn x}. All of them are neutral (multiplier 1): none attracts "
        "its neighbours, so 'stable periodic orbit' holds only in Lyapunov's sense, and which "
        "cycle an orbit ends on depends on x₀.",
        "Orbits do not converge asymptotically: every orbit lands exactly on a 2-cycle after "
        "finitely many steps (⌈(|x₀|−A)/(ηC)⌉ clipped steps, then expansion by ηλ−1 through "
        "the linear region). The exceptions are x₀ ∈ ηCℤ (a null set), which land on the "
        "repelling fixed point 0. There are no 3- or 4-cycles, so (Sharkovskii) no k-cycles "
        "with k > 2, and no chaos, for any ηλ > 2.",
        "C(ηλ−1)/λ is the maximum over the family — the radius of the absorbing interval "
        "[−A, A], attained by the cycle through the clipping threshold {C/λ, −C(ηλ−1)/λ} — "
        "not the amplitude of the cycle reached. Every cycle has peak-to-peak exactly ηC and "
        "amplitude in [ηC/2, C(ηλ−1)/λ]. For x₀ uniform on [−3ηC, 3ηC] the amplitude is "
        "uniform on that range, mean (ηC/2 + C(ηλ−1)/λ)/2 and P(amplitude > A − δ) = "
        "δ/(A − ηC/2): derived by pushing the start density through the map (transfer "
        "operator with the branch Jacobians, step by step until the unlanded part repeats "
        "with factor 1/(ηλ−1), then a geometric sum), for every ηλ > 2 but for this one "
        "start law (N = 3 whole periods) only.",
        "At ηλ = 2 exactly no clipping is involved in the limit: the linear branch is the "
        "flip x ↦ −x and every |x| ≤ C/λ is a 2-cycle, amplitude uniform on [0, C/λ] for "
        "uniform starts (mean C/(2λ)), while for ηλ → 2⁺ all amplitudes tend to C/λ: the "
        "amplitude law is discontinuous at the bound. The stated bound C(ηλ−1)/λ = C/λ "
        "still holds there.",
    ),
)

CLAIMS = (N1,)
