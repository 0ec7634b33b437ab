"""Family H, claim H1: the schedules, their formulas, and what ∫η and ∫η² mean for SGD."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from lrtheory import schedules as sch
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
from lrtheory.errors import ParameterError
from lrtheory.models import schedule_noise as sn
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.montecarlo.stats import mean_statistic, variance_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.schedules import Schedule
from lrtheory.sources import SEED_001, SEED_003
from lrtheory.symbolic.schedule_forms import (
    AMP,
    CASES,
    E0,
    EMIN,
    HALVED,
    MU,
    NK,
    SYMBOLS,
    T0,
    TIME,
    C,
    Case,
    G,
    K,
    P,
    S,
    T,
    U,
    W,
    case_cells,
    closed_forms,
    published_identities,
)

# --------------------------------------------------------------------------------------
# the derivation
# --------------------------------------------------------------------------------------


@cache
def _derive_h1() -> Derivation:
    """The published formulas on generic cells, then the closed forms, their identities with
    the catalog's forms, and where Σ_{t<T} and ∫₀ᵀ meet (cached: the derivation is pure)."""
    identities = published_identities()
    forms = closed_forms()
    ints, sums = forms.integrals, forms.sums
    steps = [Step.equation(f"{CASES[i].label}: η on cell {n} of cycle k (0 < u < 1)", "eta", r)
             for i in (1, 6, 8) for n, r in enumerate(case_cells(i))]
    for case, pair in zip(CASES, ints, strict=True):
        steps.append(Step.equation(f"{case.label}: (∫₀ᵀη, ∫₀ᵀη²)", "(∫η, ∫η²)", sp.Tuple(*pair)))
        identities.append(Identity(f"{case.label}: ∫₀ᵀη and ∫₀ᵀη² in closed form",
                                   sp.Tuple(*pair), sp.Tuple(*case.expected), "derived"))
    for index, pair in sums.items():
        steps.append(Step.equation(f"{CASES[index].label}: (Σ_{{t<T}}η_t, Σ_{{t<T}}η_t²)",
                                   "(Ση, Ση²)", sp.Tuple(*pair)))

    def gap(index: int, j: int) -> sp.Expr:
        return sp.factor(sums[index][j] - ints[index][j])

    def equal(index: int, what: str, note: str = "") -> Identity:
        j = (0, 1) if what == "both" else (0,)
        return Identity(f"{CASES[index].label}: Σ_{{t<T}}η_t = ∫₀ᵀη"
                        + (" and Σ η_t² = ∫ η²" if what == "both" else ""),
                        sp.Tuple(*(sums[index][i] for i in j)),
                        sp.Tuple(*(ints[index][i] for i in j)), "derived", note=note)

    identities += [
        equal(1, "both", "η is constant on every [t, t + 1) when s is an integer"),
        equal(6, "first", "whole cycles: the trapezoid rule is exact on each linear half"),
        equal(7, "first"),
        equal(9, "first", "the warm-up's gap −η₀/2 cancels the cosine's +η₀/2"),
        Identity("triangular2 on cycle k = triangular with amplitude (η₀ − η_min)/2^k",
                 sp.Tuple(*case_cells(7)), sp.Tuple(*(r.subs(HALVED) for r in case_cells(6))),
                 "derived", note="so its cycle integrals and sums are triangular's, rescaled"),
        Identity("triangular: Σ η_t² − ∫ η² = K(η₀ − η_min)²/(3s)", gap(6, 1),
                 NK * AMP**2 / (3 * S), "derived"),
        Identity("linear: Σ_{t<T}η_t − ∫₀ᵀη = (η(0) − η(T))/2", gap(3, 0), E0 / 2, "derived"),
        Identity("cosine: Σ − ∫ = (η₀ − η_min)/2 and Σ η² − ∫ η² = (η₀² − η_min²)/2",
                 sp.Tuple(gap(5, 0), gap(5, 1)), sp.Tuple(AMP / 2, (E0**2 - EMIN**2) / 2),
                 "derived", note="the trapezoid rule is exact for the cosine; Σ η² needs "
                 "T ≥ 2 (Σ cos² has the ratio e^{2πi/T}, which is 1 at T = 1)"),
        Identity("SGDR: each restart adds the cosine's gap: Σ − ∫ = K(η₀ − η_min)/2, "
                 "Σ η² − ∫ η² = K(η₀² − η_min²)/2", sp.Tuple(gap(8, 0), gap(8, 1)),
                 sp.Tuple(NK * AMP / 2, NK * (E0**2 - EMIN**2) / 2), "derived",
                 note="cycles of T₀(1 + μ)^k ≥ 2 steps, as for the cosine"),
        Identity("exponential: Σ_{t<T}η_t / ∫₀ᵀη = c/(1 − e^{−c}), γ = e^{−c}",
                 sp.factor(sp.powsimp(sp.expand(sums[2][0] / ints[2][0]))),
                 C / (1 - sp.exp(-C)), "derived"),
    ]
    return Derivation(tuple(steps), tuple(identities))


