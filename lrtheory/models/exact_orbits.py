"""Exact fates of gradient descent on a piecewise-quadratic loss of one variable.

On each piece of such a loss GD is affine, F(x) = x − a(x − c) with a = ηλ the piece's
step-times-curvature and c its minimum, so F is a piecewise-affine map of the line. Its
orbits are followed in exact rational arithmetic (``fractions.Fraction``; float parameters
are dyadic rationals, so this is the very map the floats approximate) until they enter a
*certificate*, a set whose fate is known (a basin F contracts, a region it expands away),
given by a ``fate`` function x ↦ class index (the ``undecided`` index where no certificate
holds yet):

* :func:`first_fate`: the class and step at which a single exact orbit is certified;
* :func:`fate_measures`: the exact fraction of starts *uniform* on [lo, hi] in each class
  after T steps. The start interval is pushed through F as affine pieces u ↦ A·u + B of the
  start u, cut wherever an image passes through a ``cut`` point (a piece edge of the loss or
  a certificate's edge), so that each piece's image stays on one branch and in one class; a
  piece is retired when its image lies in a certificate.

The float orbit rounds; :func:`fate_measures` bounds, to first order in the unit roundoff,
how far that moves each class fraction (see its docstring).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from lrtheory.errors import ParameterError, check_int
from lrtheory.models.rounding import EPS

__all__ = ["Branch", "Fate", "FateMeasures", "U", "fate_measures", "first_fate"]

#: Unit roundoff of float64: each rounded operation is exact up to a factor (1 + δ), |δ| ≤ U.
U = EPS / 2
#: x ↦ (a, c) of the piece holding x: there F(x) = x − a(x − c), exactly.
Branch = Callable[[Fraction], tuple[Fraction, Fraction]]
#: x ↦ the index of the class whose certificate holds x (``undecided`` where none does).
Fate = Callable[[Fraction], int]


def first_fate(step: Callable[[Fraction], Fraction], fate: Fate, x0: Fraction, steps: int,
               undecided: int) -> tuple[int, int]:
    """(class, t) for the exact orbit x_t = F^t(x₀): the first t ≤ ``steps`` at which
    ``fate`` certifies x_t, or (``undecided``, ``steps``)."""
    check_int("steps", steps, 0)
    x = Fraction(x0)
    for t in range(steps + 1):
        cls = fate(x)
        if cls != undecided or t == steps:
            return cls, t
        x = step(x)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class FateMeasures:
    """The exact fraction of uniform starts in each class after ``steps`` steps
    (``fractions``, ordered as ``names``), the start-space points where the class changes
    (``boundaries``), a first-order bound on how far float64 moves a class fraction
    (``rounding``) and the partition of the start interval into (lo, hi, class) pieces."""

    names: tuple[str, ...]
    fractions: tuple[Fraction, ...]
    boundaries: tuple[Fraction, ...]
    rounding: float
    steps: int
    partition: tuple[tuple[Fraction, Fraction, int], ...] = ()

    def __getitem__(self, name: str) -> Fraction:
        return self.fractions[self.names.index(name)]

    def fate(self, x0: Fraction) -> int | None:
        """The class the propagation assigns to the start x₀ (None on a cut between two
        pieces, where the open/closed ends decide, or outside the start interval)."""
        for lo, hi, cls in self.partition:
            if lo < x0 < hi:
                return cls
        return None


@dataclass
class _Piece:
    u0: Fraction  # start interval [u0, u1]
    u1: Fraction
    A: Fraction   # exact x_t = A·u + B on it
    B: Fraction
    err: float    # bound on |float x̂_t − x_t| over the piece

    def image(self, u: Fraction) -> Fraction:
        return self.A * u + self.B

    def shadow(self) -> float:
        """Start-space radius E/|A| (0 for a piece collapsed onto a point)."""
        return self.err / abs(float(self.A)) if self.A != 0 else 0.0

    def cut(self, points: Sequence[Fraction]) -> list[_Piece]:
        """The piece cut wherever its image passes strictly through one of ``points``."""
        if self.A == 0:
            return [self]
        us = sorted({u for u in ((p - self.B) / self.A for p in points)
                     if self.u0 < u < self.u1})
        ends = [self.u0, *us, self.u1]
        return [_Piece(a, b, self.A, self.B, self.err) for a, b in itertools.pairwise(ends)]

    def advance(self, a: Fraction, centre: Fraction) -> _Piece:
        """The piece one step on, through the branch x − a(x − c) that holds its image."""
        sigma = 1 - a
        A, B = sigma * self.A, centre + sigma * (self.B - centre)
        ends = (self.image(self.u0), self.image(self.u1))
        new = (A * self.u0 + B, A * self.u1 + B)
        r = U * (3.01 * float(a) * max(float(abs(v - centre)) for v in ends)
                 + 1.01 * max(float(abs(v)) for v in new))
        return _Piece(self.u0, self.u1, A, B, abs(float(sigma)) * self.err + r)


def fate_measures(branch: Branch, fate: Fate, cuts: Sequence[Fraction],
                  start: tuple[Fraction, Fraction], steps: int, names: Sequence[str],
                  undecided: int) -> FateMeasures:
    """Exact fractions of x₀ uniform on ``start`` = [lo, hi] in each class of ``names``
    after ``steps`` steps; ``cuts`` holds every point where ``branch`` or ``fate`` changes.

    Rounding: the float step is x − η·(λ·(x − c)), four rounded operations, so along a piece
    the float orbit's error obeys E_{t+1} ≤ |1 − a|E_t + r_t with
    r_t = U(3.01·a·|x_t − c| + 1.01·|x_{t+1}|), and sampling x₀ = lo + (hi − lo)·u rounds x₀
    by ≤ U·max|x₀|. To first order in U the float orbit of x₀ shadows the exact orbit of a
    start within w = E/|A| + U·max|x₀| of x₀, so a float class differs from the exact one
    only within w of a boundary: the fractions move by at most
    Σ_boundaries 2(w + 2⁻⁵³(hi − lo))/(hi − lo) (the 2⁻⁵³ for the granularity of the
    uniform draws).
    """
    check_int("steps", steps, 0)
    lo, hi = Fraction(start[0]), Fraction(start[1])
    if not lo < hi:
        raise ParameterError("start", (float(lo), float(hi)), "an interval (lo, hi), lo < hi")
    if not 0 <= undecided < len(names):
        raise ParameterError("undecided", undecided, f"a class index in [0, {len(names)})")
    sampling = U * float(max(abs(lo), abs(hi)))
    active = [_Piece(lo, hi, Fraction(1), Fraction(0), sampling)]
    done: list[tuple[_Piece, int]] = []
    for t in range(steps + 1):
        moved: list[_Piece] = []
        for piece in (p for a in active for p in a.cut(cuts)):
            mid = piece.image((piece.u0 + piece.u1) / 2)
            cls = fate(mid)
            if cls != undecided:
                done.append((piece, cls))
            elif t < steps:
                moved.append(piece.advance(*branch(mid)))
            else:
                done.append((piece, undecided))
        active = moved
    done.sort(key=lambda pc: pc[0].u0)
    width = hi - lo
    mass = [Fraction(0)] * len(names)
    for piece, cls in done:
        mass[cls] += piece.u1 - piece.u0
    boundaries: list[Fraction] = []
    rounding = 0.0
    for (p, a), (n, c) in itertools.pairwise(done):
        if a != c:
            boundaries.append(p.u1)
            w = max(p.shadow(), n.shadow()) + sampling
            rounding += 2 * (w + 2.0**-53 * float(width)) / float(width)
    return FateMeasures(tuple(names), tuple(m / width for m in mass), tuple(boundaries),
                        rounding, steps, tuple((p.u0, p.u1, cls) for p, cls in done))
