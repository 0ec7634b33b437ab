"""Fixed points, k-cycles and densities of piecewise-affine maps of the line, exactly, with SymPy.

(Smooth, polynomial maps — iterates, prime-period polynomials, multipliers, flip conditions —
live in :mod:`lrtheory.symbolic.cycles`.)

**Piecewise-affine maps** (:class:`PiecewiseAffineMap`) given by :class:`Branch` es, each
an affine expression valid on an interval (clipped GD: a linear branch and two clipped
ones). A k-cycle visits the branches in some *itinerary* (b₀, …, b_{k−1}); on a fixed
itinerary the k-th iterate is the composition h = f_{b_{k−1}} ∘ … ∘ f_{b₀}, and the
period-k points with that itinerary are

    { x : x ∈ D_{b₀}, h₁(x) ∈ D_{b₁}, …, h_{k−1}(x) ∈ D_{b_{k−1}}, h(x) = x },

found by :meth:`PiecewiseAffineMap.periodic_sets`: the constraint region is an
intersection of preimages of the branch domains (intervals, since the branches are affine
and monotone), and h(x) − x is affine too, so it either has one root or vanishes
identically — then the *whole region* is period-k (a continuum of cycles, as for clipped GD
beyond 2/λ). The multiplier (f^k)' is the product of the branch slopes (chain rule).
Interval ends may be symbolic; every order comparison is decided from the symbols'
assumptions (for example ηλ = 2 + s with s > 0) and an undecidable one raises
:class:`UndecidableOrderError`.

**Densities.** A piecewise-constant density ρ (a :data:`Density`: interval cells with
values) is pushed forward exactly by :meth:`PiecewiseAffineMap.transfer`, the
Perron–Frobenius operator of the map,

    (Lρ)(y) = Σ_b ρ(f_b⁻¹(y)) / |f_b'| · 1[f_b⁻¹(y) ∈ D_b],

which on affine branches is again piecewise constant: a cell I of value v contributes
v/|m_b| on f_b(I ∩ D_b), |m_b| the branch's Jacobian. :meth:`PiecewiseAffineMap.absorption`
follows a start density until it first enters a target set P: with ρ₀ the start, the part
landing at step n is 1_P ρ_n and the rest moves on, ρ_{n+1} = L(1_{P^c} ρ_n). When the
unlanded part repeats up to a factor, 1_{P^c} ρ_n = r · 1_{P^c} ρ_{n−1} (checked exactly,
cell by cell), linearity gives landed_{n+j} = r^j · landed_n for every j ≥ 0, and the
landing density is the finite sum Σ_{k<n} landed_k plus landed_n · Σ_{j≥0} r^j (SymPy's
``summation``; it converges iff 0 ≤ r < 1, decided from the assumptions).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from lrtheory.errors import ParameterError, check_int


class UndecidableOrderError(ValueError):
    """Two interval ends cannot be ordered under the symbols' assumptions."""


def _check_symbol(x: object, name: str = "x") -> None:
    if not isinstance(x, sp.Symbol):
        raise ParameterError(name, x, "a SymPy Symbol")


# --------------------------------------------------------------------------------------
# Exact arithmetic on interval ends
# --------------------------------------------------------------------------------------

End = Any  # an element of the parameters' rational-function field, or None for ±∞


class _Field:
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
        e = sp.sympify(e)
        if e.is_infinite:
            return None
        try:
            return self.K.from_sympy(e)
        except (sp.CoercionFailed, sp.GeneratorsError, ValueError) as exc:
            raise ParameterError("expression", e,
                                 f"a rational function of {self.params}") from exc

    def back(self, f: End, infinity: sp.Expr) -> sp.Expr:
        return infinity if f is None else self.K.to_sympy(self.K.convert(f))

    def sign(self, f: End) -> int:
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
class _Span:
    """An interval [lo, hi] with open/closed ends; lo = None is −∞ and hi = None is +∞."""

    lo: End
    hi: End
    lo_open: bool
    hi_open: bool


