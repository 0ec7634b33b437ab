"""GD on the quartic double well L(x) = (x² − 1)²/4, derived exactly (claim N2).

GD is the odd cubic map f(x) = x − η(x³ − x), minima ±1, f'(x) = 1 + η − 3ηx². With the
toolbox of :mod:`lrtheory.symbolic.cycles`, :func:`derivation` computes:

* fixed points −1, 0, 1; the origin repels (f'(0) = 1 + η); ±1 attract for 0 < η < 1 and
  flip at η₁ = 1 (multiplier 1 − 2η = −1);
* 2-cycles by elimination (no nested radicals): a symmetric one {±√((η+2)/η)}, multiplier
  (2η + 5)² > 1 — it always repels — and a mirror pair x² ∓ √((η+3)/η)x + 1/η, real for
  η ≥ 1, multiplier 9 − 2(1+η)², attracting on (1, √5 − 1): the second flip is η₂ = √5 − 1;
* the mean Lyapunov exponent ln|μ(η)|/k of the attracting k-cycle over η uniform on the
  windows ``WINDOWS[k]`` (the Monte Carlo predictions);
* each mirror half then runs its own unimodal cascade; the two chaotic bands merge where
  f(f(x_c)) = 0, η = 3√3/2 − 1, and the attractor is destroyed (boundary crisis: almost
  every orbit diverges) where the critical value reaches the repelling 2-cycle, η = 2;
* at η = 2, f(√2u) = −√2·T₃(u) (Chebyshev) and with x = √2 cos θ the map is θ ↦ 3θ: the
  arcsine law is invariant and the Lyapunov exponent is exactly ln 3.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.symbolic.cycles import (
    POSITIVE,
    attracting_set,
    bifurcation_polynomial,
    bifurcation_values,
    cycle_multipliers,
    fixed_points,
    lyapunov_exponent,
    mean_lyapunov_exponent,
    positive_root,
    prime_period_polynomial,
)
from lrtheory.symbolic.two_cycles import two_cycles

X = sp.Symbol("x", real=True)
ETA = sp.Symbol("eta", positive=True)
WINDOWS = {1: (sp.Rational(7, 10), sp.Rational(4, 5)), 2: (sp.Rational(29, 25), sp.Rational(6, 5))}
"""η windows inside the period-1 and period-2 ranges, free of superstable points."""


@dataclass(frozen=True)
class Closed:
    """The closed forms the model and the Monte Carlo compare with."""

    f: sp.Expr
    multiplier: dict[int, sp.Expr]  # of the attracting k-cycle, k = 1, 2
    cycle_point: dict[int, sp.Expr]  # its largest point
    flips: tuple[sp.Expr, sp.Expr]  # η₁, η₂
    window_mean: dict[int, sp.Expr]  # mean Lyapunov exponent over WINDOWS[k]
    critical: sp.Expr
    crises: tuple[sp.Expr, sp.Expr]  # merging, boundary
    edge: sp.Expr  # the repelling symmetric 2-cycle √((η+2)/η): the basin's edge


@functools.cache
def derivation() -> tuple[Derivation, Closed]:
    """The steps and identities of N2, and the closed forms its model and Monte Carlo use."""
    x, eta = X, ETA
    loss = (x**2 - 1) ** 2 / 4
    f = sp.expand(x - eta * sp.diff(loss, x))
    df = sp.diff(f, x)
    fixed = fixed_points(f, x)
    mult1 = sorted(cycle_multipliers(f, x, 1), key=lambda c: c.cycles)
    mu0, mu1 = (c.value for c in mult1)  # origin (1 cycle), ±1 (2 cycles)
    origin_stable = attracting_set(mu0, eta)
    attract1 = attracting_set(mu1, eta)
    eta1 = bifurcation_values(f, x, 1, eta)
    p2 = prime_period_polynomial(f, x, 2)
    cycles2 = two_cycles(f, x)
    sym = next(c for c in cycles2 if c.sum == 0)
    pos = next(c for c in cycles2 if c.sum.is_positive)
    neg = next(c for c in cycles2 if c.sum.is_negative)
    mults2 = cycle_multipliers(f, x, 2)
    mu2 = pos.multiplier
    sym_stable = attracting_set(sym.multiplier, eta)
    disc = sp.factor(pos.sum**2 - 4 * pos.product)
    real2 = sp.Interval(positive_root(disc, eta), sp.oo)  # disc = (η − 1)/η changes sign once
    a2 = sp.simplify((pos.sum + sp.sqrt(disc)) / 2)
    flip2 = bifurcation_polynomial(f, x, 2)
    eta2 = bifurcation_values(f, x, 2, eta)
    attract2 = attracting_set(mu2, eta)
    superstable = (positive_root(mu1, eta), positive_root(mu2, eta))
    means = {k: mean_lyapunov_exponent(mu, k, eta, *WINDOWS[k]) for k, mu in ((1, mu1), (2, mu2))}
    xc = next(iter(sp.solveset(df, x, POSITIVE)))
    v = sp.simplify(f.subs(x, xc))
    # f(v) = v·(1 + η − ηv²) vanishes (v > 0) where v² is the positive zero of f.
    merging_poly = sp.factor(sp.expand(sp.cancel(f.subs(x, v) / v)))
    merging = positive_root(merging_poly, eta)
    edge = sp.sqrt(-sym.product)
    crisis_poly = sp.factor(sp.numer(sp.together(v**2 - edge**2)))
    boundary = positive_root(crisis_poly, eta)
    u, th = sp.Symbol("u", real=True), sp.Symbol("theta", positive=True)
    conj = sp.expand(f.subs({x: sp.sqrt(2) * u, eta: 2}))
    dtheta = df.subs({x: sp.sqrt(2) * sp.cos(th), eta: 2})
    j = sp.Symbol("j", integer=True)
    invariant = sp.summation(1 / (3 * sp.pi), (j, 0, 2))  # Σ_j ρ(θ_j)·|dθ_j/dφ|, ρ = 1/π
    # λ = E ln|f'| = ln 3 + E ln|sin 3θ| − E ln|sin θ| (the coboundary form below), and
    # 3θ mod π has the law of θ (the invariance below), so the two expectations cancel.
    mean_log_sin = sp.Symbol("E[ln∣sin θ∣]")
    lam2 = sp.log(3) + mean_log_sin - mean_log_sin
    steps = (
        Step("loss and GD map", sp.Tuple(sp.Eq(sp.Symbol("L"), loss), sp.Eq(sp.Symbol("f"), f))),
        Step("fixed points f(x) = x", fixed),
        Step("multipliers of the fixed points by elimination (value, number of points)",
             sp.Tuple(*(sp.Tuple(c.value, c.cycles) for c in mult1))),
        Step("±1 attract for η in", attract1),
        Step("prime period-2 polynomial (fixed points divided out)", p2),
        Step("2-cycles x² − σx + π by elimination of σ and π",
             sp.Tuple(*(c.polynomial for c in cycles2))),
        Step("their multipliers Res(x² − σx + π, f')", sp.Tuple(*(c.multiplier for c in cycles2))),
        Step("asymmetric 2-cycle real where σ² − 4π ≥ 0", sp.Tuple(disc, real2)),
        Step("its larger point", a2),
        Step("flip condition of the 2-cycles Res_x(P₂, (f²)' + 1)", flip2),
        Step("superstable η (multiplier 0) of the fixed point and of the 2-cycle",
             sp.Tuple(*superstable)),
        Step.equation("Lyapunov exponents on the attracting 1- and 2-cycles", "lambda",
                      sp.Tuple(lyapunov_exponent(mu1, 1), lyapunov_exponent(mu2, 2))),
        Step("mean exponent over η uniform on [7/10, 4/5] and [29/25, 6/5] (Monte Carlo "
             "predictions)", sp.Tuple(means[1], means[2])),
        Step("critical point and critical value", sp.Tuple(xc, v)),
        Step("bands merge where f(f(x_c)) = 0, i.e. f(v)/v = 0", sp.Tuple(merging_poly, merging)),
        Step("boundary crisis: critical value = √((η+2)/η), i.e.", crisis_poly),
        Step("at η = 2, f(√2 u)", conj),
        Step("at η = 2, f'(√2 cos θ)", dtheta),
        Step("θ ↦ 3θ mod π: the uniform density pushed forward, Σ_j (1/π)/3", invariant),
        Step.equation("λ(η=2) = ln 3 + E ln|sin 3θ| − E ln|sin θ| (equal by invariance)",
                      "lambda", lam2),
    )
    identities = (
        Identity("GD on (x²−1)²/4", f, x - eta * (x**3 - x), "modelled"),
        Identity("fixed points", fixed, sp.FiniteSet(-1, 0, 1), "derived"),
        Identity("multiplier of the minima ±1", mu1, 1 - 2 * eta, "derived"),
        Identity("the origin repels for every η > 0", origin_stable, sp.S.EmptySet, "derived"),
        Identity("minima attract iff 0 < η < 1", attract1, sp.Interval.open(0, 1), "derived"),
        Identity("first flip (period 1 → 2)", sp.Tuple(*eta1), sp.Tuple(1), "derived"),
        Identity("symmetric 2-cycle ±√((η+2)/η)", sym.polynomial, x**2 - (eta + 2) / eta,
                 "derived"),
        Identity("symmetric 2-cycle's multiplier", sym.multiplier, (2 * eta + 5) ** 2, "derived"),
        Identity("the symmetric 2-cycle never attracts", sym_stable, sp.S.EmptySet, "derived"),
        Identity("mirror 2-cycles x² ∓ √((η+3)/η)x + 1/η", sp.Tuple(pos.polynomial, neg.polynomial),
                 sp.Tuple(x**2 - sp.sqrt((eta + 3) / eta) * x + 1 / eta,
                          x**2 + sp.sqrt((eta + 3) / eta) * x + 1 / eta), "derived"),
        Identity("their points (√(η+3) ± √(η−1))/(2√η)", a2,
                 (sp.sqrt(eta + 3) + sp.sqrt(eta - 1)) / (2 * sp.sqrt(eta)), "derived"),
        Identity("2-cycle multipliers, two routes: elimination over P₂ and Res(x² − σx + π, f')",
                 sp.FiniteSet(*(c.value for c in mults2)),
                 sp.FiniteSet(sym.multiplier, mu2), "derived"),
        Identity("mirror 2-cycles' multiplier", mu2, 9 - 2 * (1 + eta) ** 2, "derived"),
        Identity("the period-2 cycles appear where the period-1 attractor flips",
                 real2.start, attract1.end, "stated",
                 note="The source says in words that the period-1 solution gives way to a "
                      "period-2 cycle as η grows; here: the 2-cycles are real exactly from "
                      "the flip η = 1 on, and attract from there."),
        Identity("2-cycles attract iff 1 < η < √5 − 1", attract2,
                 sp.Interval.open(1, sp.sqrt(5) - 1), "derived"),
        Identity("second flip (period 2 → 4)", sp.Tuple(*eta2), sp.Tuple(sp.sqrt(5) - 1),
                 "derived"),
        Identity("bands merge at η = 3√3/2 − 1", merging, 3 * sp.sqrt(3) / 2 - 1, "derived"),
        Identity("boundary crisis at η = 2", boundary, sp.Integer(2), "derived"),
        Identity("η = 2: f(√2u) = −√2·T₃(u) (Chebyshev)", conj,
                 sp.expand(-sp.sqrt(2) * sp.chebyshevt(3, u)), "derived"),
        Identity("η = 2: f'(√2 cos θ) = −3 sin 3θ / sin θ", dtheta,
                 -3 * sp.sin(3 * th) / sp.sin(th), "derived"),
        Identity("uniform θ on (0, π) is invariant under θ ↦ 3θ mod π", invariant, 1 / sp.pi,
                 "derived"),
        Identity("Lyapunov exponent at η = 2", lam2, sp.log(3), "derived"),
    )
    closed = Closed(f, {1: mu1, 2: mu2}, {1: sp.Integer(1), 2: a2}, (eta1[0], eta2[0]),
                    means, xc, (merging, boundary), edge)
    return Derivation(steps, identities), closed
