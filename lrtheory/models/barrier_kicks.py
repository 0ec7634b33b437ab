"""Deterministic kicks over a barrier: GD (β = 0) and heavy ball from rest.

On a 1-D potential U (:class:`lrtheory.models.barrier_escape.Potential`) heavy ball
v ← βv + U'(x), x ← x − ηv runs from rest at x₀ until it passes the barrier top x_top:
:func:`escape_steps` gives the first such step per start, :func:`escape_fraction` the share of
a grid of starts that escapes, :func:`stays` the bisection predicate on η. Exported from
:mod:`lrtheory.models.barrier_escape` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from lrtheory.errors import check_int, check_positive, check_real
from lrtheory.optimizers import heavy_ball

if TYPE_CHECKING:
    from lrtheory.models.barrier_escape import Potential

__all__ = ["escape_fraction", "escape_steps", "stays"]


def escape_steps(potential: Potential, eta: float, beta: float, x0: Any, steps: int) -> Any:
    """Per start in ``x0``: the first t ≤ ``steps`` with x_t > x_top for heavy ball
    v ← βv + U'(x), x ← x − ηv from rest (:func:`lrtheory.optimizers.heavy_ball`; β = 0
    is GD), or 0 if none. A non-finite iterate counts as past the top."""
    check_int("steps", steps, 1)
    check_real("beta", beta, 0.0, 1.0, lo_open=False)
    check_positive("eta", eta)
    x = np.array(x0, dtype=float)
    v, first = np.zeros_like(x), np.zeros(x.shape, dtype=np.int64)
    top = potential.x_top
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            x, v = heavy_ball(x, v, potential.grad(x), eta, beta)
            out = (first == 0) & ~(x <= top)  # NaN or inf counts as past the top
            first[out] = t
            x = np.where(first > 0, 2.0 * top + 1.0, x)  # park: no overflow
            v = np.where(first > 0, 0.0, v)
    return first


def escape_fraction(potential: Potential, eta: float, beta: float,
                    interval: tuple[float, float], n: int, steps: int) -> float:
    """The fraction of the ``n`` cell midpoints of ``interval`` that pass the top within
    ``steps`` steps (a grid count of the escaping set's measure: error ≤ e/n for a set
    with e edges)."""
    lo, hi = interval
    check_real("interval[1]", hi, check_real("interval[0]", lo))
    starts = lo + (hi - lo) * (np.arange(check_int("n", n, 1)) + 0.5) / n
    return float(np.mean(escape_steps(potential, eta, beta, starts, steps) > 0))


def stays(potential: Potential, beta: float, x0: float, steps: int) -> Callable[[float], bool]:
    """The bisection predicate η ↦ 'no escape within ``steps`` steps from rest at x₀' (one
    orbit in Python floats: the same rule, without array overheads)."""
    check_int("steps", steps, 1)
    check_real("beta", beta, 0.0, 1.0, lo_open=False)
    x0 = check_real("x0", x0)
    top = potential.x_top

    def below(eta: float) -> bool:
        x, v = x0, 0.0
        for _ in range(steps):
            x, v = heavy_ball(x, v, potential.grad(x), eta, beta)
            if not x <= top:  # a NaN counts as past the top
                return False
        return True

    return below