def _cmp(F: _Field, a: End, b: End, a_inf: int, b_inf: int) -> int:
    """Order two ends (−1, 0, 1); ``a_inf``/``b_inf`` is the sign (±1) of the infinity a
    ``None`` end stands for."""
    if a is None and b is None:
        return (a_inf > b_inf) - (a_inf < b_inf)
    if a is None:
        return a_inf
    if b is None:
        return -b_inf
    return F.sign(a - b)


def _span(F: _Field, lo: End, hi: End, lo_open: bool, hi_open: bool) -> _Span | None:
    c = _cmp(F, lo, hi, -1, 1)
    if c > 0 or (c == 0 and (lo_open or hi_open)):
        return None
    return _Span(lo, hi, lo_open or lo is None, hi_open or hi is None)


def _intersect(F: _Field, a: _Span | None, b: _Span | None) -> _Span | None:
    if a is None or b is None:
        return None
    c = _cmp(F, a.lo, b.lo, -1, -1)
    lo, lo_open = (a.lo, a.lo_open) if c > 0 else (b.lo, b.lo_open) if c < 0 else (
        a.lo, a.lo_open or b.lo_open)
    c = _cmp(F, a.hi, b.hi, 1, 1)
    hi, hi_open = (a.hi, a.hi_open) if c < 0 else (b.hi, b.hi_open) if c > 0 else (
        a.hi, a.hi_open or b.hi_open)
    return _span(F, lo, hi, lo_open, hi_open)


def _affine_map(F: _Field, m: End, c: End, s: _Span | None,
                inverse: bool = False) -> _Span | None:
    """The image of a span under y = m·x + c (or its preimage when ``inverse``)."""
    if s is None:
        return None
    sgn = F.sign(m)
    if sgn == 0:  # a constant map: its image is the point c; its preimage all or nothing
        point = _Span(c, c, False, False)
        if not inverse:
            return point
        return _Span(None, None, True, True) if _intersect(F, s, point) else None

    def f(v: End) -> End:
        if v is None:
            return None
        return (v - c) / m if inverse else m * v + c

    if sgn > 0:
        return _span(F, f(s.lo), f(s.hi), s.lo_open, s.hi_open)
    return _span(F, f(s.hi), f(s.lo), s.hi_open, s.lo_open)


def _merge(F: _Field, spans: Sequence[_Span | None]) -> list[_Span]:
    """Sorted, disjoint pieces covering the union of ``spans``."""
    pieces = [s for s in spans if s is not None]

    def by_start(a: _Span, b: _Span) -> int:
        return _cmp(F, a.lo, b.lo, -1, -1) or int(a.lo_open) - int(b.lo_open)

    pieces.sort(key=functools.cmp_to_key(by_start))
    out: list[_Span] = []
    for s in pieces:
        if out:
            last = out[-1]
            c = _cmp(F, s.lo, last.hi, -1, 1)
            if c < 0 or (c == 0 and not (last.hi_open and s.lo_open)):
                c = _cmp(F, s.hi, last.hi, 1, 1)
                hi, hi_open = (s.hi, s.hi_open) if c > 0 else (
                    last.hi, last.hi_open and s.hi_open) if c == 0 else (last.hi, last.hi_open)
                out[-1] = _Span(last.lo, hi, last.lo_open, hi_open)
                continue
        out.append(s)
    return out


def _remove_point(F: _Field, spans: Sequence[_Span], p: End) -> list[_Span]:
    out: list[_Span] = []
    for s in spans:
        point = _Span(p, p, False, False)
        if _intersect(F, s, point) is None:
            out.append(s)
            continue
        out.extend(piece for piece in (_span(F, s.lo, p, s.lo_open, True),
                                       _span(F, p, s.hi, True, s.hi_open)) if piece)
    return out


def _to_span(F: _Field, s: sp.Set) -> _Span | None:
    if s is sp.S.EmptySet:
        return None
    if isinstance(s, sp.FiniteSet) and len(s) == 1:
        p = F.to(s.args[0])
        return _Span(p, p, False, False)
    if isinstance(s, sp.Interval):
        return _span(F, F.to(s.start), F.to(s.end), bool(s.left_open), bool(s.right_open))
    raise ParameterError("set", s, "an interval or a single point")


