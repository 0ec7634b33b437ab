"""Locating a threshold that a simulation reveals: bisection on a monotone predicate.

Many claims state a critical learning rate (2/λ_max, a bifurcation value, the edge of a basin)
that can also be *measured*: run the model at η and ask a yes/no question (did it diverge? did
the orbit leave the basin?). If the answer flips once, at η*, bisection on a bracket
[lo, hi] with ``predicate(lo)`` true and ``predicate(hi)`` false locates η* to within
``(hi − lo)·2^{−(k+1)}`` after k halvings; that width is the method's tolerance, reported next
to the estimate rather than hidden in a comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lrtheory.errors import ParameterError, check_int, check_real


@dataclass(frozen=True)
class Threshold:
    """A bisected threshold: the midpoint of the final bracket and its half-width."""

    value: float
    tolerance: float
    halvings: int
    bracket: tuple[float, float]

    def contains(self, x: float, slack: float = 0.0) -> bool:
        """Whether ``x`` lies within ``tolerance + slack`` of the estimate."""
        return abs(x - self.value) <= self.tolerance + slack


def bisect_threshold(below: Callable[[float], bool], lo: float, hi: float,
                     halvings: int = 40) -> Threshold:
    """The point where ``below`` flips from True (at ``lo``) to False (at ``hi``).

    ``below`` must be monotone on [lo, hi] for the estimate to mean anything; both ends are
    evaluated first and a bracket that does not straddle a flip is an error (a threshold
    outside the bracket would otherwise be reported as one of its ends).

    >>> t = bisect_threshold(lambda x: x * x < 2.0, 1.0, 2.0, halvings=30)
    >>> abs(t.value - 2.0 ** 0.5) <= t.tolerance
    True
    """
    lo = check_real("lo", lo, -math.inf, math.inf)
    hi = check_real("hi", hi, lo, math.inf)
    halvings = check_int("halvings", halvings, 1, 60)
    if not below(lo):
        raise ParameterError("lo", lo, "a point where the predicate holds (below the threshold)")
    if below(hi):
        raise ParameterError("hi", hi, "a point where the predicate fails (above the threshold)")
    a, b = lo, hi
    for _ in range(halvings):
        mid = 0.5 * (a + b)
        a, b = (mid, b) if below(mid) else (a, mid)
    return Threshold(0.5 * (a + b), (hi - lo) * 2.0 ** -(halvings + 1), halvings, (lo, hi))
