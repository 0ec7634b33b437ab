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
:class:`~lrtheory.symbolic.intervals.UndecidableOrderError` (the exact arithmetic on ends,
intervals and density cells is :mod:`lrtheory.symbolic.intervals`).

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

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from lrtheory.errors import ParameterError, check_int
from lrtheory.symbolic import intervals as iv


def _check_symbol(x: object, name: str = "x") -> None:
    if not isinstance(x, sp.Symbol):
        raise ParameterError(name, x, "a SymPy Symbol")


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
        self.F = iv.Field(exprs, x)
        self._affine: list[tuple[iv.End, iv.End, iv.Span | None]] = []
        for b in branches:
            m = sp.diff(b.expr, x)
            if m.has(x):
                raise ParameterError(f"branch {b.name!r}", b.expr, f"affine in {x}")
            self._affine.append((self.F.to(m), self.F.to(b.expr.subs(x, 0)),
                                 iv.to_span(self.F, b.domain)))
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
            region: iv.Span | None = iv.Span(None, None, True, True)
            m, c = F.K.one, F.K.zero  # the composite h(x) = m·x + c so far
            for i in path:
                bm, bc, dom = self._affine[i]
                region = iv.intersect(F, region, iv.affine_image(F, m, c, dom, inverse=True))
                if region is None:
                    break
                m, c = bm * m, bm * c + bc
            if region is None:
                continue
            if F.sign(m - F.K.one) == 0:  # h(x) − x = c: all of the region, or nothing
                points = region if F.sign(c) == 0 else None
            else:
                root = F.K.convert(c) / (F.K.one - m)
                points = iv.intersect(F, region, iv.Span(root, root, False, False))
            if points is not None:
                found.append(PeriodicSet(tuple(self.branches[i].name for i in path),
                                         iv.to_set(F, points), F.back(m, sp.oo)))
        return found

    def periodic_points(self, k: int) -> list[sp.Set]:
        """All period-k points (prime period dividing k), as sorted disjoint pieces."""
        return [iv.to_set(self.F, s) for s in self._periodic_spans(k)]

    def _periodic_spans(self, k: int) -> list[iv.Span]:
        return iv.merge(self.F, [iv.to_span(self.F, p.points) for p in self.periodic_sets(k)])

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
                spans = iv.remove_point(self.F, spans, s.lo)
        return [iv.to_set(self.F, s) for s in spans]

    def image(self, source: sp.Set) -> list[sp.Set]:
        """The image of an interval under the map, as sorted disjoint pieces."""
        F = self.F
        src = iv.to_span(F, source)
        return [iv.to_set(F, s) for s in iv.merge(F, [
            iv.affine_image(F, m, c, iv.intersect(F, src, dom)) for m, c, dom in self._affine])]

    def preimage(self, branch: str, target: sp.Set) -> sp.Set:
        """{x in the branch's domain : branch(x) ∈ target}."""
        F = self.F
        for b, (m, c, dom) in zip(self.branches, self._affine, strict=True):
            if b.name == branch:
                return iv.to_set(F, iv.intersect(F, dom, iv.affine_image(
                    F, m, c, iv.to_span(F, target), inverse=True)))
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
        goal = iv.merge(F, [iv.to_span(F, t) for t in target])
        rho = self._cells(start, "start")
        by_step: list[list[iv.Cell]] = []
        previous: list[iv.Cell] | None = None
        for _ in range(max_steps + 1):
            landed = iv.restrict(F, rho, goal)
            free = iv.canonical(F, rho + [(lo, hi, -v) for lo, hi, v in landed])
            by_step.append(landed)
            ratio = F.K.zero if not free else (
                None if previous is None else iv.cell_ratio(F, free, previous))
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
            raise iv.UndecidableOrderError(f"cannot decide that Σ ({r})^j converges")
        g = F.to(geometric)
        total = [c for cells in by_step[:-1] for c in cells]
        total += [(lo, hi, g * v) for lo, hi, v in by_step[-1]]
        return Absorption(
            landed=self._density(iv.canonical(F, total)),
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
            span = iv.to_span(F, piece)
            if span is None:
                continue
            if span.lo is None or span.hi is None:
                raise ParameterError("pieces", piece, "bounded intervals")
            for b, (m, c, dom) in zip(self.branches, self._affine, strict=True):
                part = iv.intersect(F, span, dom)
                if part is None or F.sign(part.hi - part.lo) == 0:
                    continue
                cuts = [part.lo, part.hi]
                for p, q in ((F.K.one, F.K.zero), (m, c), (m - 1, c), (m + 1, c)):
                    if F.sign(p) != 0:
                        root = -F.K.convert(q) / p
                        if F.sign(root - part.lo) > 0 and F.sign(part.hi - root) > 0 and all(
                                F.sign(root - e) != 0 for e in cuts):
                            cuts.append(root)
                cuts.sort(key=iv.sort_key(F))
                for lo, hi in itertools.pairwise(cuts):
                    mid = (lo + hi) / 2
                    su, sf = F.sign(mid), F.sign(m * mid + c)
                    own = F.sign(su * mid - sf * (m * mid + c)) >= 0
                    slope, shift = (su * F.K.one, F.K.zero) if own else (sf * m, sf * c)
                    expr = F.back(slope, sp.oo) * x + F.back(shift, sp.oo)
                    out.append(Branch(f"{b.name}: {'|u|' if own else '|f(u)|'}", expr,
                                      sp.Interval(F.back(lo, -sp.oo), F.back(hi, sp.oo))))
        return PiecewiseAffineMap(x, out)

    def _cells(self, density: Density, name: str) -> list[iv.Cell]:
        cells: list[iv.Cell] = []
        for cell in density:
            if not (isinstance(cell, tuple) and len(cell) == 2):
                raise ParameterError(name, density, "a list of (interval, value) cells")
            support, value = cell
            span = iv.to_span(self.F, support)
            if span is None:
                continue
            if span.lo is None or span.hi is None:
                raise ParameterError(name, density, "a density with bounded cells")
            cells.append((span.lo, span.hi, self.F.to(value)))
        return iv.canonical(self.F, cells)

    def _transfer(self, cells: list[iv.Cell]) -> list[iv.Cell]:
        F, out = self.F, []
        for lo, hi, v in cells:
            cell = iv.Span(lo, hi, False, False)
            covered = sum((p.hi - p.lo for p in (iv.intersect(F, cell, d)
                                                 for _, _, d in self._affine) if p), F.K.zero)
            if F.sign(covered - (hi - lo)) != 0:
                raise ParameterError("density", self._density(cells),
                                     "supported on the branch domains (which must not "
                                     "overlap)")
            for m, c, dom in self._affine:
                part = iv.intersect(F, cell, dom)
                if part is None or F.sign(part.hi - part.lo) == 0:
                    continue
                sgn = F.sign(m)
                if sgn == 0:
                    raise ParameterError("density", self._density(cells),
                                         "zero on every constant branch (its image is a "
                                         "point, not a density)")
                image = iv.affine_image(F, m, c, part)
                assert image is not None
                out.append((image.lo, image.hi, v / (sgn * m)))
        return iv.canonical(F, out)

    def _density(self, cells: Sequence[iv.Cell]) -> Density:
        F = self.F
        return [(sp.Interval(F.back(lo, -sp.oo), F.back(hi, sp.oo)),
                 sp.factor(F.back(v, sp.oo))) for lo, hi, v in cells]


Density = list[tuple[sp.Set, sp.Expr]]
"""A piecewise-constant density: (interval, value) cells, sorted and disjoint. A density is
defined almost everywhere, so open or closed ends do not matter; cells come back closed."""


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


def as_set(pieces: Sequence[sp.Set]) -> sp.Set:
    """The union of disjoint pieces as one SymPy set (EmptySet for none)."""
    if not all(isinstance(p, sp.Set) for p in pieces):
        raise ParameterError("pieces", list(pieces), "SymPy sets")
    return sp.Union(*pieces) if pieces else sp.S.EmptySet
