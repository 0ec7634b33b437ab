"""One-sided checks of a derived spectral radius against a run: rates and divergence edges.

A linear rule s_{t+1} = M s_t run for T steps from the k basis states measures
r_T = ‖M^T‖₂^{1/T} (:func:`~lrtheory.models.linear_rate.measured_rate`). With ρ = ρ(M) and
ν ≥ M's departure from normality, Henrici's bound gives the *one-sided* bracket

    ρ ≤ r_T ≤ U = (Σ_{j<k} C(T, j) ρ^{T−j} ν^j)^{1/T},

so a derived ρ is tested by whether r_T lies in [ρ, U] (widened by the run's rounding), not
by |ρ − r_T| ≤ U − ρ, which would accept a ρ on the wrong side of r_T. A
:class:`RateBand` holds that bracket over a batch of parameter values; its
:meth:`~RateBand.check` writes it as a :class:`~lrtheory.claim.ModelCheck` with closed form
the midpoint (ρ + U)/2 and tolerance the half-width plus rounding.

:func:`threshold_check` does the same for a divergence edge x_c (where ρ crosses 1, x a
learning rate or a curvature): a grid search finds adjacent x_a < x_b with r_T(x_a) < 1 ≤
r_T(x_b). Since r_T ≥ ρ, x_a lies below the edge; since r_T ≤ U, x_b lies where U ≥ 1, at or
above x₋ (the lowest x with U(x) ≥ 1). So the flip lies in [x₋, x_c]; a derived edge is
refuted if the bracket placed below it misses the flip. The band x_c − x₋ shrinks like
(log T)/T; T is doubled until it is below a target.

The rounding of the run comes from :func:`~lrtheory.models.linear_rate.rate_rounding`, with
the per-step error bound e of :func:`step_rounding`, derived from the rule's own arithmetic
(run on SymPy symbols). :func:`precise_quadratic_radius` evaluates a derived ρ for a 2×2
recursion in 60-digit arithmetic from its characteristic polynomial, so the ρ compared is the
derived one at the run's float parameters, correct to one rounding even at a double root.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Any, NamedTuple

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import brentq

from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models.linear_rate import (
    LinearStep,
    henrici_upper_array,
    measured_rate,
    nilpotent_rate_rounding,
    rate_rounding,
)
from lrtheory.models.rounding import EPS, gamma

ParametrisedStep = Callable[..., Sequence[Any]]
"""``step(state, *params)`` → new state: one step of a linear rule whose parameters are
given after the state; runs on NumPy arrays (the run) and on SymPy symbols (its rounding)."""

MP_DIGITS = 60
RATE_REASON = ("Henrici's one-sided bracket ρ ≤ r_T ≤ U = (Σ_{j<k} C(T,j)ρ^{T−j}ν^j)^{1/T}: "
               "closed form = its midpoint (ρ + U)/2, tolerance = half-width plus the float64 "
               "rounding of the run (rate_rounding), so a ρ above r_T, or one so low that U < "
               "r_T, fails")


# --------------------------------------------------------------------------------------
# Inputs of the bracket: ν, the rounding of one step, ρ to one rounding
# --------------------------------------------------------------------------------------


def _matrices(matrices: Any, name: str = "matrices") -> np.ndarray:
    m = float_array(name, matrices)
    if m.ndim < 2 or m.shape[-1] != m.shape[-2] or m.shape[-1] < 1 or not np.all(
            np.isfinite(m)):
        raise ParameterError(name, np.shape(matrices),
                             "a finite array of square matrices, shape (*batch, k, k)")
    return m


def departure_bound(matrices: Any) -> np.ndarray:
    """An upper bound on ν = √(‖M‖_F² − Σ|λ_i|²) (Henrici's departure from normality) over
    the last two axes, with a margin for floating point.

    For k = 2, Σ|λ_i|² = max(tr² − 2 det, 2 det) (real roots: tr² − 2 det; a complex pair:
    2|λ|² = 2 det), free of the √ε sensitivity of eigenvalues at a double root; the margin
    16kε(‖M‖_F² + tr² + 2|det|) covers the rounding of those sums (and entries of M that are
    off by ε). For k > 2 the eigenvalues are used with the same margin, which covers
    well-separated eigenvalues but is not a proof near a defective one.
    """
    m = _matrices(matrices)
    k = m.shape[-1]
    frob = np.sum(m * m, axis=(-2, -1))
    if k == 2:
        tr = m[..., 0, 0] + m[..., 1, 1]
        det = m[..., 0, 0] * m[..., 1, 1] - m[..., 0, 1] * m[..., 1, 0]
        eig2 = np.maximum(tr * tr - 2 * det, 2 * det)
        size = frob + tr * tr + 2 * np.abs(det)
    else:
        eig2 = np.sum(np.abs(np.linalg.eigvals(m)) ** 2, axis=-1)
        size = frob + eig2
    nu: np.ndarray = np.sqrt(np.maximum(frob - eig2, 0.0) + 16 * k * EPS * size)
    return nu


@cache
def _rounding_form(step: ParametrisedStep, k: int, n_params: int) -> tuple[Callable[..., Any],
                                                                             int]:
    """(|A|(params), d) for ``step``: run on real symbols, each output is Σ_m c_m s_j(m) over
    monomials c_m (products of parameters) times one state component; |A|_ij = Σ|c_m| over
    the monomials of output i on s_j, and d = the total operation count of the outputs."""
    state = sp.symbols(f"s_0:{k}", real=True, cls=sp.Dummy)
    params = sp.symbols(f"p_0:{n_params}", real=True, cls=sp.Dummy)
    out = [sp.sympify(x) for x in step(tuple(state), *params)]
    if len(out) != k:
        raise ParameterError("step", step, f"a map of {k} state components to {k}")
    depth = sum(int(sp.count_ops(x)) for x in out)
    rows = []
    for x in out:
        poly = sp.Poly(sp.expand(x), *state)
        if poly.total_degree() > 1 or poly.coeff_monomial(1) != 0:
            raise ParameterError("step", step, "linear in the state (no constant term)")
        rows.append([sum((sp.Abs(t) for t in sp.Add.make_args(sp.expand(poly.coeff_monomial(s)))),
                         sp.Integer(0)) for s in state])
    return sp.lambdify(params, rows, "numpy"), depth


def step_rounding(step: ParametrisedStep, k: int, *params: Any) -> np.ndarray:
    """e with ‖fl(step(s)) − M s‖₂ ≤ e‖s‖₂ for one step evaluated in float64, elementwise
    over arrays of parameters (broadcast).

    ``step`` is run once on SymPy symbols. In a straight-line program of +, −, × each
    computed monomial c_m s_j carries at most d factors (1 + δ), |δ| ≤ u, so the output errs
    by ≤ γ_d Σ_m |c_m||s_j| = γ_d (|A||s|)_i, and e = γ_d‖|A|‖₂ (Higham's γ). This assumes
    the symbolic run does what the float run does: no two monomials of opposite sign
    cancel symbolically (true of the momentum rules, whose monomials are distinct).
    """
    k = check_int("k", k, 1, MAX_SIZE)
    func, depth = _rounding_form(step, k, len(params))
    values = [np.asarray(p, dtype=float) for p in params]
    if not all(np.all(np.isfinite(v)) for v in values):
        raise ParameterError("params", params, "finite numbers or arrays")
    shape = np.broadcast_shapes(*(v.shape for v in values)) if values else ()
    a_abs = np.stack([np.stack([np.broadcast_to(np.asarray(e, dtype=float), shape)
                                for e in row], -1) for row in func(*values)], -2)
    out: np.ndarray = gamma(depth) * np.linalg.norm(a_abs, 2, axis=(-2, -1))
    return out


@cache
def _mp_coefficients(c1: sp.Expr, c0: sp.Expr,
                     symbols: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    return sp.lambdify(symbols, (c1, c0), "mpmath")  # type: ignore[no-any-return]


def precise_quadratic_radius(c1: sp.Expr, c0: sp.Expr, symbols: Sequence[sp.Symbol],
                             *values: Any) -> tuple[np.ndarray, np.ndarray]:
    """(ρ, error bound) for ρ = max |z| over the roots of z² + c₁z + c₀, the *derived*
    coefficients evaluated at float parameters (broadcast arrays) taken as exact rationals.

    In 60-digit arithmetic products of floats are exact and the roots
    (−c₁ ± √(c₁² − 4c₀))/2 err by ≤ 10⁻²⁸(1 + |c₁| + √|c₀|) even at a double root (√ of a
    60-digit error); rounding to float64 adds ≤ ερ. The bound is the sum of the two.
    """
    symbols = tuple(symbols)
    if len(symbols) != len(values):
        raise ParameterError("values", len(values), f"{len(symbols)} arrays, one per symbol")
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ParameterError("values", values, "finite numbers or arrays")
    func = _mp_coefficients(sp.sympify(c1), sp.sympify(c0), symbols)
    shape = arrays[0].shape if arrays else ()
    rho, err = np.empty(shape), np.empty(shape)
    with mpmath.workdps(MP_DIGITS):
        for idx in np.ndindex(shape):
            a1, a0 = func(*(mpmath.mpf(float(a[idx])) for a in arrays))
            disc = a1 * a1 - 4 * a0
            root = mpmath.sqrt(disc) if disc >= 0 else mpmath.mpc(0, mpmath.sqrt(-disc))
            rho[idx] = float(max(abs((-a1 + root) / 2), abs((-a1 - root) / 2)))
            err[idx] = 1e-28 * (1 + float(abs(a1)) + math.sqrt(float(abs(a0))))
    return rho, err + EPS * rho


# --------------------------------------------------------------------------------------
# The bracket over a batch, and its checks
# --------------------------------------------------------------------------------------


class RateBand(NamedTuple):
    """Measured r_T with its theoretical bracket [lower, upper] ± rounding, per batch cell."""

    measured: np.ndarray
    lower: np.ndarray  #: ρ minus its evaluation error
    upper: np.ndarray  #: Henrici's U at ρ plus its evaluation error, with ν bounded above
    rounding: np.ndarray  #: float64 bound on the measured r_T
    steps: int

    @property
    def centre(self) -> np.ndarray:
        out: np.ndarray = (self.lower + self.upper) / 2
        return out

    @property
    def half_width(self) -> np.ndarray:
        out: np.ndarray = (self.upper - self.lower) / 2 + self.rounding
        return out

    def misses(self) -> np.ndarray:
        """Per cell: whether r_T lies outside the bracket (the derived ρ is refuted there)."""
        out: np.ndarray = np.abs(self.measured - self.centre) > self.half_width
        return out

    def worst(self, cells: Any = None) -> int:
        """The flat index (among ``cells``, default all) using most of its bracket."""
        use = np.arange(self.measured.size) if cells is None else np.asarray(cells, dtype=int)
        ratio = (np.abs(self.measured - self.centre) / self.half_width).ravel()[use]
        return int(use[int(np.argmax(ratio))])

    def check(self, name: str, index: int | None = None) -> ModelCheck:
        """The bracket at flat cell ``index`` (default: the worst cell) as a ModelCheck."""
        i = self.worst() if index is None else check_int("index", index, 0,
                                                          self.measured.size - 1)
        lo, up = float(self.lower.ravel()[i]), float(self.upper.ravel()[i])
        return ModelCheck(
            f"{name}: r_T in [ρ, U] = [{lo:.6g}, {up:.6g}], T = {self.steps}",
            float(self.centre.ravel()[i]), float(self.measured.ravel()[i]),
            float(self.half_width.ravel()[i]), RATE_REASON)


def _broadcast(name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    v = float_array(name, value)
    if not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ParameterError(name, value, "finite and ≥ 0")
    try:
        return np.broadcast_to(v, shape)
    except ValueError:
        raise ParameterError(name, np.shape(value), f"broadcastable to {shape}") from None


@finite_result
def run_rounding(matrix: Any, rho: float, nu: float, steps: int, step_error: float) -> float:
    """Float64 bound on r_T measured for the k×k ``matrix`` (spectral radius ρ, departure
    ≤ ν) by steps that err by ≤ ``step_error``·‖s‖; ε is added for measured_rate's
    renormalisation (a division). ρ = 0 needs a nilpotent matrix (ρ > 0 otherwise)."""
    m = _matrices(matrix, "matrix")
    e = check_real("step_error", step_error, 0.0, lo_open=False) + EPS
    rho = check_real("rho", rho, 0.0, lo_open=False)
    nu = check_real("nu", nu, 0.0, lo_open=False)
    if rho > 0:
        return rate_rounding(rho, nu, m.shape[-1], steps, e)
    try:
        return nilpotent_rate_rounding(m, steps, e)
    except ParameterError:
        raise ParameterError("rho", rho, "> 0 unless the matrix is nilpotent (M^k = 0)") \
            from None


def rate_band(step: LinearStep, matrices: Any, rho: Any, steps: int, step_error: Any,
              rho_error: Any = 0.0) -> RateBand:
    """Run ``step`` (vectorised over the batch of ``matrices``, shape (*batch, k, k): the map
    the step should be) from the k basis states and bracket its r_T by the derived ``rho``
    (± ``rho_error``, its evaluation error) and Henrici's U with ν from
    :func:`departure_bound`. ``step_error``: per-step rounding (:func:`step_rounding`)."""
    m = _matrices(matrices)
    k, batch = m.shape[-1], m.shape[:-2]
    steps = check_int("steps", steps, 1, MAX_STEPS)
    rho = _broadcast("rho", rho, batch)
    err = _broadcast("rho_error", rho_error, batch)
    e = _broadcast("step_error", step_error, batch)
    measured = measured_rate(step, k, steps, batch=batch)
    nu = departure_bound(m)
    lower = np.maximum(rho - err, 0.0)
    upper = henrici_upper_array(rho + err, nu, k, steps)
    rounding = np.zeros(batch)
    for idx in np.ndindex(batch):
        rounding[idx] = run_rounding(m[idx], float(lower[idx]), float(nu[idx]), steps,
                                     float(e[idx]))
    return RateBand(measured, lower, upper, rounding, steps)


def max_rate_check(name: str, band: RateBand, rate: float, rate_error: float,
                   matrices: Any) -> ModelCheck:
    """The largest r_T over the batch against a derived worst-case rate r* = max_i ρ_i:
    max_i r_T,i ∈ [r*, max_i U(r*, ν_i)] (U increases in ρ), ± the largest rounding."""
    rate = check_real("rate", rate, 0.0, lo_open=False)
    err = check_real("rate_error", rate_error, 0.0, lo_open=False)
    m = _matrices(matrices)
    nu = departure_bound(m)
    lower = max(rate - err, 0.0)
    upper = float(np.max(henrici_upper_array(np.full(nu.shape, rate + err), nu, m.shape[-1],
                                             band.steps)))
    return ModelCheck(
        f"{name}: max r_T over {band.measured.size} cells in [r*, max U(r*)] = "
        f"[{lower:.6g}, {upper:.6g}], T = {band.steps}", (lower + upper) / 2,
        float(np.max(band.measured)), (upper - lower) / 2 + float(np.max(band.rounding)),
        RATE_REASON.replace("ρ ≤ r_T", "max_i ρ_i = r* ≤ max_i r_T").replace(
            "a ρ above", "an r* above"))


# --------------------------------------------------------------------------------------
# A divergence edge located by a run
# --------------------------------------------------------------------------------------


def flip_search(contracts: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
                points: int = 31, rounds: int = 2) -> tuple[float, float]:
    """Adjacent (x_a, x_b) with ``contracts`` True at x_a and False at x_b: a grid of
    ``points`` interior values, evaluated in one vectorised call, narrowed ``rounds`` times
    into the first cell where the answer flips (width (hi − lo)/(points + 1)^rounds).
    Both ends are evaluated first; a bracket that does not straddle a flip is an error."""
    lo = check_real("lo", lo)
    hi = check_real("hi", hi, lo)
    points, rounds = check_int("points", points, 1), check_int("rounds", rounds, 1, 8)
    ends = np.asarray(contracts(np.array([lo, hi])), dtype=bool)
    if not ends[0]:
        raise ParameterError("lo", lo, "a point where the run contracts (below the edge)")
    if ends[1]:
        raise ParameterError("hi", hi, "a point where the run does not contract (above)")
    a, b = lo, hi
    for _ in range(rounds):
        xs = np.linspace(a, b, points + 2)
        ok = np.concatenate([[True], np.asarray(contracts(xs[1:-1]), dtype=bool), [False]])
        i = int(np.argmin(ok))  # the first False
        a, b = float(xs[i - 1]), float(xs[i])
    return a, b


def _first_crossing(excess: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
                    grid: int = 32) -> float:
    """The lowest x in [lo, hi] with excess(x) ≥ 0, given excess(hi) ≥ 0: ``excess`` on a grid
    (one vectorised call), then Brent in the first cell where it is ≥ 0."""
    xs = np.linspace(lo, hi, grid + 1)
    i = int(np.argmax(np.asarray(excess(xs)) >= 0))
    if i == 0:
        return lo
    return float(brentq(lambda x: float(excess(np.array([x]))[0]), float(xs[i - 1]),
                        float(xs[i]), xtol=1e-14 * max(1.0, abs(hi))))


def threshold_check(name: str, run_at: Callable[[np.ndarray], LinearStep],
                    matrices_at: Callable[[np.ndarray], np.ndarray],
                    errors_at: Callable[[np.ndarray], np.ndarray], edge: float, lo: float,
                    hi: float, steps: int = 200, *, band_target: float = 0.004,
                    max_steps: int = 4000, points: int = 31, rounds: int = 2) -> ModelCheck:
    """A derived divergence edge ``edge`` (in a variable x: η, λ or ηλ) against the flip of
    "r_T < 1" found by :func:`flip_search` on [lo, hi] over runs of ``run_at(xs)`` (one step
    vectorised over an array of x).

    From the rule's numerical matrices (``matrices_at(xs)``, shape (*xs.shape, k, k)) and
    per-step rounding (``errors_at(xs)``) the band is computed: x_c where the numerical
    ρ = 1, x₋ the lowest x ≥ lo with U(x) + m(x) ≥ 1 (Henrici at T, ν from
    :func:`departure_bound`; m = the run's rounding plus √ε‖M‖_F for ρ's own error) and x₊
    where ρ = 1 + m. Theory puts the flip in [edge − (x_c − x₋), edge + (x₊ − x_c)]; the
    closed form is its midpoint and the tolerance its half-width plus the search's
    half-width. T starts at ``steps`` and doubles (up to ``max_steps``) until
    x_c − x₋ ≤ ``band_target``·|edge|: an edge wrong by more than the band plus the search
    width is refuted; one outside [lo, hi] altogether is refuted with the end it lies beyond.
    Choose lo where ρ is well above 0 (m has no useful bound at ρ ≈ 0).
    """
    edge = check_real("edge", edge)
    lo = check_real("lo", lo, -math.inf, edge)
    hi = check_real("hi", hi, edge)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    max_steps = check_int("max_steps", max_steps, steps, MAX_STEPS)
    band_target = check_real("band_target", band_target, 0.0)

    def rho(xs: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.max(np.abs(np.linalg.eigvals(matrices_at(xs))), axis=-1)
        return out

    def margin(xs: np.ndarray, t: int) -> np.ndarray:
        m, r = matrices_at(xs), rho(xs)
        nu, e = departure_bound(m), np.broadcast_to(errors_at(xs), xs.shape)
        out: np.ndarray = np.sqrt(EPS) * np.linalg.norm(m, axis=(-2, -1))
        for i in np.ndindex(xs.shape):
            out[i] += run_rounding(m[i], max(float(r[i]), EPS), float(nu[i]), t, float(e[i]))
        return out

    def excess(xs: np.ndarray, t: int) -> np.ndarray:
        m = matrices_at(xs)
        upper = henrici_upper_array(rho(xs), departure_bound(m), m.shape[-1], t)
        out: np.ndarray = upper + margin(xs, t) - 1.0
        return out

    def rho_at(x: float) -> float:
        return float(rho(np.array([x]))[0])

    if not rho_at(lo) < 1 < rho_at(hi):  # the edge is not near the derived one at all
        end = lo if rho_at(lo) >= 1 else hi
        return ModelCheck(f"{name}: the rule's numerical ρ does not cross 1 in [{lo:.6g}, "
                          f"{hi:.6g}] around the derived edge {edge:.6g}", edge, end, 0.0,
                          "ρ ≥ 1 at the lower end, or < 1 at the upper: the edge lies beyond "
                          "that end")
    xtol = 1e-15 * max(1.0, abs(hi))
    x_c = float(brentq(lambda x: rho_at(x) - 1.0, lo, hi, xtol=xtol))
    while True:
        x_minus = _first_crossing(partial(excess, t=steps), lo, x_c)
        if x_c - x_minus <= band_target * abs(edge) or 2 * steps > max_steps:
            break
        steps *= 2
    tol_c = float(margin(np.array([x_c]), steps)[0])
    x_plus = float(brentq(lambda x: rho_at(x) - 1.0 - tol_c, x_c, hi, xtol=xtol))
    k = matrices_at(np.array([lo])).shape[-1]

    def contracts(xs: np.ndarray) -> np.ndarray:
        out: np.ndarray = measured_rate(run_at(xs), k, steps, batch=xs.shape) < 1.0
        return out

    a, b = flip_search(contracts, lo, hi, points, rounds)
    below, above = edge - (x_c - x_minus), edge + (x_plus - x_c)
    return ModelCheck(
        f"{name}: flip of r_T < 1 at x ∈ [{a:.6g}, {b:.6g}] vs the derived edge {edge:.6g} "
        f"(theory: flip ∈ [{below:.6g}, {above:.6g}], T = {steps})",
        (below + above) / 2, (a + b) / 2, (above - below) / 2 + (b - a) / 2,
        f"one-sided: r_T ≥ ρ ≥ 1 past the edge, and r_T ≤ U < 1 below it by more than the "
        f"Henrici band {x_c - x_minus:.2g} (T = {steps}); closed form = the bracket's "
        f"midpoint, tolerance = its half-width plus the grid search's {(b - a) / 2:.2g}")
