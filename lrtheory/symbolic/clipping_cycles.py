"""Clipped gradient descent beyond the stability bound, derived with SymPy (claim N1).

Clipped GD on f(x) = (λ/2)x² is the odd, continuous, piecewise-affine map
F(x) = x − η·clip(λx), clip(g) = g·min(1, C/|g|) (:func:`lrtheory.models.clipping.symbolic_map`,
in u = λx/C a map of ηλ alone, :func:`~lrtheory.models.clipping.unit_map`). With the exact
piecewise-affine toolbox (:class:`lrtheory.symbolic.maps.PiecewiseAffineMap`):

* the origin attracts iff η < 2/λ; for 1 < ηλ < 2 there is no 2-cycle and every orbit enters
  |x| ≤ C/λ, where |1 − ηλ| < 1 contracts;
* at ηλ = 2 the linear region flips x ↦ −x: every |x| ≤ C/λ is on a 2-cycle;
* for ηλ = 2 + s > 2 every point of C/λ ≤ |x| ≤ A, A = C(ηλ − 1)/λ, lies on a neutral
  2-cycle {x, x − ηC·sgn x} (multiplier 1, peak-to-peak ηC), there is no 3- or 4-cycle,
  [−A, A] is absorbing, and 0 ← ηCℤ;
* pushing uniform starts on [−NηC, NηC] through the map (Perron–Frobenius,
  :func:`lrtheory.models.clipping.amplitude_law`) lands all of them on cycles, with the
  amplitude uniform on [ηC/2, A] (on [0, C/λ] at ηλ = 2): C(ηλ − 1)/λ is the *largest*
  amplitude, not that of the cycle reached.

:func:`derivation` assembles N1's steps and identities.
"""

from __future__ import annotations

import functools

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.models.clipping import (
    C_SYM,
    DELTA,
    ETA,
    LAM,
    N_PERIODS,
    S,
    X,
    amplitude_law,
    cells,
    symbolic_map,
    to_x,
    unit_map,
)
from lrtheory.symbolic.linear import stable_interval


def _uniform_on(lo: sp.Expr, hi: sp.Expr) -> sp.Tuple:
    """The uniform density on [lo, hi] as one (interval, value) cell."""
    return sp.Tuple(sp.Tuple(sp.Interval(lo, hi), 1 / (hi - lo)))


