"""Two quadratic wells of different curvature: gradient descent on their lower envelope and
where each orbit ends.

The loss is the lower envelope of a sharp and a wide well,

    L(x) = min(q_s(x), q_w(x)),   q_s = (λ_s/2)(x − x_s)²,   q_w = (λ_w/2)(x − x_w)² + c,

λ_s > λ_w > 0, x_s < b < x_w, with c chosen so that the wells meet at the ridge b. q_s − q_w
is a quadratic with leading coefficient (λ_s − λ_w)/2 > 0 and roots b₁ < b, so the sharp
well is the lower one exactly on [b₁, b] (ties go to it) and GD is the piecewise-affine map

    F(x) = x_s + σ_s(x − x_s)  on [b₁, b],     x_w + σ_w(x − x_w)  elsewhere,     σ = 1 − ηλ.

Where an orbit ends is decided by *certificates*, forward-invariant sets of known fate:

* S = [x_s − r, x_s + r], r = min(b − x_s, x_s − b₁), when |σ_s| < 1: F contracts S onto x_s
  (**sharp**);
* W = (b, 2x_w − b], when |σ_w| < 1: F maps it onto the interval of radius |σ_w|(x_w − b)
  about x_w, inside W (**wide**);
* D = {|x − x_w| > x_w − b₁}, when |σ_w| > 1: D lies in the wide well's domain on both
  sides of x_w, F maps it into itself and |x − x_w| grows by |σ_w| a step (**diverged**).

An orbit in none of them after T steps is **undecided** (so are the neutral 2-cycles at
η = 2/λ exactly). The *capture interval* J = [ℓ, 2x_w − b], ℓ = x_s − (2x_w − b − x_s)/(2κ − 1),
κ = λ_s/λ_w, is where the sharp well's exits land in W for every η ≤ 2/λ_w (N3 derives when J
is forward-invariant: :attr:`DoubleWell.captures`).

Everything is given three ways: float arrays (any array module, vectorised over starts and
η), exact rationals for single orbits, and the exact *measure* of each fate for uniform
starts (:func:`class_measures`), both from :mod:`lrtheory.models.exact_orbits`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from lrtheory.arrays import astype
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.exact_orbits import FateMeasures, fate_measures, first_fate
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

__all__ = [
    "CLASSES",
    "DIVERGED",
    "SHARP",
    "UNDECIDED",
    "WIDE",
    "DoubleWell",
    "basin_kernel",
    "class_measures",
    "classify",
    "exact_fate",
    "gd_orbit",
    "image_bounds",
    "start_grid",
    "stays_sharp",
]

SHARP, WIDE, DIVERGED, UNDECIDED = 0, 1, 2, 3
CLASSES = ("sharp", "wide", "diverged", "undecided")


@dataclass(frozen=True)
class DoubleWell:
    """The two wells: curvatures λ_s > λ_w > 0, sharp minimum x_s < ridge b < wide minimum x_w.

    The float attributes are the parameters; ``exact`` gives them (and c, b₁) as Fractions.
    """

    lam_sharp: float
    lam_wide: float
    ridge: float
    x_wide: float
    x_sharp: float = 0.0

    def __post_init__(self) -> None:
        check_positive("lam_wide", self.lam_wide)
        check_real("lam_sharp", self.lam_sharp, self.lam_wide)
        check_real("x_sharp", self.x_sharp)
        check_real("ridge", self.ridge, self.x_sharp)
        check_real("x_wide", self.x_wide, self.ridge)

    # ---------------------------------------------------------------- exact constants
    @functools.cached_property
    def exact(self) -> dict[str, Fraction]:
        """λ_s, λ_w, b, x_w, x_s, the offset c = q_s(b) − (λ_w/2)(b − x_w)² and the far
        crossing b₁ = (sum of the roots of q_s − q_w) − b, all exact."""
        ls, lw, b, xw, xs = (Fraction(v) for v in (self.lam_sharp, self.lam_wide, self.ridge,
                                                   self.x_wide, self.x_sharp))
        c = ls * (b - xs) ** 2 / 2 - lw * (b - xw) ** 2 / 2
        b1 = 2 * (ls * xs - lw * xw) / (ls - lw) - b
        return {"lam_sharp": ls, "lam_wide": lw, "ridge": b, "x_wide": xw, "x_sharp": xs,
                "offset": c, "far_crossing": b1}

    @property
    def kappa(self) -> float:
        return self.lam_sharp / self.lam_wide

    @functools.cached_property
    def far_crossing(self) -> float:
        """b₁ < b: the sharp well is the lower one on [b₁, b]."""
        return float(self.exact["far_crossing"])

    @functools.cached_property
    def exact_capture(self) -> tuple[Fraction, Fraction]:
        """J = [ℓ, R] exactly: R = 2x_w − b, ℓ = x_s − (R − x_s)/(2κ − 1)."""
        e = self.exact
        right = 2 * e["x_wide"] - e["ridge"]
        k = e["lam_sharp"] / e["lam_wide"]
        return e["x_sharp"] - (right - e["x_sharp"]) / (2 * k - 1), right

    @property
    def capture_interval(self) -> tuple[float, float]:
        """J = [ℓ, R] in floats (see :attr:`exact_capture`)."""
        lo, hi = self.exact_capture
        return float(lo), float(hi)

    @property
    def captures(self) -> bool:
        """Whether J is forward-invariant for every 0 < η ≤ 2/λ_w: ℓ ≥ b₁ (J's left part is in
        the sharp well) and F_s(b) ≥ ℓ at η = 2/λ_w, i.e. (2κ − 1)(b − x_s) ≤ x_s − ℓ."""
        e = self.exact
        lo, _ = self.exact_capture
        k = e["lam_sharp"] / e["lam_wide"]
        return lo >= e["far_crossing"] and (2 * k - 1) * (e["ridge"] - e["x_sharp"]) <= (
            e["x_sharp"] - lo)

    # ---------------------------------------------------------------- float maps
    def loss(self, x: Any, xp: Any = np) -> Any:
        """L(x) = min(q_s, q_w) on arrays."""
        c = float(self.exact["offset"])
        return xp.minimum(self.lam_sharp * (x - self.x_sharp) ** 2 / 2,
                          self.lam_wide * (x - self.x_wide) ** 2 / 2 + c)

    def in_sharp(self, x: Any) -> Any:
        """Whether x is in the sharp well's domain [b₁, b]."""
        return (x >= self.far_crossing) & (x <= self.ridge)

    def step(self, x: Any, eta: Any, xp: Any = np) -> Any:
        """One GD step x − η·(λ·(x − x*)) on arrays, (λ, x*) those of the lower well at x;
        ``eta`` a number or an array broadcastable against ``x``."""
        sharp = self.in_sharp(x)
        # 0-d float64 arrays: the array API's where takes at most one Python scalar
        lam = xp.where(sharp, xp.asarray(self.lam_sharp), xp.asarray(self.lam_wide))
        centre = xp.where(sharp, xp.asarray(self.x_sharp), xp.asarray(self.x_wide))
        return x - eta * (lam * (x - centre))

    def multipliers(self, eta: float) -> tuple[float, float]:
        """(σ_s, σ_w) = (1 − ηλ_s, 1 − ηλ_w): F' at each minimum."""
        return 1.0 - eta * self.lam_sharp, 1.0 - eta * self.lam_wide

    # ---------------------------------------------------------------- exact map
    def exact_branch(self, x: Fraction, eta: Fraction) -> tuple[Fraction, Fraction]:
        """(ηλ, x*) of the lower well at x, exactly: there F(x) = x − ηλ(x − x*)."""
        e = self.exact
        if e["far_crossing"] <= x <= e["ridge"]:
            return eta * e["lam_sharp"], e["x_sharp"]
        return eta * e["lam_wide"], e["x_wide"]

    def exact_step(self, x: Fraction, eta: Fraction) -> Fraction:
        """F(x) in exact rational arithmetic."""
        a, centre = self.exact_branch(x, eta)
        return x - a * (x - centre)