# --------------------------------------------------------------------------------------
# numbers at a point: the schedule, its exact formula, the closed forms
# --------------------------------------------------------------------------------------

_KEYS = {E0: "eta0", EMIN: "eta_min", T: "T", G: "gamma", P: "p", W: "W", S: "s", T0: "T0",
         MU: "mu", NK: "cycles"}


@dataclass(frozen=True, eq=False)
class _At:
    """A point's case, its numeric schedule, its SymPy formula in exact numbers, T."""

    case: Case
    index: int
    schedule: Schedule
    exact: dict[sp.Symbol, sp.Expr]
    steps: int
    breaks: tuple[float, ...]


def _at(point: Point) -> _At:
    """The numbers of a point (built once per parameter set). Numbers enter the SymPy forms by
    ``xreplace`` (all at once, no pattern matching: exact, and far faster than ``subs``)."""
    return _at_params(tuple(sorted(point.params.items())))


@cache
def _at_params(items: tuple[tuple[str, float], ...]) -> _At:
    p = dict(items)
    index = int(p["case"])
    if index != p["case"] or not 0 <= index < len(CASES):
        raise ParameterError("case", p["case"], f"an index into the {len(CASES)} cases")
    numbers: dict[sp.Symbol, Any] = {sym: float(p.get(key, 1.0)) for sym, key in _KEYS.items()}
    exact: dict[sp.Symbol, Any] = {sym: sp.Rational(str(v)) for sym, v in numbers.items()}
    numbers[C], exact[C] = -math.log(numbers[G]), -sp.log(exact[G])
    case = CASES[index]
    steps = int(case.upper.xreplace(exact))
    # Where η jumps or kinks: the starts of the cells of cycles k < K, and the warm-up's end.
    starts = {float(at.xreplace({**exact, K: k, U: 0})) for at, _ in case.cells
              for k in range(int(exact[NK]))} | ({float(exact[W])} if index == 9 else set())
    return _At(case, index, case.make(numbers), exact, steps,
               tuple(sorted(x for x in starts if 0 < x < steps)))


@cache
def _closed(at: _At, which: str) -> tuple[float, float] | None:
    """(∫η, ∫η²) (``which`` = "int") or (Ση, Ση²) ("sum", where derived) at the point."""
    forms = closed_forms()
    pair = forms.integrals[at.index] if which == "int" else forms.sums.get(at.index)
    if pair is None:
        return None
    return float(pair[0].xreplace(at.exact)), float(pair[1].xreplace(at.exact))


def _exact_rates(at: _At) -> np.ndarray[Any, Any]:
    """η_t, t < T, from the SymPy formula in exact numbers; for a schedule that jumps, from
    its cells (:func:`case_cells`) for k < K."""
    if not at.case.cells:
        formula = at.case.make(SYMBOLS)(TIME).xreplace(at.exact)
        return sn.exact_step_values(formula, TIME, at.steps)
    cells = [(start.xreplace({**at.exact, K: k, U: 0}), length.xreplace({**at.exact, K: k}),
              rate.xreplace({**at.exact, K: k}))
             for k in range(int(at.exact[NK]))
             for (start, length), rate in zip(at.case.cells, case_cells(at.index), strict=True)]
    return sn.cell_step_values(cells, U, at.steps)


