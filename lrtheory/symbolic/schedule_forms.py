"""The schedules of claim H1 in symbols, and their ∫η, ∫η², Ση_t, Ση_t² in closed form.

:data:`CASES` lists every schedule of :mod:`lrtheory.schedules` with its horizon and the
closed forms (∫₀ᵀη, ∫₀ᵀη²) expected of it. :func:`closed_forms` *derives* them:

* a schedule without jumps by :func:`lrtheory.schedules.integrals` (∫) and
  :func:`lrtheory.models.decay_product.schedule_sum` (Σ_{t<T}, where SymPy sums it; the
  cosine's T steps as one cell, t = Tu, the same cell as an SGDR cycle of T steps);
* a schedule that jumps (step decay, the CLR triangles, SGDR) cell by cell: its formula on
  cell n of cycle k, t = start_n(k) + L_n(k)·u, 0 < u < 1, with every ⌊·⌋ resolved
  (:func:`case_cells`, :func:`lrtheory.symbolic.schedule_cells.on_cell`), integrated and
  summed over the cell for a symbolic k (:func:`cycle_forms`), then summed over the K whole
  cycles k = 0 … K − 1:  ∫₀ᵀη = Σ_{k<K} Σ_n L_n(k)∫₀¹η_n(u; k) du, and likewise for η², Σ.

:func:`published_identities` compares each schedule with the source's formula or its
published definition (Smith 2017 for CLR, Loshchilov & Hutter 2017 for SGDR) on a generic
cell, so for every cycle k at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import sympy as sp

from lrtheory import schedules as sch
from lrtheory.claim import Identity
from lrtheory.models.decay_product import schedule_sum
from lrtheory.schedules import Schedule
from lrtheory.symbolic.schedule_cells import cell_integrals, cell_sums, on_cell
from lrtheory.symbolic.series import finite_sum

# Symbols: η₀ (peak), η_min, horizon T, γ (step factor), c (exponential: γ = e^{−c}), power
# p, warm-up W, CLR half-cycle s, SGDR T₀ and T_mult = 1 + μ, cycle index k, cycles K.
E0, EMIN, C, P, W, MU, G = sp.symbols("eta_0 eta_min c p W mu gamma", positive=True)
T, S, T0, NK = sp.symbols("T s T_0 K", integer=True, positive=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
TIME = sp.Symbol("t", nonnegative=True)
U = sp.Symbol("u", positive=True)  # position in a cell of the schedule, 0 < u < 1
HALF, AMP = sp.Rational(1, 2), E0 - EMIN
Cells = tuple[tuple[sp.Expr, sp.Expr], ...]  # (t at u in cycle k, cell length) per cycle
Pair = tuple[sp.Expr, sp.Expr]


@dataclass(frozen=True)
class Case:
    """One schedule, built from symbols or numbers; its horizon; the closed forms (∫₀ᵀη,
    ∫₀ᵀη²) expected; whether Σ_{t<T}η_t, Σ_{t<T}η_t² equal them (derived below). A schedule
    that jumps has ``cells``: t(u) and length of its pieces in cycle k, and a horizon of K
    whole cycles; its integrals and sums are derived cell by cell for every k at once.
    ``form`` is how its derived closed forms are shown (an exact rewriting: common factors
    pulled out by default; SGDR's factored, the CLR triangles' expanded)."""

    label: str
    make: Callable[[Mapping[sp.Symbol, Any]], Schedule]
    upper: sp.Expr
    expected: tuple[sp.Expr, sp.Expr]
    sum_is_integral: tuple[bool, bool] = (False, False)
    cells: Cells = ()
    form: Callable[[sp.Expr], sp.Expr] = sp.factor_terms


def _exp(q: Mapping[sp.Symbol, Any]) -> Schedule:
    c = q[C]
    return sch.exponential_decay(q[E0], sp.exp(-c) if isinstance(c, sp.Basic) else math.exp(-c))


_SGDR_START = T0 * ((1 + MU) ** K - 1) / MU
CLR_CELLS: Cells = ((S * (2 * K + U), S), (S * (2 * K + 1 + U), S))
_GEOM = (1 - (1 + MU) ** NK) / (1 - (1 + MU))  # Σ_{k<K} (1 + μ)^k
CASES: tuple[Case, ...] = (
    Case("constant", lambda q: sch.constant(q[E0]), T, (E0 * T, E0**2 * T), (True, True)),
    Case("step decay η₀γ^⌊t/s⌋", lambda q: sch.step_decay(q[E0], q[G], q[S]), S * NK,
         (E0 * S * (1 - G**NK) / (1 - G), E0**2 * S * (1 - G ** (2 * NK)) / (1 - G**2)),
         (True, True), ((S * (K + U), S),)),
    Case("exponential η₀γᵗ", _exp, T,
         (E0 * (1 - sp.exp(-C * T)) / C, E0**2 * (1 - sp.exp(-2 * C * T)) / (2 * C))),
    Case("linear", lambda q: sch.linear_decay(q[E0], q[T]), T, (E0 * T / 2, E0**2 * T / 3)),
    Case("polynomial (1 − t/T)^p", lambda q: sch.polynomial_decay(q[E0], q[T], q[P]), T,
         (E0 * T / (P + 1), E0**2 * T / (2 * P + 1))),
    Case("cosine to η_min", lambda q: sch.cosine(q[E0], q[T], q[EMIN]), T,
         (T * (E0 + EMIN) / 2, T * (3 * E0**2 + 2 * E0 * EMIN + 3 * EMIN**2) / 8)),
    Case("triangular (CLR)", lambda q: sch.triangular(q[EMIN], q[E0], q[S]), 2 * S * NK,
         (2 * S * NK * EMIN + S * NK * AMP,
          2 * S * NK * (EMIN**2 + EMIN * AMP + AMP**2 / 3)), (True, False), CLR_CELLS,
         sp.expand),
    Case("triangular2 (CLR)", lambda q: sch.triangular2(q[EMIN], q[E0], q[S]), 2 * S * NK,
         (2 * S * NK * EMIN + 2 * S * AMP * (1 - 2**-NK),
          2 * S * NK * EMIN**2 + 4 * S * EMIN * AMP * (1 - 2**-NK)
          + 8 * S * AMP**2 * (1 - 4**-NK) / 9), (True, False), CLR_CELLS, sp.expand),
    Case("SGDR (T₀, T_mult = 1 + μ)", lambda q: sch.warm_restarts(q[E0], q[T0], 1 + q[MU], q[EMIN]),
         T0 * _GEOM, (T0 * _GEOM * (E0 + EMIN) / 2,
                      T0 * _GEOM * (3 * E0**2 + 2 * E0 * EMIN + 3 * EMIN**2) / 8),
         cells=((_SGDR_START + T0 * (1 + MU) ** K * U, T0 * (1 + MU) ** K),), form=sp.factor),
    Case("warm-up W + cosine over T", lambda q: sch.linear_warmup(sch.cosine(q[E0], q[T]), q[W]),
         W + T, (E0 * (W + T) / 2, E0**2 * W / 3 + 3 * E0**2 * T / 8), (True, False)),
)
SYMBOLS: dict[sp.Symbol, Any] = {x: x for x in (E0, EMIN, T, G, C, P, W, S, T0, MU)}
#: triangular2 on cycle k is triangular with its amplitude η₀ − η_min halved k times.
HALVED = {E0: EMIN + AMP / 2**K}


@cache
def case_cells(index: int) -> tuple[sp.Expr, ...]:
    """η on each cell of cycle k of a jumping case, ⌊·⌋ resolved (:func:`on_cell`)."""
    case = CASES[index]
    rate = case.make(SYMBOLS)(TIME)
    return tuple(on_cell(rate.subs(TIME, at), U) for at, _ in case.cells)


def _pair(exprs: list[Pair], sub: Mapping[sp.Basic, Any]) -> Pair:
    """The sums of the first and of the second entries, with ``sub`` substituted."""
    return (sp.expand(sp.Add(*(e[0] for e in exprs)).subs(sub)),
            sp.expand(sp.Add(*(e[1] for e in exprs)).subs(sub)))


def _cell_forms(rate: sp.Expr, length: sp.Expr) -> tuple[Pair, Pair]:
    """((∫η, ∫η²), (Ση_t, Ση_t²)) over one cell of ``length`` steps, η = ``rate`` in u: in the
    amplitude a = η₀ − η_min, where η² has fewer terms for SymPy to integrate and sum (and
    the same cell recurs: the cosine over T steps is SGDR's cycle of T_i = T steps)."""
    amp = sp.Symbol("a", positive=True)
    rate = rate.subs(E0, EMIN + amp)
    return (_pair([cell_integrals(rate, U, length)], {amp: AMP}),
            _pair([cell_sums(rate, U, length)], {amp: AMP}))


@cache
def cycle_forms(index: int) -> tuple[Pair, Pair]:
    """((∫η, ∫η²), (Ση_t, Ση_t²)) over cycle k of a schedule that jumps, cell by cell."""
    if index == 7:  # from triangular's, by the identity of their cells (checked in H1)
        ints, sums = cycle_forms(6)
        return _pair([ints], HALVED), _pair([sums], HALVED)
    case = CASES[index]
    forms = [_cell_forms(rate, length)
             for rate, (_, length) in zip(case_cells(index), case.cells, strict=True)]
    return _pair([f[0] for f in forms], {}), _pair([f[1] for f in forms], {})


def _squared_sums(schedule: Schedule) -> Pair:
    """(Σ_{t<T} η(t), Σ_{t<T} η(t)²) by schedule_sum."""
    return schedule_sum(schedule, T), schedule_sum(lambda t: schedule(t) ** 2, T)


def _shown(case: Case, first: sp.Expr, second: sp.Expr) -> Pair:
    """A pair of derived closed forms, expanded and then put in the case's ``form``."""
    return case.form(sp.expand(first)), case.form(sp.expand(second))


@dataclass(frozen=True)
class ClosedForms:
    """(∫₀ᵀη, ∫₀ᵀη²) of every case (``integrals[i]``) and (Σ_{t<T}η_t, Σ_{t<T}η_t²) of the
    cases SymPy sums (``sums[i]``)."""

    integrals: tuple[Pair, ...]
    sums: Mapping[int, Pair]


@cache
def closed_forms() -> ClosedForms:
    """(∫η, ∫η²) of every case and (Ση_t, Ση_t²) where SymPy sums them: by
    lrtheory.schedules.integrals and schedule_sum; for schedules that jump, per cycle k
    (:func:`cycle_forms`) and then over K whole cycles."""
    ints: list[Pair] = []
    sums: dict[int, Pair] = {}
    for index, case in enumerate(CASES):
        if not case.cells:
            first, second = sch.integrals(case.make(SYMBOLS), TIME, case.upper)
            ints.append(_shown(case, first, second))
            continue
        cycle_ints, cycle_sums = cycle_forms(index)
        ints.append(_shown(case, *(finite_sum(e, K, 0, NK - 1) for e in cycle_ints)))
        sums[index] = _shown(case, *(finite_sum(e, K, 0, NK - 1) for e in cycle_sums))
    for index in (2, 3):  # exponential, linear: T symbolic
        sums[index] = _squared_sums(CASES[index].make(SYMBOLS))
    # The cosine's T steps are one cell, t = Tu (SGDR's cycle k is the same cell, T_i steps).
    sums[5] = _shown(CASES[5], *_cell_forms(on_cell(CASES[5].make(SYMBOLS)(T * U), U), T)[1])
    # warm-up + cosine: the ramp's steps t < W, then the cosine's T steps (W an integer).
    j = sp.Symbol("j", integer=True, nonnegative=True)
    ramp = [finite_sum((E0 * j / W) ** e, j, 0, W - 1) for e in (1, 2)]
    sums[9] = (ramp[0] + sums[5][0].subs(EMIN, 0), ramp[1] + sums[5][1].subs(EMIN, 0))
    return ClosedForms(tuple(ints), sums)


def published_identities() -> list[Identity]:
    """Each schedule against the source's formula (seed 003) or its published definition,
    on a generic cell of cycle k (0 < u < 1), so for every k at once."""
    a_min, a_max = sp.symbols("alpha_min alpha_max", positive=True)
    cyc = sp.floor(1 + TIME / (2 * S))  # Smith (2017): cycle c; x = |t/s − 2c + 1|
    tri = sp.Max(0, 1 - sp.Abs(TIME / S - 2 * cyc + 1))
    warm = sch.linear_warmup(sch.cosine(a_max, T), W)(TIME)
    m1_cell = T0 * (K + U)
    out = [
        Identity("exponential: α_t = α₀γ^t", sch.exponential_decay(a_max, G)(TIME),
                 a_max * G**TIME),
        Identity("linear: α_t = α₀(1 − t/T)", sch.linear_decay(a_max, T)(TIME),
                 a_max * (1 - TIME / T)),
        Identity("cosine: α_t = α_min + ½(α_max − α_min)(1 + cos(πt/T))",
                 sch.cosine(a_max, T, a_min)(TIME),
                 a_min + HALF * (a_max - a_min) * (1 + sp.cos(sp.pi * TIME / T))),
        Identity("step decay, α₀ = 0.1 halved every 10 epochs: stage k is 0.1·0.5^k",
                 case_cells(1)[0].subs({E0: sp.Rational(1, 10), G: HALF}),
                 sp.Rational(1, 10) * HALF**K, note="the stage is t ∈ [ks, ks + s)"),
        Identity("linear warm-up (t < W): α_t = α_min + (α_max − α_min)t/W with α_min = 0",
                 warm.args[0].expr, a_max * TIME / W,
                 note="the library warms up from 0 (Goyal et al. 2017)"),
        Identity("warm-up ends at the decay's start: η(W⁻) = η_d(0)",
                 sp.limit(warm.args[0].expr, TIME, W), a_max, "derived"),
        Identity("polynomial decay with p = 1 is linear decay",
                 sch.polynomial_decay(E0, T, 1)(TIME), sch.linear_decay(E0, T)(TIME), "derived"),
        Identity("SGDR on cycle k: η_min + ½(η₀ − η_min)(1 + cos(πT_cur/T_i)), T_cur = uT_i",
                 case_cells(8)[0], EMIN + HALF * AMP * (1 + sp.cos(sp.pi * U)), "modelled",
                 note="Loshchilov & Hutter (2017), eq. (5); T_i = T₀(1 + μ)^k"),
        Identity("SGDR, T_mult = 1: the same with T_cur = t mod T₀",
                 sp.expand(on_cell(sch.warm_restarts(E0, T0, 1, EMIN)(TIME).subs(
                     TIME, m1_cell), U)),
                 on_cell((EMIN + HALF * AMP * (1 + sp.cos(sp.pi * sp.Mod(TIME, T0) / T0)))
                         .subs(TIME, m1_cell), U), "modelled"),
    ]
    smith = {6: tri, 7: tri / 2 ** (cyc - 1), -1: tri * sp.exp(-C * TIME)}
    for index, wave in smith.items():
        name = CASES[index].label if index >= 0 else "exp_range (CLR)"
        lib = case_cells(index) if index >= 0 else tuple(
            on_cell(sch.exp_range(EMIN, E0, S, sp.exp(-C))(TIME).subs(TIME, at), U)
            for at, _ in CLR_CELLS)
        pub = tuple(on_cell((EMIN + AMP * wave).subs(TIME, at), U) for at, _ in CLR_CELLS)
        out.append(Identity(f"{name}: Smith (2017) on both half-cycles 2k, 2k + 1",
                            sp.Tuple(*lib), sp.Tuple(*pub), "modelled",
                            note="max(0, 1 − |t/s − 2c + 1|), c = ⌊1 + t/(2s)⌋"))
    return out