def _check_eta(eta: float) -> Fraction:
    return Fraction(check_positive("eta", eta))


# --------------------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------------------

Region = tuple[Fraction | None, Fraction | None]  # [lo, hi]; None: unbounded


def _certificates(well: DoubleWell, eta: Fraction) -> list[tuple[int, list[Region]]]:
    """The certificates active at η, each as a union of intervals (class, regions)."""
    e = well.exact
    xs, b, b1, xw = e["x_sharp"], e["ridge"], e["far_crossing"], e["x_wide"]
    ss, sw = abs(1 - eta * e["lam_sharp"]), abs(1 - eta * e["lam_wide"])
    out: list[tuple[int, list[Region]]] = []
    if ss < 1:
        r = min(b - xs, xs - b1)
        out.append((SHARP, [(xs - r, xs + r)]))
    if sw < 1:
        out.append((WIDE, [(b, 2 * xw - b)]))
    if sw > 1:
        out.append((DIVERGED, [(None, b1), (2 * xw - b1, None)]))
    return out


def _inside(x: Fraction, region: Region, cls: int) -> bool:
    lo, hi = region
    if cls == WIDE:  # W = (b, 2x_w − b]: the ridge itself belongs to the sharp well
        return lo is not None and hi is not None and lo < x <= hi
    if cls == DIVERGED:  # D is open: |x − x_w| > x_w − b₁
        return (lo is None or x > lo) and (hi is None or x < hi)
    return (lo is None or x >= lo) and (hi is None or x <= hi)