def _rate_error(at: _At, peak: float) -> float:
    """Float64 error of one evaluation of η (:func:`rate_rounding`); γᵗ's exponent ≤ T."""
    return sn.rate_rounding(peak, at.steps * abs(math.log(float(at.exact[G]))))


def _model_h1(point: Point) -> list[ModelCheck]:
    at = _at(point)
    exact = _exact_rates(at)
    ints = _closed(at, "int")
    assert ints is not None
    delta = _rate_error(at, float(np.max(exact)))
    return sn.closed_form_checks(at.schedule, exact, delta, ints, _closed(at, "sum"),
                                 at.case.sum_is_integral, at.breaks)


H1_STATISTICS = ("mean progress θ₀ − θ_T = gΣη_t", "variance of θ_T = σ²Ση_t²")


def _simulate_h1(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """SGD on L = gθ with gradient noise σξ_t under the point's schedule: θ₀ − θ_T has mean
    gΣ_{t<T}η_t and variance σ²Σ_{t<T}η_t² exactly (predictions from the derived sums;
    where Σ = ∫ the MC tests ∫η and ∫η² themselves)."""
    at = _at(point)
    g, sigma = point.params["g"], point.params["sigma"]
    rates = sn.rates_at_steps(at.schedule, at.steps)
    m = ensemble.run(sn.linear_loss_sgd(rates, g, sigma), n, what="H1 SGD on a linear loss")
    derived = _closed(at, "sum")
    assert derived is not None
    # The chains run on float64 rates, each within δ of the exact ones: a bias ≤ gTδ.
    bias = abs(g) * at.steps * _rate_error(at, float(np.max(rates)))
    return [
        Estimate(H1_STATISTICS[0], g * derived[0],
                 mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n), bias_bound=bias),
        Estimate(H1_STATISTICS[1], sigma**2 * derived[1],
                 variance_statistic(float(m.variance[0]), float(m.stderr_variance[0]), m.n)),
    ]


# --------------------------------------------------------------------------------------
# validity, figure, points, claim
# --------------------------------------------------------------------------------------

VALIDITY_T = (5, 10, 20, 50, 100, 200, 500, 1000)


def _validity_h1() -> ValidityDomain:
    """(Σ_{t<T}η_t − ∫₀ᵀη)/∫₀ᵀη for cosine decay to 0: the sum from the rates (fsum), the
    integral by QUADPACK — neither from the closed forms, which give exactly 1/T."""
    errors = []
    for steps in VALIDITY_T:
        sched = sch.cosine(1.0, steps)
        errors.append((sn.step_sums(sn.rates_at_steps(sched, steps)).first
                       - sn.schedule_quadrature(sched, steps).first) / (steps / 2))
    return ValidityDomain(
        "∫₀ᵀη stands for the progress Σ_{t<T}η_t of T SGD steps only for large T: for cosine "
        "decay the relative gap is exactly (η₀ − η_min)/(T(η₀ + η_min)) (1/T for η_min = 0) — "
        "10 % at T = 10, 1 % at T = 100; for step decay and whole CLR cycles it is 0.",
        "T (steps)", tuple(float(v) for v in VALIDITY_T), tuple(errors),
        "(Σ_{t<T}η_t − ∫₀ᵀη)/∫₀ᵀη, cosine to 0")


