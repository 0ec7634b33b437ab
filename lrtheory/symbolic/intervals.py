"""Exact arithmetic on interval ends, intervals and piecewise-constant cells, over the field
of the parameters (the machinery of :mod:`lrtheory.symbolic.maps`).

An interval end is an element of SymPy's fraction field QQ(p₁, …, p_m) of the parameters
(every symbol but the map's variable), or ``None`` for ±∞ (:data:`End`, :class:`Field`).
There +, −, ×, ÷ are exact and cheap, and a sign — hence every order comparison — is decided
from the coefficients when all parameters are positive, and from SymPy's assumptions
otherwise; an undecidable one raises :class:`UndecidableOrderError`. On top of that:

* :class:`Span`, an interval with open or closed ends, and what piecewise-affine maps need
  of it: :func:`intersect`, the image or preimage under y = m·x + c (:func:`affine_image`),
  sorted disjoint unions (:func:`merge`), a point removed (:func:`remove_point`), and the
  conversions from and to SymPy sets (:func:`to_span`, :func:`to_set`);
* :data:`Cell`, a bounded interval with a value (a piece of a piecewise-constant density),
  and cell lists summed where they overlap (:func:`canonical`), restricted to a union of
  spans (:func:`restrict`), and compared up to a factor (:func:`cell_ratio`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from lrtheory.errors import ParameterError


class UndecidableOrderError(ValueError):
    """Two interval ends cannot be ordered under the symbols' assumptions."""


End = Any  # an element of the parameters' rational-function field, or None for ±∞

Cell = tuple[End, End, End]  # finite lo < hi and the value, in the parameter field


class Field:
    """Rational functions of the parameters (every symbol but the map's variable).

    Interval ends live in SymPy's fraction field QQ(p₁, …, p_m), where +, −, ×, ÷ are
    exact and cheap; a sign is decided from the coefficients when every parameter is
    positive (a numerator and a denominator with coefficients of one sign each), and by
    SymPy's assumptions on the expression otherwise.
    """

    def __init__(self, exprs: Sequence[sp.Basic], x: sp.Symbol) -> None:
        params: set[sp.Symbol] = set()
        for e in exprs:
            params |= {v for v in sp.sympify(e).free_symbols if v != x}
        self.params = sorted(params, key=str)
        self.K = sp.QQ.frac_field(*self.params) if self.params else sp.QQ.frac_field(
            sp.Dummy("none"))
        self.positive = all(bool(v.is_positive) for v in self.params)

    def to(self, e: sp.Expr) -> End:
        """``e`` as a field element (None when infinite)."""
        e = sp.sympify(e)
        if e.is_infinite:
            return None
        try:
            return self.K.from_sympy(e)
        except (sp.CoercionFailed, sp.GeneratorsError, ValueError) as exc:
            raise ParameterError("expression", e,
                                 f"a rational function of {self.params}") from exc

    def back(self, f: End, infinity: sp.Expr) -> sp.Expr:
        """A field element as a SymPy expression; None becomes ``infinity``."""
        return infinity if f is None else self.K.to_sympy(self.K.convert(f))

    def sign(self, f: End) -> int:
        """The sign (−1, 0, 1) of ``f`` under the parameters' assumptions."""
        f = self.K.convert(f)  # (zero element) − 1 comes back as a Python int
        if f == self.K.zero:
            return 0
        if self.positive:
            signs = {c > 0 for c in f.numer.coeffs()}, {c > 0 for c in f.denom.coeffs()}
            if len(signs[0]) == 1 and len(signs[1]) == 1:
                return 1 if signs[0] == signs[1] else -1
        e = sp.factor(self.K.to_sympy(f))
        if e.is_positive:
            return 1
        if e.is_negative:
            return -1
        raise UndecidableOrderError(f"cannot decide the sign of {e} under the symbols' assumptions")


@dataclass(frozen=True)
class Span:
    """An interval [lo, hi] with open/closed ends; lo = None is −∞ and hi = None is +∞."""

    lo: End
    hi: End
    lo_open: bool
    hi_open: bool


def compare_ends(F: Field, a: End, b: End, a_inf: int, b_inf: int) -> int:
    """Order two ends (−1, 0, 1); ``a_inf``/``b_inf`` is the sign (±1) of the infinity a
    ``None`` end stands for."""
    if a is None and b is None:
        return (a_inf > b_inf) - (a_inf < b_inf)
    if a is None:
        return a_inf
    if b is None:
        return -b_inf
    return F.sign(a - b)


def make_span(F: Field, lo: End, hi: End, lo_open: bool, hi_open: bool) -> Span | None:
    """The span from ``lo`` to ``hi``, or None when it is empty; infinite ends are open."""
    c = compare_ends(F, lo, hi, -1, 1)
    if c > 0 or (c == 0 and (lo_open or hi_open)):
        return None
    return Span(lo, hi, lo_open or lo is None, hi_open or hi is None)


def intersect(F: Field, a: Span | None, b: Span | None) -> Span | None:
    """a ∩ b (None for the empty set)."""
    if a is None or b is None:
        return None
    c = compare_ends(F, a.lo, b.lo, -1, -1)
    lo, lo_open = (a.lo, a.lo_open) if c > 0 else (b.lo, b.lo_open) if c < 0 else (
        a.lo, a.lo_open or b.lo_open)
    c = compare_ends(F, a.hi, b.hi, 1, 1)
    hi, hi_open = (a.hi, a.hi_open) if c < 0 else (b.hi, b.hi_open) if c > 0 else (
        a.hi, a.hi_open or b.hi_open)
    return make_span(F, lo, hi, lo_open, hi_open)