def _fate_now(well: DoubleWell, eta: Fraction, x: Fraction) -> int:
    for cls, regions in _certificates(well, eta):
        if any(_inside(x, r, cls) for r in regions):
            return cls
    return UNDECIDED


def classify(well: DoubleWell, eta: float, x: Any, xp: Any = np) -> Any:
    """Class codes (SHARP, WIDE, DIVERGED, UNDECIDED) of the points ``x`` by the certificates
    at η (which are active is decided exactly, as in the exact model; the certificates are
    disjoint); a non-finite x counts as diverged."""
    code = xp.full(x.shape, UNDECIDED, dtype=xp.int8)
    for cls, regions in _certificates(well, _check_eta(eta)):
        for lo, hi in regions:
            left = x > -xp.inf if lo is None else (x > float(lo) if cls in (WIDE, DIVERGED)
                                                   else x >= float(lo))
            right = x < xp.inf if hi is None else (x < float(hi) if cls == DIVERGED
                                                   else x <= float(hi))
            code = xp.where(left & right, cls, code)
    return xp.where(xp.isfinite(x), code, DIVERGED)


def gd_orbit(well: DoubleWell, eta: Any, x0: Any, steps: int, xp: Any = np) -> Any:
    """x_T after ``steps`` GD steps from every start in ``x0`` (η a number or an array
    broadcastable against x0, e.g. shape (m, 1) for m learning rates)."""
    check_int("steps", steps, 0)
    if isinstance(eta, np.ndarray):
        if eta.size == 0 or not bool(np.all(np.isfinite(eta) & (eta > 0))):
            raise ParameterError("eta", eta, "an array of numbers in (0, inf)")
    else:
        check_positive("eta", eta)
    x = x0
    for _ in range(steps):
        x = well.step(x, eta, xp)
    return x


def basin_kernel(well: DoubleWell, eta: float, steps: int,
                 starts: tuple[float, float] | None = None) -> Kernel:
    """Chains from x₀ uniform on ``starts`` (default: the capture interval J), ``steps`` GD
    steps each, classified at the end: per chain the indicators of (sharp, wide, diverged,
    undecided)."""
    eta = check_positive("eta", eta)
    check_int("steps", steps, 0)
    lo, hi = starts if starts is not None else well.capture_interval
    check_real("starts[1]", hi, check_real("starts[0]", lo))

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = lo + (hi - lo) * rng.uniform()
        with np.errstate(over="ignore", invalid="ignore"):
            code = classify(well, eta, gd_orbit(well, eta, x, steps, xp), xp)
        return astype(xp, xp.stack([code == k for k in range(4)], axis=1), rng.dtype)

    return kernel