def _figure_h1(result: ClaimResult) -> Any:
    fig, (ax, ax_int) = new_figure(ncols=2, width=13.0, height=4.6)
    names: list[str] = []
    mc_label = "Monte Carlo SGD: mean, variance of θ₀ − θ_T (Σ over steps)"
    for row, pr in enumerate(result.points):
        at = _at(pr.point)
        x = np.linspace(0.0, at.steps, 400, endpoint=False)
        eta = at.schedule(x)
        ax.plot(x, eta, lw=1.2, label=at.case.label)
        ints = _closed(at, "int")
        assert ints is not None
        peak = float(np.max(eta))
        scale = (peak * at.steps, peak**2 * at.steps)
        for j, (value, color) in enumerate(zip(ints, ("C0", "C1"), strict=True)):
            ax_int.barh(row + 0.2 * (2 * j - 1), value / scale[j], height=0.4, color=color,
                        label=("∫₀ᵀη / (η_peak T): progress", "∫₀ᵀη² / (η_peak² T): noise")[j]
                        if row == 0 else None)
        names.append(f"{at.case.label}, T = {at.steps}")
        if pr.monte_carlo:
            p = pr.point.params
            mean, var = (m.estimate.sample.value for m in pr.monte_carlo[:2])
            ax_int.plot([mean / (p["g"] * scale[0]), var / (p["sigma"] ** 2 * scale[1])],
                        [row - 0.2, row + 0.2], "kx", ms=7, label=mc_label)
            mc_label = "_nolegend_"
    ax.set_xlabel("step t")
    ax.set_ylabel("learning rate η(t)")
    ax.set_title("Every schedule, one pure function of the step")
    ax.legend(fontsize=7, ncols=2)
    ax_int.set_yticks(range(len(names)), names, fontsize=7)
    ax_int.invert_yaxis()
    ax_int.set_xlabel("fraction of a constant η_peak over the same T")
    ax_int.set_title("∫η (mean progress) and ∫η² (injected noise), closed forms")
    ax_int.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.4, -0.12), ncols=2)
    return fig


def _points_h1() -> tuple[Point, ...]:
    base = {"eta0": 0.1, "eta_min": 0.001, "g": 1.0, "sigma": 1.0}

    def pt(index: int, label: str, regime: Any = "inside", mc: bool = False,
           note: str = "", **extra: float) -> Point:
        return Point(label, {**base, "case": float(index), **extra}, regime, mc, note)

    def clr(index: int, label: str, mc: bool = False) -> Point:
        return pt(index, label, mc=mc, s=5.0, cycles=2.0)

    return (
        pt(1, "step decay 0.1·½^⌊t/5⌋, T = 20: Σ = ∫", mc=True, gamma=0.5, s=5.0, cycles=4.0),
        clr(6, "triangular CLR 0.001–0.1, s = 5, two cycles: Σ η = ∫ η, Σ η² ≠ ∫ η²", mc=True),
        pt(5, "cosine 0.1 → 0.001, T = 10: Σ_{t<T} η exceeds ∫ η by 9.8 %", "outside", True,
           "∫η is not the progress of so few steps: the gap (η₀ − η_min)/2 is a finding", T=10),
        pt(0, "constant 0.1, T = 50", T=50),
        pt(2, "exponential 0.1·0.95ᵗ (seed 003's γ), T = 50", "boundary",
           note="Σ/∫ = c/(1 − e^{−c}) = 1.026: ∫ misses 2.6 % of the progress, just over "
                "the 2 % resolution", T=50, gamma=0.95),
        pt(3, "linear 0.1, T = 50", T=50),
        pt(4, "polynomial 0.1·(1 − t/T)², T = 50", T=50, p=2.0),
        clr(7, "triangular2 CLR 0.001–0.1, s = 5, two cycles"),
        pt(8, "SGDR 0.1 → 0.001, T₀ = 10, T_mult = 2, two cycles", T0=10.0, mu=1.0,
           cycles=2.0),
        pt(9, "warm-up W = 5 + cosine 0.1 over T = 45", T=45, W=5.0),
    )