def affine_image(F: Field, m: End, c: End, s: Span | None,
                 inverse: bool = False) -> Span | None:
    """The image of a span under y = m·x + c (or its preimage when ``inverse``)."""
    if s is None:
        return None
    sgn = F.sign(m)
    if sgn == 0:  # a constant map: its image is the point c; its preimage all or nothing
        point = Span(c, c, False, False)
        if not inverse:
            return point
        return Span(None, None, True, True) if intersect(F, s, point) else None

    def f(v: End) -> End:
        if v is None:
            return None
        return (v - c) / m if inverse else m * v + c

    if sgn > 0:
        return make_span(F, f(s.lo), f(s.hi), s.lo_open, s.hi_open)
    return make_span(F, f(s.hi), f(s.lo), s.hi_open, s.lo_open)


def merge(F: Field, spans: Sequence[Span | None]) -> list[Span]:
    """Sorted, disjoint pieces covering the union of ``spans``."""
    pieces = [s for s in spans if s is not None]

    def by_start(a: Span, b: Span) -> int:
        return compare_ends(F, a.lo, b.lo, -1, -1) or int(a.lo_open) - int(b.lo_open)

    pieces.sort(key=functools.cmp_to_key(by_start))
    out: list[Span] = []
    for s in pieces:
        if out:
            last = out[-1]
            c = compare_ends(F, s.lo, last.hi, -1, 1)
            if c < 0 or (c == 0 and not (last.hi_open and s.lo_open)):
                c = compare_ends(F, s.hi, last.hi, 1, 1)
                hi, hi_open = (s.hi, s.hi_open) if c > 0 else (
                    last.hi, last.hi_open and s.hi_open) if c == 0 else (last.hi, last.hi_open)
                out[-1] = Span(last.lo, hi, last.lo_open, hi_open)
                continue
        out.append(s)
    return out


def remove_point(F: Field, spans: Sequence[Span], p: End) -> list[Span]:
    """Disjoint ``spans`` less the finite point ``p``."""
    out: list[Span] = []
    for s in spans:
        point = Span(p, p, False, False)
        if intersect(F, s, point) is None:
            out.append(s)
            continue
        out.extend(piece for piece in (make_span(F, s.lo, p, s.lo_open, True),
                                       make_span(F, p, s.hi, True, s.hi_open)) if piece)
    return out


def to_span(F: Field, s: sp.Set) -> Span | None:
    """A SymPy interval or single point as a span (None for the empty set)."""
    if s is sp.S.EmptySet:
        return None
    if isinstance(s, sp.FiniteSet) and len(s) == 1:
        p = F.to(s.args[0])
        return Span(p, p, False, False)
    if isinstance(s, sp.Interval):
        return make_span(F, F.to(s.start), F.to(s.end), bool(s.left_open), bool(s.right_open))
    raise ParameterError("set", s, "an interval or a single point")


def to_set(F: Field, s: Span | None) -> sp.Set:
    """A span as a SymPy set: EmptySet, a single point or an interval."""
    if s is None:
        return sp.S.EmptySet
    lo, hi = F.back(s.lo, -sp.oo), F.back(s.hi, sp.oo)
    if s.lo is not None and s.hi is not None and F.sign(s.hi - s.lo) == 0:
        return sp.FiniteSet(lo)
    return sp.Interval(lo, hi, s.lo_open, s.hi_open)


def sort_key(F: Field) -> Any:
    """A sort key ordering finite ends by the sign of their difference."""

    def compare(a: End, b: End) -> int:
        return F.sign(a - b)

    return functools.cmp_to_key(compare)


def canonical(F: Field, cells: Sequence[Cell]) -> list[Cell]:
    """Cells summed where they overlap: sorted, disjoint, adjacent equal values merged, zero
    cells dropped."""
    ends: list[End] = []
    for lo, hi, _ in cells:
        for e in (lo, hi):
            if all(F.sign(e - f) != 0 for f in ends):
                ends.append(e)
    ends.sort(key=sort_key(F))
    out: list[Cell] = []
    for left, right in itertools.pairwise(ends):
        v = F.K.zero
        for lo, hi, w in cells:
            if F.sign(left - lo) >= 0 and F.sign(hi - right) >= 0:
                v = v + w
        v = F.K.convert(v)
        if v == F.K.zero:
            continue
        if out and F.sign(out[-1][1] - left) == 0 and F.K.convert(out[-1][2] - v) == F.K.zero:
            out[-1] = (out[-1][0], right, v)
        else:
            out.append((left, right, v))
    return out


def restrict(F: Field, cells: Sequence[Cell], spans: Sequence[Span]) -> list[Cell]:
    """1_S ρ for S the union of disjoint ``spans``."""
    out: list[Cell] = []
    for lo, hi, v in cells:
        for s in spans:
            part = intersect(F, Span(lo, hi, False, False), s)
            if part is not None and F.sign(part.hi - part.lo) != 0:
                out.append((part.lo, part.hi, v))
    return canonical(F, out)


def cell_ratio(F: Field, a: Sequence[Cell], b: Sequence[Cell]) -> End | None:
    """r with a = r·b cell by cell, or None."""
    if len(a) != len(b) or not a:
        return None
    r = F.K.convert(a[0][2]) / b[0][2]
    for (alo, ahi, av), (blo, bhi, bv) in zip(a, b, strict=True):
        if F.sign(alo - blo) != 0 or F.sign(ahi - bhi) != 0 or F.K.convert(av - r * bv) != F.K.zero:
            return None
    return r
