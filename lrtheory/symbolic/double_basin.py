"""The double well of N3 in SymPy: gradient descent on the lower envelope of a sharp and a
wide quadratic well, derived from the wells' equations.

    L(x) = min(λ_s x²/2, λ_w (x − x_w)²/2 + c),   λ_s > λ_w,   the wells meeting at the ridge b,

the sharp minimum at x_s = 0 (:mod:`lrtheory.models.double_basin` is the numerical model).
:func:`escape_forms` computes every closed form: the offset c and the far crossing b₁, the
GD map and multipliers σ = 1 − ηλ on each well and where each minimum attracts, the window
[2/λ_s, 2/λ_w), the capture interval J = [ℓ, 2x_w − b] and the smallest x_w that keeps it
invariant, the fraction of uniform starts on J ending sharp (below 2/λ_s) or still in the
sharp well after T steps (in the window), and, for the :data:`DESIGN` wells beyond 2/λ_w,
the trapping interval K = [σ_s b, σ_s² b] and the η_c up to which F maps K into itself.
:func:`escape_derivation` assembles them into N3's derivation; :func:`fate_fractions` gives
the predicted fraction of each fate at a numerical point.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.errors import ParameterError
from lrtheory.symbolic.linear import stable_interval

X = sp.Symbol("x", real=True)
ETA, LAM, LS, LW, B, XW = sp.symbols("eta lambda lambda_s lambda_w b x_w", positive=True)
T = sp.Symbol("T", integer=True, positive=True)
R_EXCESS = sp.Symbol("r", positive=True)  # ηλ_s − 1 = 1 + r in the window
#: The wells of N3's points: λ_s = 2, λ_w = 1, ridge b = 1, x_w = 5 (the smallest capturing
#: x_w for κ = 2), so J = [−3, 9], |J| = 12, and η_c = 1 + √6/2.
DESIGN = {"lam_sharp": 2.0, "lam_wide": 1.0, "ridge": 1.0, "x_wide": 5.0}
_WELL_SYMBOLS = {"lam_sharp": LS, "lam_wide": LW, "ridge": B, "x_wide": XW}


def rational_values(params: Mapping[str, float]) -> dict[sp.Symbol, sp.Expr]:
    """The wells (and ``eta``, ``steps`` where given) as exact SymPy numbers: floats are
    dyadic rationals, so these are the very values the float model runs on."""
    for k in _WELL_SYMBOLS:
        if k not in params:
            raise ParameterError(k, None, "given (a well parameter)")
    out: dict[sp.Symbol, sp.Expr] = {
        s: sp.Rational(Fraction(params[k])) for k, s in _WELL_SYMBOLS.items()}
    if "eta" in params:
        out[ETA] = sp.Rational(Fraction(params["eta"]))
    if "steps" in params:
        out[T] = sp.Integer(int(params["steps"]))
    return out


def as_fraction(value: sp.Expr) -> Fraction:
    """A SymPy rational as a Fraction (exactly)."""
    q = sp.Rational(value)
    return Fraction(int(q.p), int(q.q))


# --------------------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------------------


def _solve(eq: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """The roots of ``eq`` in ``var`` (SymPy's solve without its slow re-simplification)."""
    return [sp.factor(r) for r in sp.solve(eq, var, simplify=False, check=False,
                                           rational=False)]


@functools.cache
def escape_forms() -> dict[str, Any]:
    """Every closed form of the claim, computed from the two wells (cached: the model and
    the Monte Carlo predictions substitute numbers into these)."""
    x, eta, b, xw = X, ETA, B, XW
    c = sp.Symbol("c", real=True)
    q_s, q_w = LS * x**2 / 2, LW * (x - xw) ** 2 / 2 + c
    offset = _solve(sp.Eq(q_s.subs(x, b), q_w.subs(x, b)), c)[0]
    gap = sp.factor(sp.expand((q_s - q_w).subs(c, offset)))
    far = next(r for r in _solve(gap, x) if r != b)
    F_s, F_w = x - eta * sp.diff(q_s, x), x - eta * sp.diff(q_w, x)
    min_s, min_w = _solve(sp.Eq(F_s, x), x)[0], _solve(sp.Eq(F_w, x), x)[0]
    sig_s, sig_w = sp.diff(F_s, x), sp.diff(F_w, x)
    stable = stable_interval(1 - eta * LAM, eta)
    stable_s, stable_w = stable.subs(LAM, LS), stable.subs(LAM, LW)
    # [2/λ_s, 2/λ_w): where the wide minimum attracts and the sharp one does not.
    order = sp.factor((stable_w.end - stable_s.end).subs(LS, LW * (1 + R_EXCESS)))
    window = sp.Interval(stable_s.end, stable_w.end, left_open=False, right_open=True)
    right = 2 * xw - b  # W = (b, 2x_w − b]: the interval about x_w with the ridge as its end
    ell_sym = sp.Symbol("ell", real=True)
    edge = 2 / LW  # the top of the window: the worst case of every exit (affine in η)
    ell = _solve(sp.Eq(F_s.subs({eta: edge, x: ell_sym}), right), ell_sym)[0]
    xw_min = _solve(sp.Eq(F_s.subs({eta: edge, x: b}), ell), xw)[0]
    kappa = sp.Symbol("kappa", positive=True)
    corners = sp.Tuple(*(sp.factor(F_s.subs({x: p, eta: e})) for p in (ell, b)
                         for e in (0, edge)))
    basin_edge = _solve(sp.Eq(F_s, b), x)[0]  # −b/(ηλ_s − 1): the sharp basin's left end
    width = sp.factor(right - ell)
    p_sharp = sp.factor((b - basin_edge) / width)
    p_all = sp.factor((b - ell) / width)
    p_flip = sp.limit(p_sharp, eta, 2 / LS, "-")
    # In the window x_t = (−ρ)^t x₀, ρ = ηλ_s − 1 > 1: a positive start is back on the ridge's
    # side at even t, a negative one at odd t; both stay while ρ^t|x₀| ≤ b.
    rho = sp.Symbol("rho", positive=True)
    stay_even, stay_odd = (_solve(sp.Eq(rho**m * x, b), x)[0] for m in (T, T - 1))
    p_stay = (stay_even + stay_odd) / width
    p_stay_limit = sp.limit(sp.factor(p_stay.subs(rho, 1 + R_EXCESS)), T, sp.oo)
    loss_ratio = sp.factor(q_s.subs(x, F_s) / q_s)
    return {
        "offset": offset, "gap": gap, "far": far, "F_s": F_s, "F_w": F_w, "min_s": min_s,
        "min_w": min_w, "sig_s": sig_s, "sig_w": sig_w, "stable_s": stable_s,
        "stable_w": stable_w, "order": order, "window": window, "right": right, "ell": ell,
        "xw_min": xw_min, "xw_min_kappa": sp.factor(xw_min.subs(LS, kappa * LW)),
        "kappa": kappa, "corners": corners, "basin_edge": basin_edge, "width": width,
        "p_sharp": p_sharp, "p_all": p_all, "p_flip": p_flip, "rho": rho,
        "p_stay": p_stay, "p_stay_limit": p_stay_limit, "loss_ratio": loss_ratio,
        "ell_minus_far": sp.factor((ell - far).subs(LS, LW * (1 + R_EXCESS))),
        **_chaos(F_w, sig_s, ell, right),
    }


def _chaos(F_w: sp.Expr, sig_s: sp.Expr, ell: sp.Expr, right: sp.Expr) -> dict[str, Any]:
    """Beyond 2/λ_w, for the design's wells: K = [σ_s b, σ_s² b] (the ridge's image and its
    image) is mapped into itself until F_w(σ_s² b) falls below σ_s b, at η_c."""
    values = rational_values(DESIGN)
    ks = (sig_s * B).subs(values)
    kr = (sig_s**2 * B).subs(values)
    fw = F_w.subs(values)
    top = sp.expand(fw.subs(X, kr))
    roots = sp.roots(sp.Poly(top - ks, ETA))
    eta_c = next(r for r in roots if r.is_real and r > (2 / LW).subs(values))
    ridge_image = sp.expand(fw.subs(X, values[B]))  # F_w(b⁺): the top of F over K's wide part
    sets = (sp.Union(*sp.solve_poly_inequality(sp.Poly(lhs - rhs, ETA), op)) for lhs, op, rhs in (
        (ridge_image, "<=", kr), (ks, "<=", ell.subs(values)), (kr, ">=", right.subs(values))))
    below_top = sp.Intersection(sp.Interval.open(0, sp.oo), *sets)
    return {"K": (ks, kr), "eta_c": eta_c, "K_top_image": top, "ridge_image": ridge_image,
            "ridge_below_top": below_top}


@functools.cache
def escape_derivation() -> Derivation:
    """N3's derivation: the steps of :func:`escape_forms` and the identities."""
    f = escape_forms()
    eta, b, xw = ETA, B, XW
    kappa = f["kappa"]
    steps = (
        Step.equation("ridge offset c (q_s(b) = q_w(b))", "c", f["offset"]),
        Step.equation("q_s − q_w (the sharp well is lower between its roots)", "Delta_q",
                      f["gap"]),
        Step.equation("far crossing b₁", "b_1", f["far"]),
        Step("GD map on each well", sp.Tuple(sp.expand(f["F_s"]), sp.expand(f["F_w"]))),
        Step("fixed points (the two minima)", sp.Tuple(f["min_s"], f["min_w"])),
        Step("multipliers σ_s, σ_w = F' at the minima", sp.Tuple(f["sig_s"], f["sig_w"])),
        Step("sharp minimum attracts for η in", f["stable_s"]),
        Step("wide minimum attracts for η in", f["stable_w"]),
        Step.equation("2/λ_w − 2/λ_s with λ_s = λ_w(1 + r) (> 0)", "Delta", f["order"]),
        Step("window: the wide minimum attracts, the sharp one does not", f["window"]),
        Step.equation("loss ratio q_s(F(x))/q_s(x) in the sharp well", "L_{t+1}/L_t",
                      f["loss_ratio"], "the oscillation's loss grows by (ηλ_s − 1)² a step"),
        Step.equation("W's right end (W = (b, 2x_w − b] is mapped into itself iff |σ_w| < 1)",
                      "R", f["right"]),
        Step.equation("ℓ: the sharp well's worst exit (η = 2/λ_w) lands on R", "ell", f["ell"]),
        Step("F_s(ℓ), F_s at η = 0, 2/λ_w; F_s(b) likewise (affine in η: extremes at the "
             "ends)", f["corners"]),
        Step.equation("smallest x_w with F_s(b) ≥ ℓ at η = 2/λ_w", "x_w^min", f["xw_min"]),
        Step.equation("ℓ − b₁ with λ_s = λ_w(1 + r) (> 0: J's left part is in the sharp well)",
                      "Delta_ell", f["ell_minus_far"]),
        Step.equation("sharp basin's left end, 1 < ηλ_s < 2 (F_s(x) = b)", "x^*",
                      f["basin_edge"]),
        Step.equation("fraction of uniform starts on J ending sharp", "P_sharp", f["p_sharp"]),
        Step.equation("its limit as η → 2/λ_s from below", "P_sharp^-", f["p_flip"]),
        Step.equation("window, ρ = ηλ_s − 1: fraction still in the sharp well after T steps",
                      "P_stay", f["p_stay"]),
        Step.equation("as T → ∞ (ρ = 1 + r)", "P_stay^lim", f["p_stay_limit"],
                      "only x₀ = 0, the repelling fixed point, stays: a null set"),
        Step("design (λ_s, λ_w, b, x_w) = (2, 1, 1, 5), η > 2/λ_w: K = [σ_s b, σ_s² b]",
             sp.Tuple(*f["K"])),
        Step.equation("F_w(σ_s² b) (K's top lands here)", "F_w^top",
                      f["K_top_image"]),
        Step.equation("F_w(b⁺) (the top of F over K's wide part)", "F_w^ridge",
                      f["ridge_image"]),
        Step("η with F_w(b⁺) ≤ σ_s² b and J ⊂ K", f["ridge_below_top"]),
        Step.equation("η_c: F_w(σ_s² b) = σ_s b", "eta_c", f["eta_c"],
                      "F_s maps [σ_s b, b] onto K; F_w (slope < −1) maps (b, σ_s² b] into K "
                      "iff both ends do"),
    )
    sig_s, sig_w = f["sig_s"], f["sig_w"]
    ell = -(2 * xw - b) * LW / (2 * LS - LW)  # the stated forms of ℓ and |J| = R − ℓ
    width = 2 * xw - b - ell
    identities = (
        Identity("multiplier at the sharp minimum", sig_s, 1 - eta * LS),
        Identity("multiplier at the wide minimum", sig_w, 1 - eta * LW),
        Identity("sharp minimum attracts iff 0 < η < 2/λ_s", f["stable_s"],
                 sp.Interval.open(0, 2 / LS)),
        Identity("wide minimum attracts iff 0 < η < 2/λ_w", f["stable_w"],
                 sp.Interval.open(0, 2 / LW)),
        Identity("2/λ_s < 2/λ_w", sp.sign(f["order"]), sp.Integer(1), "derived"),
        Identity("window where only the wide minimum attracts", f["window"],
                 sp.Interval.Ropen(2 / LS, 2 / LW), "derived"),
        Identity("the oscillation's loss grows by (ηλ_s − 1)² a step", f["loss_ratio"],
                 (eta * LS - 1) ** 2, "derived"),
        Identity("far crossing b₁", f["far"], -b - 2 * LW * xw / (LS - LW), "derived"),
        Identity("capture interval's left end ℓ", f["ell"], ell, "derived"),
        Identity("J is invariant for all η ≤ 2/λ_w iff x_w ≥ ((2κ−1)² + 1)b/2",
                 f["xw_min_kappa"], ((2 * kappa - 1) ** 2 + 1) * b / 2, "derived"),
        Identity("ℓ > b₁", sp.sign(f["ell_minus_far"]), sp.Integer(1), "derived"),
        Identity("sharp fraction, 1 + b/|ℓ| ≤ ηλ_s < 2", f["p_sharp"],
                 b * eta * LS / ((eta * LS - 1) * width), "derived"),
        Identity("sharp fraction as η → 2/λ_s⁻ (then 0: a jump)", f["p_flip"],
                 2 * b / width, "derived"),
        Identity("fraction still in the sharp well after T steps, window", f["p_stay"],
                 b * (f["rho"] ** -T + f["rho"] ** (1 - T)) / width, "derived"),
        Identity("no orbit stays in the sharp well (T → ∞)", f["p_stay_limit"], sp.Integer(0),
                 "derived"),
        Identity("η_c for the design (bounded orbits for 2/λ_w < η < η_c)", f["eta_c"],
                 1 + sp.sqrt(6) / 2, "derived"),
        Identity("F_w(b⁺) ≤ σ_s² b and J ⊂ K exactly from 2/λ_w on (design)",
                 f["ridge_below_top"], sp.Interval(2, sp.oo), "derived"),
        Identity("reading 'ηλ ≈ 2' as 'just below 2/λ_s every start leaves'",
                 f["p_flip"], sp.Integer(0), "modelled", expect_equal=False,
                 note="A sharpening of the seed's 'ηλ_max ≈ 2': just below 2/λ_s the "
                      "oscillations decay and a fraction 2b/|J| of the starts stays in the "
                      "sharp well; only from 2/λ_s on does every start leave. The switch is "
                      "a jump at the edge itself."),
    )
    return Derivation(steps, identities)


# --------------------------------------------------------------------------------------
# Predictions at a point
# --------------------------------------------------------------------------------------


def fate_fractions(params: Mapping[str, float]) -> tuple[Fraction, ...] | None:
    """The derived fractions (sharp, wide, diverged, undecided) of uniform starts on J after
    ``steps`` steps (as T → ∞ below the window) for the wells and η in ``params``, or None
    where none is derived (wells whose J is not invariant, or beyond 2/λ_w for wells other
    than :data:`DESIGN`, or beyond η_c)."""
    for k in ("eta", "steps"):
        if k not in params:
            raise ParameterError(k, None, "given")
    f, v = escape_forms(), rational_values(params)
    ell = f["ell"].subs(v)
    if ell < f["far"].subs(v) or v[XW] < f["xw_min"].subs(v):  # J is not invariant
        return None
    a_s, a_w = v[ETA] * v[LS], v[ETA] * v[LW]
    if a_s < 2:
        every = a_s <= 1 + v[B] / abs(ell)  # the basin's edge −b/(ηλ_s−1) is left of ℓ
        sharp = (f["p_all"] if every else f["p_sharp"]).subs(v)
        out = (sharp, 1 - sharp, 0, 0)
    elif a_s == 2:
        flip = f["p_flip"].subs(v)  # the limit from below, now on neutral 2-cycles
        out = (0, 1 - flip, 0, flip)
    elif a_w < 2:
        stay = f["p_stay"].subs(f["rho"], a_s - 1).subs(v)
        out = (0, 1 - stay, 0, stay)
    elif a_w > 2 and all(params[k] == d for k, d in DESIGN.items()) and bool(v[ETA] < f["eta_c"]):
        out = (0, 0, 0, 1)  # bounded in K for ever, neither minimum attracts (η_c: design)
    else:
        return None
    return tuple(as_fraction(sp.Rational(o)) for o in out)


def trap_interval(eta: float) -> tuple[Fraction, Fraction]:
    """K = [σ_s b, σ_s² b] of the :data:`DESIGN` wells at η, exactly."""
    q = sp.Rational(Fraction(eta))
    lo, hi = (as_fraction(k.subs(ETA, q)) for k in escape_forms()["K"])
    return lo, hi


def sharp_fraction_curve(etas: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The derived sharp fraction below 2/λ_s for the :data:`DESIGN` wells (NaN from 2/λ_s
    on), on an array of η."""
    f, design = escape_forms(), rational_values(DESIGN)
    every, basin = (sp.lambdify(ETA, f[k].subs(design), "numpy") for k in ("p_all", "p_sharp"))
    a_s = etas * DESIGN["lam_sharp"]
    ell = float(f["ell"].subs(design))
    out = np.where(a_s <= 1 + DESIGN["ridge"] / abs(ell), every(etas) + 0 * etas,
                   basin(etas))
    return np.where(a_s < 2, out, np.nan)