def _to_set(F: _Field, s: _Span | None) -> sp.Set:
    if s is None:
        return sp.S.EmptySet
    lo, hi = F.back(s.lo, -sp.oo), F.back(s.hi, sp.oo)
    if s.lo is not None and s.hi is not None and F.sign(s.hi - s.lo) == 0:
        return sp.FiniteSet(lo)
    return sp.Interval(lo, hi, s.lo_open, s.hi_open)


# --------------------------------------------------------------------------------------
# Piecewise-affine maps
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    """One branch of a piecewise map: ``expr`` (affine in the map's variable) valid on
    ``domain`` (an interval, open, closed or half-open, possibly unbounded)."""

    name: str
    expr: sp.Expr
    domain: sp.Set


@dataclass(frozen=True)
class PeriodicSet:
    """Period-k points whose orbit follows ``itinerary``; ``multiplier`` is (f^k)' there,
    the product of the branch slopes along the itinerary (chain rule)."""

    itinerary: tuple[str, ...]
    points: sp.Set
    multiplier: sp.Expr


class PiecewiseAffineMap:
    """A continuous or discontinuous map of the line made of affine :class:`Branch` es."""

    def __init__(self, x: sp.Symbol, branches: Sequence[Branch]) -> None:
        _check_symbol(x)
        if not branches:
            raise ParameterError("branches", list(branches), "at least one Branch")
        self.x = x
        self.branches = tuple(branches)
        exprs: list[sp.Basic] = [b.expr for b in branches]
        for b in branches:
            if isinstance(b.domain, sp.Interval):
                exprs += [e for e in (b.domain.start, b.domain.end) if not e.is_infinite]
        self.F = _Field(exprs, x)
        self._affine: list[tuple[End, End, _Span | None]] = []
        for b in branches:
            m = sp.diff(b.expr, x)
            if m.has(x):
                raise ParameterError(f"branch {b.name!r}", b.expr, f"affine in {x}")
            self._affine.append((self.F.to(m), self.F.to(b.expr.subs(x, 0)),
                                 _to_span(self.F, b.domain)))
        self._found: dict[int, list[PeriodicSet]] = {}

    def periodic_sets(self, k: int) -> list[PeriodicSet]:
        """Every non-empty set of period-k points, one per itinerary (module docstring)."""
        check_int("k", k, 1)
        if k not in self._found:
            self._found[k] = self._periodic_sets(k)
        return list(self._found[k])

    def _periodic_sets(self, k: int) -> list[PeriodicSet]:
        F, found = self.F, []
        for path in itertools.product(range(len(self.branches)), repeat=k):
            region: _Span | None = _Span(None, None, True, True)
            m, c = F.K.one, F.K.zero  # the composite h(x) = m·x + c so far
            for i in path:
                bm, bc, dom = self._affine[i]
                region = _intersect(F, region, _affine_map(F, m, c, dom, inverse=True))
                if region is None:
                    break
                m, c = bm * m, bm * c + bc
            if region is None:
                continue
            if F.sign(m - F.K.one) == 0:  # h(x) − x = c: all of the region, or nothing
                points = region if F.sign(c) == 0 else None
            else:
                root = F.K.convert(c) / (F.K.one - m)
                points = _intersect(F, region, _Span(root, root, False, False))
            if points is not None:
                found.append(PeriodicSet(tuple(self.branches[i].name for i in path),
                                         _to_set(F, points), F.back(m, sp.oo)))
        return found

    def periodic_points(self, k: int) -> list[sp.Set]:
        """All period-k points (prime period dividing k), as sorted disjoint pieces."""
        return [_to_set(self.F, s) for s in self._periodic_spans(k)]

    def _periodic_spans(self, k: int) -> list[_Span]:
        return _merge(self.F, [_to_span(self.F, p.points) for p in self.periodic_sets(k)])

    def prime_periodic_points(self, k: int) -> list[sp.Set]:
        """Points of prime period k: period-k points less those of every proper divisor.

        Lower-period points must be isolated (fixed points of expanding or contracting
        branches); a continuum of them raises ParameterError.
        """
        spans = self._periodic_spans(k)
        for d in (d for d in range(1, k) if k % d == 0):
            for s in self._periodic_spans(d):
                if s.lo is None or s.hi is None or self.F.sign(s.hi - s.lo) != 0:
                    raise ParameterError("k", k, "a period whose proper divisors d have "
                                         f"isolated points (period {d} has a continuum of "
                                         "points)")
                spans = _remove_point(self.F, spans, s.lo)
        return [_to_set(self.F, s) for s in spans]

    def image(self, source: sp.Set) -> list[sp.Set]:
        """The image of an interval under the map, as sorted disjoint pieces."""
        F = self.F
        src = _to_span(F, source)
        return [_to_set(F, s) for s in _merge(F, [
            _affine_map(F, m, c, _intersect(F, src, dom)) for m, c, dom in self._affine])]

    def preimage(self, branch: str, target: sp.Set) -> sp.Set:
        """{x in the branch's domain : branch(x) ∈ target}."""
        F = self.F
        for b, (m, c, dom) in zip(self.branches, self._affine, strict=True):
            if b.name == branch:
                return _to_set(F, _intersect(F, dom, _affine_map(
                    F, m, c, _to_span(F, target), inverse=True)))
        raise ParameterError("branch", branch, f"one of {[b.name for b in self.branches]}")


    # ----------------------------------------------------------------------------------
    # Densities (module docstring)
    # ----------------------------------------------------------------------------------

    def transfer(self, density: Density) -> Density:
        """The pushforward Lρ of a piecewise-constant density under the map (module
        docstring): cell I of value v gives v/|m_b| on f_b(I ∩ D_b) for every branch b."""
        return self._density(self._transfer(self._cells(density, "density")))

    def absorption(self, start: Density, target: Sequence[sp.Set],
                   max_steps: int = 64) -> Absorption:
        """Where the orbits of ``start`` first enter ``target`` (module docstring).

        Raises ParameterError when the unlanded part does not repeat up to a factor r with
        0 ≤ r < 1 within ``max_steps`` steps.
        """
        check_int("max_steps", max_steps, 1)
        F = self.F
        if not target:
            raise ParameterError("target", list(target), "at least one interval")
        goal = _merge(F, [_to_span(F, t) for t in target])
        rho = self._cells(start, "start")
        by_step: list[list[_Cell]] = []
        previous: list[_Cell] | None = None
        for _ in range(max_steps + 1):
            landed = _restrict(F, rho, goal)
            free = _canonical(F, rho + [(lo, hi, -v) for lo, hi, v in landed])
            by_step.append(landed)
            ratio = F.K.zero if not free else (
                None if previous is None else _ratio(F, free, previous))
            if ratio is not None:
                break
            previous, rho = free, self._transfer(free)
        else:
            raise ParameterError("max_steps", max_steps, "enough steps for the unlanded "
                                 "density to repeat up to a factor")
        r = F.back(ratio, sp.oo)
        if F.sign(ratio) < 0 or F.sign(F.K.one - ratio) <= 0:
            raise ParameterError("start", start, f"a density whose unlanded part vanishes "
                                 f"(it repeats with factor {r}, not in [0, 1))")
        j = sp.Symbol("j", integer=True, nonnegative=True)
        geometric = sp.Integer(1) if ratio == F.K.zero else sp.simplify(
            sp.summation(r**j, (j, 0, sp.oo)))
        if geometric.has(sp.Sum, sp.Piecewise):
            raise UndecidableOrderError(f"cannot decide that Σ ({r})^j converges")
        g = F.to(geometric)
        total = [c for cells in by_step[:-1] for c in cells]
        total += [(lo, hi, g * v) for lo, hi, v in by_step[-1]]
        return Absorption(
            landed=self._density(_canonical(F, total)),
            by_step=tuple(self._density(c) for c in by_step),
            ratio=r,
            geometric=geometric,
            unlanded=self._density(previous or []),
        )

    def max_modulus_map(self, pieces: Sequence[sp.Set]) -> PiecewiseAffineMap:
        """u ↦ max(|u|, |f(u)|) on ``pieces`` as a piecewise-affine map: on a set of 2-cycle
        points it is the amplitude of the cycle {u, f(u)} through u.

        Each piece ∩ branch domain is cut at the roots of u, f_b(u), f_b(u) − u and
        f_b(u) + u, the only places where a sign or the larger modulus can change; on each
        cut the larger of |u| = ±u and |f_b(u)| = ±f_b(u) is decided at its midpoint.
        Pieces must be bounded.
        """
        F, x = self.F, self.x
        out: list[Branch] = []
        for piece in pieces:
            span = _to_span(F, piece)
            if span is None:
                continue
            if span.lo is None or span.hi is None:
                raise ParameterError("pieces", piece, "bounded intervals")
            for b, (m, c, dom) in zip(self.branches, self._affine, strict=True):
                part = _intersect(F, span, dom)
                if part is None or F.sign(part.hi - part.lo) == 0:
                    continue
                cuts = [part.lo, part.hi]
                for p, q in ((F.K.one, F.K.zero), (m, c), (m - 1, c), (m + 1, c)):
                    if F.sign(p) != 0:
                        root = -F.K.convert(q) / p
                        if F.sign(root - part.lo) > 0 and F.sign(part.hi - root) > 0 and all(
                                F.sign(root - e) != 0 for e in cuts):
                            cuts.append(root)
                cuts.sort(key=_order(F))
                for lo, hi in itertools.pairwise(cuts):
                    mid = (lo + hi) / 2
                    su, sf = F.sign(mid), F.sign(m * mid + c)
                    own = F.sign(su * mid - sf * (m * mid + c)) >= 0
                    slope, shift = (su * F.K.one, F.K.zero) if own else (sf * m, sf * c)
                    expr = F.back(slope, sp.oo) * x + F.back(shift, sp.oo)
                    out.append(Branch(f"{b.name}: {'|u|' if own else '|f(u)|'}", expr,
                                      sp.Interval(F.back(lo, -sp.oo), F.back(hi, sp.oo))))
        return PiecewiseAffineMap(x, out)

    def _cells(self, density: Density, name: str) -> list[_Cell]:
        cells: list[_Cell] = []
        for cell in density:
            if not (isinstance(cell, tuple) and len(cell) == 2):
                raise ParameterError(name, density, "a list of (interval, value) cells")
            support, value = cell
            span = _to_span(self.F, support)
            if span is None:
                continue
            if span.lo is None or span.hi is None:
                raise ParameterError(name, density, "a density with bounded cells")
            cells.append((span.lo, span.hi, self.F.to(value)))
        return _canonical(self.F, cells)

    def _transfer(self, cells: list[_Cell]) -> list[_Cell]:
        F, out = self.F, []
        for lo, hi, v in cells:
            covered = sum((p.hi - p.lo for p in (_intersect(F, _Span(lo, hi, False, False), d)
                                                 for _, _, d in self._affine) if p), F.K.zero)
            if F.sign(covered - (hi - lo)) != 0:
                raise ParameterError("density", self._density(cells),
                                     "supported on the branch domains (which must not "
                                     "overlap)")
            for m, c, dom in self._affine:
                part = _intersect(F, _Span(lo, hi, False, False), dom)
                if part is None or F.sign(part.hi - part.lo) == 0:
                    continue
                sgn = F.sign(m)
                if sgn == 0:
                    raise ParameterError("density", self._density(cells),
                                         "zero on every constant branch (its image is a "
                                         "point, not a density)")
                image = _affine_map(F, m, c, part)
                assert image is not None
                out.append((image.lo, image.hi, v / (sgn * m)))
        return _canonical(F, out)

    def _density(self, cells: Sequence[_Cell]) -> Density:
        F = self.F
        return [(sp.Interval(F.back(lo, -sp.oo), F.back(hi, sp.oo)),
                 sp.factor(F.back(v, sp.oo))) for lo, hi, v in cells]