# --------------------------------------------------------------------------------------
# Exact orbits and the exact measure of each fate
# --------------------------------------------------------------------------------------


def exact_fate(well: DoubleWell, eta: float, x0: Fraction, steps: int) -> tuple[int, int]:
    """(class, step) of the exact orbit of x₀: the first t ≤ ``steps`` at which x_t is in a
    certificate, or (UNDECIDED, steps)."""
    q = _check_eta(eta)
    return first_fate(lambda x: well.exact_step(x, q), lambda x: _fate_now(well, q, x),
                      Fraction(x0), steps, UNDECIDED)


def stays_sharp(well: DoubleWell, eta: float, starts: Iterable[Fraction], steps: int) -> bool:
    """Whether some start's exact orbit stays in the sharp well's domain [b₁, b] for all
    t ≤ ``steps`` (no certificate is consulted: the predicate is pure simulation)."""
    q = _check_eta(eta)
    check_int("steps", steps, 1)
    e = well.exact
    lo, hi = e["far_crossing"], e["ridge"]
    for x0 in starts:
        x = Fraction(x0)
        for _ in range(steps + 1):
            if not lo <= x <= hi:
                break
            x = well.exact_step(x, q)
        else:
            return True
    return False


def class_measures(well: DoubleWell, eta: float, steps: int,
                   starts: tuple[float, float] | None = None) -> FateMeasures:
    """Exact fractions of x₀ uniform on ``starts`` (default J) in each class of
    :data:`CLASSES` after ``steps`` steps, with the float rounding bound
    (:func:`lrtheory.models.exact_orbits.fate_measures`: the start interval pushed through F
    as affine pieces, cut at the domain edges b₁, b and the certificates' edges)."""
    q = _check_eta(eta)
    check_int("steps", steps, 0)
    if starts is None:
        lo, hi = well.exact_capture
    else:
        lo, hi = Fraction(starts[0]), Fraction(check_real("starts[1]", starts[1], starts[0]))
    e = well.exact
    cuts = sorted({v for _, regions in _certificates(well, q) for r in regions for v in r
                   if v is not None} | {e["ridge"], e["far_crossing"]})
    return fate_measures(lambda x: well.exact_branch(x, q), lambda x: _fate_now(well, q, x),
                         cuts, (lo, hi), steps, CLASSES, UNDECIDED)


# --------------------------------------------------------------------------------------
# Exact helpers: a grid of starts, the image of an interval
# --------------------------------------------------------------------------------------


def start_grid(well: DoubleWell, n: int,
               interval: tuple[float, float] | None = None) -> list[Fraction]:
    """The midpoints of ``n`` equal cells of ``interval`` (default J), exactly, leaving out
    the sharp minimum x_s (the one start that stays in the sharp well at every η)."""
    check_int("n", n, 1)
    if interval is None:
        lo, hi = well.exact_capture
    else:
        lo = Fraction(interval[0])
        hi = Fraction(check_real("interval[1]", interval[1], interval[0]))
    xs = Fraction(well.x_sharp)
    mids = (lo + (hi - lo) * Fraction(2 * k + 1, 2 * n) for k in range(n))
    return [x for x in mids if x != xs]


def image_bounds(well: DoubleWell, eta: float, lo: Fraction,
                 hi: Fraction) -> tuple[Fraction, Fraction]:
    """Exact inf and sup of F over [lo, hi]: F is affine between the domain edges b₁ and b,
    so the extremes are among F(lo), F(hi) and both one-sided values at an edge inside."""
    q = _check_eta(eta)
    lo, hi = Fraction(lo), Fraction(hi)
    if hi < lo:
        raise ParameterError("hi", float(hi), f"at least lo = {float(lo):g}")
    e = well.exact
    values = [well.exact_step(lo, q), well.exact_step(hi, q)]
    for edge in (e["far_crossing"], e["ridge"]):
        if lo <= edge <= hi:
            values += [edge - q * e["lam_sharp"] * (edge - e["x_sharp"]),
                       edge - q * e["lam_wide"] * (edge - e["x_wide"])]
    return min(values), max(values)
