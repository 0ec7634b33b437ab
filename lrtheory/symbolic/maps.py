"""Fixed points and k-cycles of one-dimensional maps, exactly, with SymPy.

Two kinds of map are handled.

**Smooth maps** x ↦ f(x) (a polynomial such as GD on a quartic, x ↦ x − η(x³ − x)):

* :func:`iterate` composes f^k; the period-k points solve f^k(x) = x;
* :func:`prime_period_polynomial` divides out the points of every proper divisor period
  d | k, d < k (gcd with f^d(x) − x), leaving the points of *prime* period k;
* :func:`cycle_multiplier` is the chain rule, (f^k)'(x₀) = Π_j f'(x_j) over the cycle;
  the cycle attracts when |multiplier| < 1 and repels when > 1.

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
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp


class UndecidableOrderError(ValueError):
    """Two interval ends cannot be ordered under the symbols' assumptions."""


# --------------------------------------------------------------------------------------
# Smooth maps
# --------------------------------------------------------------------------------------


def iterate(f: sp.Expr, x: sp.Symbol, k: int) -> sp.Expr:
    """The k-th iterate f^k(x) = f(f(…f(x))) (f^0 = x), expanded."""
    if k < 0:
        raise ValueError(f"k must be a non-negative integer; got {k}")
    g: sp.Expr = x
    for _ in range(k):
        g = sp.expand(f.subs(x, g))
    return g


def orbit(f: sp.Expr, x: sp.Symbol, x0: sp.Expr, k: int) -> list[sp.Expr]:
    """The first k points x₀, f(x₀), …, f^{k−1}(x₀), simplified."""
    points = [sp.sympify(x0)]
    for _ in range(k - 1):
        points.append(sp.simplify(f.subs(x, points[-1])))
    return points


def cycle_multiplier(f: sp.Expr, x: sp.Symbol, points: Sequence[sp.Expr]) -> sp.Expr:
    """(f^k)'(x₀) = Π_j f'(x_j) over the cycle's points (chain rule)."""
    df = sp.diff(f, x)
    return sp.simplify(sp.Mul(*(df.subs(x, p) for p in points)))


def parameter_at_multiplier(multiplier: sp.Expr, parameter: sp.Symbol,
                            value: int = -1) -> list[sp.Expr]:
    """The parameter values where a cycle's multiplier equals ``value`` (−1: a flip, the
    period-doubling bifurcation; +1: a fold)."""
    return list(sp.solve(sp.Eq(multiplier, value), parameter))


def fixed_points(f: sp.Expr, x: sp.Symbol, domain: sp.Set = sp.S.Reals) -> sp.Set:
    """The solutions of f(x) = x in ``domain``."""
    return sp.solveset(sp.expand(f - x), x, domain)


def prime_period_polynomial(f: sp.Expr, x: sp.Symbol, k: int) -> sp.Expr:
    """A polynomial whose roots are the points of prime period k of a polynomial map f.

    Starts from f^k(x) − x and divides out its gcd with f^d(x) − x for every proper divisor
    d of k (repeatedly, so a multiple root at a bifurcation is removed whole). The
    coefficients may contain parameters (η); the gcd is taken over their polynomial ring.
    """
    if k < 1:
        raise ValueError(f"k must be a positive integer; got {k}")
    p = sp.Poly(iterate(f, x, k) - x, x)
    for d in (d for d in range(1, k) if k % d == 0):
        q = sp.Poly(iterate(f, x, d) - x, x)
        g = sp.gcd(p, q)
        while g.degree() > 0:
            p = sp.quo(p, g)
            g = sp.gcd(p, q)
    return sp.factor(p.as_expr())


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
        except (sp.CoercionFailed, sp.GeneratorsError) as exc:
            raise ValueError(f"{e} is not a rational function of {self.params}") from exc

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
    raise ValueError(f"expected an interval or a single point, got {s}")


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
        if not branches:
            raise ValueError("a piecewise map needs at least one branch")
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
                raise ValueError(f"branch {b.name}: {b.expr} is not affine in {x}")
            self._affine.append((self.F.to(m), self.F.to(b.expr.subs(x, 0)),
                                 _to_span(self.F, b.domain)))
        self._found: dict[int, list[PeriodicSet]] = {}

    def periodic_sets(self, k: int) -> list[PeriodicSet]:
        """Every non-empty set of period-k points, one per itinerary (module docstring)."""
        if k < 1:
            raise ValueError(f"k must be a positive integer; got {k}")
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
        branches); a continuum of them raises ValueError.
        """
        spans = self._periodic_spans(k)
        for d in (d for d in range(1, k) if k % d == 0):
            for s in self._periodic_spans(d):
                if s.lo is None or s.hi is None or self.F.sign(s.hi - s.lo) != 0:
                    raise ValueError(f"period {d} has a continuum of points")
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
        raise ValueError(f"no branch named {branch!r}")


def as_set(pieces: Sequence[sp.Set]) -> sp.Set:
    """The union of disjoint pieces as one SymPy set (EmptySet for none)."""
    return sp.Union(*pieces) if pieces else sp.S.EmptySet