Density = list[tuple[sp.Set, sp.Expr]]
"""A piecewise-constant density: (interval, value) cells, sorted and disjoint. A density is
defined almost everywhere, so open or closed ends do not matter; cells come back closed."""

_Cell = tuple[End, End, End]  # finite lo < hi and the value, in the parameter field


@dataclass(frozen=True)
class Absorption:
    """The result of :meth:`PiecewiseAffineMap.absorption`.

    ``landed``: the density of the first point in the target; ``by_step``: the part landing
    at step 0, 1, …, n; ``unlanded``: the unlanded density at step n − 1, which the
    restricted operator maps to ``ratio`` times itself; ``geometric``: Σ_{j≥0} ratio^j.
    """

    landed: Density
    by_step: tuple[Density, ...]
    ratio: sp.Expr
    geometric: sp.Expr
    unlanded: Density


def density_mass(density: Density) -> sp.Expr:
    """∫ρ = Σ value × length over the cells."""
    return sp.simplify(sum((v * (i.end - i.start) for i, v in _intervals(density)),
                           sp.Integer(0)))


def density_expectation(density: Density, g: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """E[g(V)] = Σ over the cells of ∫ g(v)·value dv (SymPy ``integrate``)."""
    _check_symbol(var, "var")
    return sp.simplify(sum((sp.integrate(g * v, (var, i.start, i.end))
                            for i, v in _intervals(density)), sp.Integer(0)))


def _intervals(density: Density) -> list[tuple[sp.Interval, sp.Expr]]:
    out = []
    for cell in density:
        if not (isinstance(cell, tuple) and len(cell) == 2):
            raise ParameterError("density", density, "a list of (interval, value) cells")
        support, value = cell
        if support is sp.S.EmptySet or isinstance(support, sp.FiniteSet):
            continue
        if not isinstance(support, sp.Interval) or support.start.is_infinite \
                or support.end.is_infinite:
            raise ParameterError("density", density, "bounded interval cells")
        out.append((support, sp.sympify(value)))
    return out


def _order(F: _Field) -> Any:
    """A sort key ordering finite ends by the sign of their difference."""

    def compare(a: End, b: End) -> int:
        return F.sign(a - b)

    return functools.cmp_to_key(compare)


def _canonical(F: _Field, cells: Sequence[_Cell]) -> list[_Cell]:
    """Cells summed where they overlap: sorted, disjoint, adjacent equal values merged, zero
    cells dropped."""
    ends: list[End] = []
    for lo, hi, _ in cells:
        for e in (lo, hi):
            if all(F.sign(e - f) != 0 for f in ends):
                ends.append(e)
    ends.sort(key=_order(F))
    out: list[_Cell] = []
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


def _restrict(F: _Field, cells: Sequence[_Cell], spans: Sequence[_Span]) -> list[_Cell]:
    """1_S ρ for S the union of disjoint ``spans``."""
    out: list[_Cell] = []
    for lo, hi, v in cells:
        for s in spans:
            part = _intersect(F, _Span(lo, hi, False, False), s)
            if part is not None and F.sign(part.hi - part.lo) != 0:
                out.append((part.lo, part.hi, v))
    return _canonical(F, out)


def _ratio(F: _Field, a: Sequence[_Cell], b: Sequence[_Cell]) -> End | None:
    """r with a = r·b cell by cell, or None."""
    if len(a) != len(b) or not a:
        return None
    r = F.K.convert(a[0][2]) / b[0][2]
    for (alo, ahi, av), (blo, bhi, bv) in zip(a, b, strict=True):
        if F.sign(alo - blo) != 0 or F.sign(ahi - bhi) != 0 or F.K.convert(av - r * bv) != F.K.zero:
            return None
    return r


def as_set(pieces: Sequence[sp.Set]) -> sp.Set:
    """The union of disjoint pieces as one SymPy set (EmptySet for none)."""
    if not all(isinstance(p, sp.Set) for p in pieces):
        raise ParameterError("pieces", list(pieces), "SymPy sets")
    return sp.Union(*pieces) if pieces else sp.S.EmptySet