@functools.cache
def derivation() -> Derivation:
    """N1's steps and identities (module docstring)."""
    eta, lam, C, x = ETA, LAM, C_SYM, X
    m = symbolic_map()
    F, F_u = m.F, m.F_u
    q = sp.diff(F[0], x)
    attracting = stable_interval(q, eta)
    back = {S: eta * lam - 2}

    def in_x(pieces: list[sp.Set]) -> list[sp.Set]:
        return [to_x(p).subs(back) for p in pieces]

    beyond = unit_map(2 + S)
    sets2 = beyond.periodic_sets(2)
    prime2 = in_x(beyond.prime_periodic_points(2))
    A = prime2[-1].end
    neutral = next(p.multiplier for p in sets2 if p.itinerary == ("clipped +", "clipped −"))
    p2, p4 = in_x(beyond.periodic_points(2)), in_x(beyond.periodic_points(4))
    prime3 = beyond.prime_periodic_points(3)
    a_u = 1 + S  # A in units of C/λ
    absorbing = in_x(beyond.image(sp.Interval(-a_u, a_u)))
    linear_image = in_x(beyond.image(sp.Interval(-1, 1)))
    outside_image = in_x(beyond.image(sp.Interval.open(a_u, sp.oo)))
    zero_preimage = in_x([beyond.preimage("clipped +", sp.FiniteSet(0))])[0]
    threshold_image = F[0].subs(x, C / lam)
    peak_to_peak = sp.simplify(x - F[1])
    symmetric = sp.solve(sp.Eq(F[1], -x), x)[0]
    law, bound = amplitude_law("beyond"), amplitude_law("bound")
    p2_boundary = in_x(unit_map(sp.Integer(2)).periodic_points(2))
    below = unit_map(1 + 1 / (1 + S))  # 1 < ηλ < 2
    prime2_below = below.prime_periodic_points(2)
    below_back = {S: 1 / (eta * lam - 1) - 1}
    entry_below = to_x(below.image(sp.Interval.open(1, sp.oo))[0]).start.subs(below_back)
    stated_A = C * (eta * lam - 1) / lam
    half, unit = eta * C / 2, C / lam
    steps = (
        Step("clip(g) = g·min(1, C/|g|): ratio clip/g for |g| ≤ C", m.ratio_linear),
        Step("clip(g) for g > C and g < −C", sp.Tuple(*m.clipped)),
        Step("branches of F(x) = x − η·clip(λx)", sp.Tuple(*F)),
        Step("branches in u = λx/C (depend on ηλ only)", sp.Tuple(*F_u)),
        Step("fixed point and its multiplier", sp.Tuple(sp.solveset(F[0] - x, x), q)),
        Step("origin attracting for η in", attracting),
        Step("ηλ = 2+s: period-2 sets by itinerary (points, multiplier)",
             sp.Tuple(*(sp.Tuple(sp.Tuple(*map(sp.Symbol, p.itinerary)), p.points, p.multiplier)
                        for p in sets2))),
        Step("ηλ > 2: prime period-2 points", sp.Union(*prime2)),
        Step("ηλ > 2: period-4 points (= period-2: no 4-cycle; Sharkovskii ⇒ no k-cycle, k>2)",
             sp.Union(*p4)),
        Step("ηλ > 2: F([−A, A]) (absorbing) and F of the linear region",
             sp.Tuple(*absorbing, *linear_image)),
        Step("ηλ > 2: F((A, ∞)): each step outside moves ηC inwards, never past −A",
             outside_image[0]),
        Step("preimage of 0 on the clipped branch (so 0 ← ηCℤ)", zero_preimage),
        *(Step(n, e) for n, e in law.trail("ηλ = 2+s")),
        Step("ηλ = 2: period-2 points (the whole linear region flips x ↦ −x)",
             sp.Union(*p2_boundary)),
        *(Step(n, e) for n, e in bound.trail("ηλ = 2")),
        Step("1 < ηλ < 2: prime period-2 points", sp.Tuple(*prime2_below)),
        Step("1 < ηλ < 2: F((C/λ, ∞)) starts at C/λ − ηC > −C/λ: the clipped steps end "
             "inside |x| ≤ C/λ, where |1 − ηλ| < 1 contracts", entry_below),
    )
    n_note = (f"Pushforward of x₀ uniform on [−NηC, NηC] with N = {N_PERIODS} whole periods "
              "(the Monte Carlo's start law): mechanised for this one N, for every ηλ in the "
              "regime; other N (or other start laws) are not checked.")
    identities = (
        Identity("non-clipping branch", F[0], (1 - eta * lam) * x),
        Identity("clipping branch (x > C/λ)", F[1], x - eta * C),
        Identity("origin attracting iff η < 2/λ (repelling beyond)", attracting,
                 sp.Interval.open(0, 2 / lam)),
        Identity("largest amplitude over the 2-cycles, ηλ > 2", A, stated_A),
        Identity("largest amplitude over the 2-cycles, ηλ = 2", p2_boundary[-1].end,
                 stated_A.subs(eta, 2 / lam)),
        Identity("2-cycle points x > 0 form an interval, ηλ > 2",
                 prime2[-1], sp.Interval(unit, stated_A), "derived"),
        Identity("multiplier of every clipped 2-cycle (neutral)", neutral, sp.Integer(1),
                 "derived"),
        Identity("peak-to-peak of every clipped 2-cycle", peak_to_peak, eta * C, "derived"),
        Identity("symmetric 2-cycle ±x*", symmetric, half, "derived"),
        Identity("period-4 points = period-2 points, ηλ > 2", sp.Tuple(*p4), sp.Tuple(*p2),
                 "derived"),
        Identity("no 3-cycle, ηλ > 2", sp.Tuple(*prime3), sp.Tuple(), "derived"),
        Identity("absorbing interval F([−A, A]) = [−A, A]", sp.Tuple(*absorbing),
                 sp.Tuple(sp.Interval(-stated_A, stated_A)), "derived"),
        Identity("the linear region maps onto [−A, A]", sp.Tuple(*linear_image),
                 sp.Tuple(sp.Interval(-stated_A, stated_A)), "derived"),
        Identity("F((A, ∞)) = (−C/λ, ∞): left end", outside_image[0].start, -unit,
                 "derived", note="open at −C/λ and unbounded above (shown in the steps)"),
        Identity("image of the clipping threshold C/λ", threshold_image, -stated_A, "derived"),
        Identity("preimage of 0 on the clipped branch", zero_preimage, sp.FiniteSet(eta * C),
                 "derived"),
        Identity("every uniform start lands on a cycle (landing mass 1), ηλ > 2", law.mass,
                 sp.Integer(1), "derived", note=n_note),
        Identity("landing point uniform on C/λ ≤ |x| ≤ A, ηλ > 2", cells(law.landing),
                 sp.Tuple(sp.Tuple(sp.Interval(-stated_A, -unit), 1 / (2 * (stated_A - unit))),
                          sp.Tuple(sp.Interval(unit, stated_A), 1 / (2 * (stated_A - unit)))),
                 "derived", note=n_note),
        Identity("amplitude uniform on [ηC/2, A], ηλ > 2", cells(law.amplitude),
                 _uniform_on(half, stated_A), "derived", note=n_note),
        Identity("mean amplitude, uniform starts, ηλ > 2", law.mean, (half + stated_A) / 2,
                 "derived", note=n_note),
        Identity("P(amplitude > A − δ) = δ/(A − ηC/2) for 0 < δ ≤ A − ηC/2, ηλ > 2",
                 sp.Tuple(law.tail, law.tail_range),
                 sp.Tuple(DELTA / (stated_A - half), stated_A - half), "derived", note=n_note),
        Identity("every uniform start lands on a cycle (landing mass 1), ηλ = 2", bound.mass,
                 sp.Integer(1), "derived", note=n_note),
        Identity("amplitude uniform on [0, C/λ], ηλ = 2", cells(bound.amplitude),
                 _uniform_on(sp.Integer(0), unit), "derived", note=n_note),
        Identity("mean amplitude, uniform starts, ηλ = 2", bound.mean, C / (2 * lam),
                 "derived", note=n_note),
        Identity("P(amplitude > C/λ − δ) = δλ/C for 0 < δ ≤ C/λ, ηλ = 2",
                 sp.Tuple(bound.tail, bound.tail_range), sp.Tuple(DELTA * lam / C, unit),
                 "derived", note=n_note),
        Identity("no 2-cycle for 1 < ηλ < 2", sp.Tuple(*prime2_below), sp.Tuple(), "derived"),
        Identity("1 < ηλ < 2: F((C/λ, ∞)) left end", entry_below, unit - eta * C, "derived"),
        Identity("amplitude of the cycle reached = C(ηλ−1)/λ", law.mean, stated_A,
                 expect_equal=False,
                 note="Finding: C(ηλ−1)/λ is the largest amplitude of a continuum of cycles; "
                      "the cycle reached from a uniform start has mean amplitude "
                      "(ηC/2 + C(ηλ−1)/λ)/2."),
    )
    return Derivation(steps, identities)
