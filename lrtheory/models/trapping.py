"""Certified trapping boxes of f^k (mpmath interval arithmetic) and the bias they bound.

**Certified contraction** (:func:`certify_contraction`): a box B and a parameter range E with
f^k(B) ⊂ B and sup |(f^k)'| ≤ q < 1 on B × E hold, for every η ∈ E, exactly one fixed point p
of f^k in B, attracting every start in B: |f^{mk}(x₀) − p| ≤ q^m |B|. With Λ a bound on
|d/dx Σ_{j<k} ln|f_x(f^j(x))|| over B, the finite-time exponent after a burn-in of m₀k steps
is within Λ(|B| q^{m₀}/T + e_k/k)/(1 − q) of ln|μ|/k (e_k: a rounding allowance per period) —
the bias bound of a Monte Carlo mean (:meth:`Contraction.bias_bound`).

:func:`certify_window` tiles a parameter window with such boxes around a known cycle point,
and :func:`window_lyapunov_kernel` draws η uniformly over the window and x₀ uniformly in the
box of η's piece. The maps are :class:`lrtheory.models.bifurcation.MapFamily` objects.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import mpmath
import numpy as np

from lrtheory.arrays import astype
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.bifurcation import BifurcationError, MapFamily, finite_time_lyapunov
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel


@dataclass(frozen=True)
class Contraction:
    """A certified trapping box of f^k (module docstring): ``q`` bounds |(f^k)'| and
    ``log_slope`` bounds |d/dx Σ_j ln|f_x(f^j(x))|| on ``box`` × ``etas``; ``period_error``
    is the rounding allowance of one period of float iteration."""

    period: int
    box: tuple[float, float]
    etas: tuple[float, float]
    q: float
    log_slope: float
    period_error: float

    def bias_bound(self, burn: int, steps: int) -> float:
        """Bound on |finite-time exponent − ln|μ|/k| for every start in the box, after
        ``burn`` steps, over ``steps`` steps (both multiples of the period)."""
        k = self.period
        if burn % k or steps % k:
            raise ParameterError("burn, steps", (burn, steps), f"multiples of the period {k}")
        width = self.box[1] - self.box[0]
        transient = width * self.q ** (burn // k) / steps + self.period_error / k
        return self.log_slope * transient / (1.0 - self.q) + 4 * EPS * self.log_slope * width


def _up(v: Any) -> float:
    """The upper end of an mpmath interval as a float, rounded outwards."""
    return float(v.b) * (1 + 4 * EPS) if v.b > 0 else float(v.b) * (1 - 4 * EPS)


def _image(fam: MapFamily, X: Any, E: Any, slope: Any) -> Any:
    """An enclosure of f(X, E) (``slope`` encloses f_x on X × E): the natural interval
    extension intersected with the mean-value form

        f(X, E) ⊂ f(c, e) + f_x(X, E)·(X − c) + f_η(c, E)·(E − e),

    c and e the midpoints, which is far tighter on small boxes, where the natural extension
    suffers from the dependency problem."""
    iv = mpmath.iv
    c, e = iv.mpf(X.mid), iv.mpf(E.mid)
    centred = fam.f(c, e) + slope * (X - c) + fam.feta(c, E) * (E - e)
    natural = fam.f(X, E)
    return iv.mpf([max(natural.a, centred.a), min(natural.b, centred.b)])


def certify_contraction(fam: MapFamily, k: int, box: tuple[float, float],
                        etas: tuple[float, float]) -> Contraction:
    """Interval-arithmetic certificate that f^k maps ``box`` into itself with |(f^k)'| ≤ q
    < 1 for every η in ``etas`` (BifurcationError if it cannot be shown). Every bound is an
    upper end of an mpmath interval (outward rounding)."""
    check_int("k", k, 1)
    lo, hi = (check_real("box", v) for v in box)
    e0, e1 = (check_real("etas", v) for v in etas)
    if not (lo < hi and e0 <= e1):
        raise ParameterError("box, etas", (box, etas), "ordered intervals")
    iv = mpmath.iv
    E = iv.mpf([e0, e1])
    B = X = iv.mpf([lo, hi])
    c = point = iv.mpf(B.mid)
    q, log_slope, largest, slope = iv.mpf(1), iv.mpf(0), 1.0, iv.mpf(1)
    for _ in range(k):
        a = fam.fx(X, E)
        if a.a <= 0 <= a.b:
            raise BifurcationError(f"f_x may vanish on {X} for eta in {E}: not certified")
        modulus = abs(a)  # an interval of |f_x|, bounded away from 0
        log_slope += abs(fam.fxx(X, E)) / modulus.a * q
        q *= modulus.b
        slope *= a
        largest = max(largest, _up(abs(X)), _up(modulus))
        X = _image(fam, X, E, a)
        point = _image(fam, point, E, fam.fx(point, E))
    # The mean-value form of f^k as a whole: f^k(B) ⊂ f^k(c) + (f^k)'(B)·(B − c).
    whole = point + slope * (B - c)
    X = iv.mpf([max(X.a, whole.a), min(X.b, whole.b)])
    if not (X.a >= lo and X.b <= hi) or not q.b < 1:
        raise BifurcationError(f"f^{k} does not contract [{lo}, {hi}] into itself for eta in "
                               f"[{e0}, {e1}] (image {X}, derivative bound {q})")
    period_error = 64 * EPS * k * largest ** (k + 3)  # allowance, module docstring
    return Contraction(k, (lo, hi), (e0, e1), _up(q), _up(log_slope), period_error)


def certify_window(fam: MapFamily, k: int, centre: Callable[[float], float], radius: float,
                   etas: tuple[float, float], pieces: int) -> tuple[Contraction, ...]:
    """Certified boxes over ``pieces`` equal parameter pieces of ``etas``: each box covers
    the cycle point ``centre(η)`` at the piece's ends and middle, widened by ``radius``."""
    check_positive("radius", radius)
    check_int("pieces", pieces, 1, 10_000)
    edges = np.linspace(etas[0], etas[1], pieces + 1)
    cells = []
    for e0, e1 in itertools.pairwise(edges):
        c = [centre(float(e)) for e in (e0, (e0 + e1) / 2, e1)]
        pad = 1e-9 * (e1 - e0)  # covers the rounding of the sampled η at the piece's edges
        cell = certify_contraction(fam, k, (min(c) - radius, max(c) + radius),
                                   (float(e0 - pad), float(e1 + pad)))
        cells.append(replace(cell, etas=(float(e0), float(e1))))
    return tuple(cells)


def window_lyapunov_kernel(fam: MapFamily, cells: Sequence[Contraction], burn: int,
                           steps: int) -> Kernel:
    """Monte Carlo kernel: η uniform on the window the ``cells`` tile, x₀ uniform in the
    certified box of η's piece; returns each chain's finite-time Lyapunov exponent."""
    if not cells:
        raise ParameterError("cells", cells, "at least one certified box")
    lo, hi, n = cells[0].etas[0], cells[-1].etas[1], len(cells)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        u = rng.uniform(2)
        box_lo = xp.asarray([c.box[0] for c in cells], dtype=rng.dtype)
        box_hi = xp.asarray([c.box[1] for c in cells], dtype=rng.dtype)
        piece = xp.minimum(astype(xp, u[:, 0] * n, xp.int64), n - 1)
        eta = lo + (hi - lo) * u[:, 0]
        low, high = xp.take(box_lo, piece), xp.take(box_hi, piece)
        x0 = low + (high - low) * u[:, 1]
        return finite_time_lyapunov(fam, eta, x0, burn, steps, xp)

    return kernel