_SCHED = "Learning Rate Schedules"
H1 = Claim(
    id="H1",
    slug="schedules",
    title="Every schedule as a pure function: formulas, ∫η and ∫η² in closed form",
    statement=(
        "Constant, step, exponential, linear, polynomial, cosine (with η_min), cyclical "
        "(triangular, triangular2, exp_range), SGDR warm restarts (T₀, T_mult) and linear "
        "warm-up + decay are pure functions of the step that take NumPy arrays and SymPy "
        "symbols, with the sources' formulas; ∫₀ᵀη and ∫₀ᵀη² come out in closed form. For "
        "SGD on a linear loss gθ with gradient noise σξ_t they are the mean progress gΣη_t and "
        "the injected variance σ²Ση_t², which equal the integrals only for schedules constant "
        "on each step."),
    sources=(
        Source(SEED_003, _SCHED, "Exponential decay provides a smoother alternative, where the "
               "learning rate at step t is given by \\alpha_t = \\alpha_0 \\gamma^t, with "
               "\\gamma < 1 as the decay rate (e.g., \\gamma = 0.95)."),
        Source(SEED_003, _SCHED, "Linear decay offers another straightforward method, defined "
               "as \\alpha_t = \\alpha_0 (1 - t/T), where T is the total number of training "
               "steps."),
        Source(SEED_003, _SCHED, "the learning rate follows a cosine curve within each cycle: "
               "\\alpha_t = \\alpha_{\\min} + \\frac{1}{2} (\\alpha_{\\max} - \\alpha_{\\min}) "
               "(1 + \\cos(\\pi t / T))."),
        Source(SEED_003, _SCHED, "For example, starting with an initial rate \\alpha_0 = 0.1 "
               "and a decay factor of 0.5 every 10 epochs yields abrupt but effective drops."),
        Source(SEED_003, _SCHED, "In the seminal work on cyclical learning rates, the rate "
               "cycles linearly from a minimum to a maximum value and back"),
        Source(SEED_003, "Warmup and Decay Strategies",
               "\\alpha_t = \\alpha_{\\min} + (\\alpha_{\\max} - \\alpha_{\\min}) \\cdot "
               "\\frac{t}{\\text{warmup\\_steps}}"),
        Source(SEED_001, "The Optimizer's Dilemma: Speed vs. Precision",
               "keeping the learning rate constant, reducing it in steps (**[step decay]"
               "(@article_id:635533)**), or smoothly decreasing it with an exponential, "
               "polynomial, or **[cosine annealing](@article_id:635659)** shape"),
        Source(SEED_001, "The Mechanical Universe of Optimization",
               "This is where schedules like **[cosine annealing](@article_id:635659)** or "
               "**Stochastic Gradient Descent with Restarts (SGDR)** come in"),
    ),
    derive=_derive_h1,
    model=_model_h1,
    points=_points_h1(),
    figure=_figure_h1,
    simulate=_simulate_h1,
    statistics=H1_STATISTICS,
    validity=_validity_h1,
    findings=(
        "Seed 003's formulas (α₀γᵗ, α₀(1 − t/T), the cosine with α_min, step decay from 0.1 "
        "halved every 10 epochs, linear warm-up) are the library's schedules exactly; the "
        "library's warm-up starts from 0, the seed's α_min = 0 case. SGDR (any T_mult = 1 + μ) "
        "and the three CLR modes equal their published definitions on every cycle k "
        "(proved on a generic cell, not sampled).",
        "∫η and ∫η² are the mean progress and the noise of SGD only in the continuum: the "
        "steps give Σ_{t<T}η_t, and Σ − ∫ is exactly (η(0) − η(T))/2 for linear and cosine "
        "decay (the trapezoid rule is exact for the cosine, also for η²: Σ η² − ∫ η² = "
        "(η₀² − η_min²)/2), so every SGDR restart adds (η₀ − η_min)/2 of progress the "
        "integral misses. At T = 10 the cosine's Σ exceeds ∫ by 9.8 %; Monte Carlo resolves it. "
        "The η² forms need T ≥ 2 steps per cosine (Σ cos²(πt/T) is geometric with ratio "
        "e^{2πi/T}, which is 1 at T = 1).",
        "Σ = ∫ exactly for step decay with whole-step stages (also for η²), for whole "
        "triangular and triangular2 CLR cycles, and for a linear warm-up into a cosine to 0 "
        "(the warm-up's gap −η₀/2 cancels the cosine's +η₀/2) — but for the triangle Σ η² "
        "exceeds ∫ η² by (η₀ − η_min)²/(3s) per cycle (2 % of the noise at s = 5). For "
        "exponential decay Σ/∫ = c/(1 − e^{−c}), c = −ln γ: 1.026 at the seed's γ = 0.95 "
        "(agrees with M7).",
        "exp_range's ∫η exists in closed form (integrals() returns it) but SymPy needs seconds "
        "for two cycles, so only its formula is checked in the run.",
    ),
)

CLAIMS = (H1,)
