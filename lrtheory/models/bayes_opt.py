"""Searching for a good learning rate: random search on a synthetic accuracy-versus-log-η
curve, and the laws of the evaluations it needs.

The search space is u ∈ [0, 1], the position of log η in a log range [η_lo, η_hi]
(u = ln(η/η_lo)/ln(η_hi/η_lo)), so log-uniform sampling of η is uniform sampling of u. The
validation accuracy is a bump of height A over a floor,

    acc(u) = floor + A·exp(−(u − c)²/(2w²)),

observed with Gaussian noise of standard deviation τ. A point is *ε-good* when its true
accuracy is within ε of the best, acc(u) ≥ floor + A − ε: the set c ± h,
h = w√(2 ln(A/(A − ε))). A search's *evaluations to ε* is the index of its first ε-good
evaluation.

* :func:`accuracy`, :func:`good_halfwidth`, :func:`coverage` — the curve, its ε-good set and
  the set's measure for a centre c (clipped to [0, 1]);
* :func:`random_search_kernel` — Monte Carlo kernel of random search over random curves;
* :func:`first_success_law`, :func:`bump_algebra`, :func:`mixture_law` — the derived laws.

GP-UCB Bayesian optimisation on the same curves is :mod:`lrtheory.models.gp_search`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.arrays import astype, namespace
from lrtheory.errors import check_int, check_positive, check_real, check_reals
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.symbolic.series import finite_sum, geometric_series

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Curve:
    """The accuracy bump: height A over ``floor``, width w (in u), centres drawn uniformly
    from [centre_lo, centre_hi] ⊂ [0, 1], evaluations with noise sd τ, tolerance ε."""

    height: float
    width: float
    eps: float
    noise_sd: float = 0.0
    floor: float = 0.1
    centre_lo: float = 0.0
    centre_hi: float = 1.0

    def __post_init__(self) -> None:
        check_positive("height", self.height)
        check_positive("width", self.width)
        check_real("eps", self.eps, 0.0, self.height)
        check_real("noise_sd", self.noise_sd, 0.0, lo_open=False)
        check_real("floor", self.floor)
        check_real("centre_lo", self.centre_lo, 0.0, 1.0, lo_open=False, hi_open=False)
        check_real("centre_hi", self.centre_hi, self.centre_lo, 1.0, lo_open=False,
                   hi_open=False)


def accuracy(curve: Curve, u: Any, centre: Any) -> Any:
    """acc(u) = floor + A·exp(−(u − c)²/(2w²)), element-wise (NumPy or CuPy arrays)."""
    z = (check_reals("u", u) - check_reals("centre", centre)) / curve.width
    return curve.floor + curve.height * namespace(z).exp(-0.5 * z * z)


def good_halfwidth(curve: Curve) -> float:
    """h = w√(2 ln(A/(A − ε))): acc(c ± h) = floor + A − ε."""
    return curve.width * math.sqrt(2.0 * math.log(curve.height / (curve.height - curve.eps)))


def coverage(curve: Curve, centre: Any) -> Any:
    """The measure of the ε-good set [c − h, c + h] ∩ [0, 1] for centres c."""
    h = good_halfwidth(curve)
    centre = check_reals("centre", centre)
    return np.minimum(1.0, np.asarray(centre) + h) - np.maximum(0.0, np.asarray(centre) - h)


def mean_over_centres(curve: Curve, g: Callable[[float], float]) -> tuple[float, float]:
    """E g(1 − coverage(c)) over c ~ U[centre_lo, centre_hi] by adaptive quadrature (QUADPACK,
    split where the good set meets an edge of [0, 1], at c = h and 1 − h): (value, error
    estimate). For g a polynomial the integrand is one on each piece."""
    from scipy import integrate

    h, lo, hi = good_halfwidth(curve), curve.centre_lo, curve.centre_hi
    breaks = [b for b in (h, 1.0 - h) if lo < b < hi]
    value, err = integrate.quad(lambda c: g(1.0 - float(coverage(curve, c))), lo, hi,
                                points=breaks or None, epsabs=1e-14, epsrel=1e-13, limit=200)
    return value / (hi - lo), err / (hi - lo)


def random_search_kernel(curve: Curve, budget: int, cap: int) -> Kernel:
    """Monte Carlo kernel: each chain draws a curve centre c ~ U[centre_lo, centre_hi] and
    ``cap`` log-uniform learning rates (u ~ U[0, 1]); N = the index of the first ε-good one
    (judged on the true accuracy). Returns per chain (shape (n, 2)) the indicator of
    N ≤ ``budget`` and min(N, ``cap``)."""
    check_int("cap", cap, 1)
    check_int("budget", budget, 1, cap)
    best = curve.floor + curve.height - curve.eps

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        centre = curve.centre_lo + (curve.centre_hi - curve.centre_lo) * rng.uniform(1)
        u = rng.uniform(cap)
        good = accuracy(curve, u, centre) >= best
        # the first True: argmax of the 0/1 floats (the array API's argmax takes no bools)
        index = xp.argmax(astype(xp, good, rng.dtype), axis=1)
        first = xp.where(xp.any(good, axis=1), index + 1, cap + 1)
        return xp.stack([astype(xp, first <= budget, rng.dtype),
                         astype(xp, xp.minimum(first, cap), rng.dtype)], axis=1)

    return kernel


# --------------------------------------------------------------------------------------
# The algebra: first-success laws, the bump's ε-good set and the mixture over centres
# --------------------------------------------------------------------------------------

P, Q, Z = sp.symbols("p q z", positive=True)                # q = 1 − p
K, J = sp.symbols("k j", integer=True, positive=True)
N_ = sp.Symbol("n", integer=True, positive=True)


@cache
def first_success_law() -> dict[str, Any]:
    """N, the index of the first success in independent trials of success probability
    p = 1 − q, derived: P(N = n) = q^(n−1)(1 − q), P(N ≤ k) (a finite sum), E N = Σ_j P(N > j),
    E min(N, k) from its definition and from the tail sum Σ_{j<k} q^j, and the median
    (1 − q^z = ½, solved after taking logs)."""

    pmf = Q ** (N_ - 1) * (1 - Q)
    # Σ_{n<k} n q^(n−1) = d/dq Σ_{n<k} qⁿ: the definition of E min(N, k) summed exactly.
    weighted = sp.diff(finite_sum(Q**N_, N_, 0, K - 1), Q)
    return {
        "pmf": pmf,
        "cdf": sp.factor(finite_sum(pmf, N_, 1, K)),
        "mean": sp.factor(geometric_series(Q)),             # Σ_{j≥0} P(N > j) = Σ q^j
        "capped": sp.factor(sp.expand((1 - Q) * weighted + K * Q ** (K - 1))),
        "tail_sum": sp.factor(finite_sum(Q**J, J, 0, K - 1)),
        "median": sp.solve_linear(sp.expand_log(sp.log(Q**Z), force=True),  # z ln q = ln ½
                                  sp.log(sp.Rational(1, 2)), [Z])[1],
    }


U, C = sp.symbols("u c", real=True)
A, W, EPS_, H = sp.symbols("A w epsilon h", positive=True)


@cache
def bump_algebra() -> dict[str, Any]:
    """Log-uniform η is uniform u (the law of u, integrated); the bump f = A·exp(−(u − c)²/
    (2w²)), its maximiser ((ln f)' = 0) and the half-width of its ε-good set f ≥ A − ε (the
    roots c ∓ h of the quadratic ln(f/A) = −ln(A/(A − ε)))."""
    x = sp.Symbol("x", real=True)
    lo, hi = sp.symbols("eta_lo eta_hi", positive=True)
    u_cdf = sp.cancel(sp.integrate(1 / sp.log(hi / lo),
                                   (x, sp.log(lo), sp.log(lo) + Z * sp.log(hi / lo))))
    f = A * sp.exp(-((U - C) ** 2) / (2 * W**2))
    argmax = sp.solve_linear(sp.diff(sp.expand_log(sp.log(f), force=True), U), 0, [U])[1]
    ell = sp.Symbol("ell_epsilon", positive=True)             # ln(A/(A − ε)) > 0
    level = sp.expand_log(sp.log(f / A), force=True) + ell
    lo_end, hi_end = sorted(sp.roots(sp.Poly(sp.expand(level * W**2), U)),
                            key=lambda e: e.subs({C: 0, W: 1, ell: 1}))
    half = ((hi_end - lo_end) / 2).subs(ell, sp.log(A / (A - EPS_)))
    return {"u_cdf": u_cdf, "curve": f, "argmax": argmax, "half": half}


@cache
def mixture_law() -> dict[str, Any]:
    """The optimum anywhere in the range, c ~ U[0, 1] (h < ½): the good set's measure is
    c + h, 2h or 1 − c + h, so P(N > j) = ∫(1 − coverage)^j dc (``mix_survival``, j = J) and
    the mean coverage, integrated piece by piece."""
    survival = 2 * sp.integrate((1 - (C + H)) ** J, (C, 0, H)) + (1 - 2 * H) ** (J + 1)
    coverage = sp.expand(2 * sp.integrate(C + H, (C, 0, H)) + 2 * H * (1 - 2 * H))
    return {"mix_survival": survival, "mix_coverage": coverage}
