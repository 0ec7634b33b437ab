"""Error correction and tracking, derived with SymPy.

A learner that removes a share k of its error each trial, c_{n+1} = c_n − k(c_n − c*), and
its continuous counterpart, the gradient flow dp/dt = −∂M/∂p on a mismatch M(p, p*(t)).
The generic functions *compute* what the tracking claims state:

* :func:`correction`: the error factor q = (c_{n+1} − c*)/(c_n − c*), the path e_n = qⁿe₀
  (``rsolve``), the gains k > 0 that converge (|q| < 1), approach monotonically (q ≥ 0) or
  overshoot (q < 0), and the trials n_s = −s/ln q that shrink the error by e^{−s};
* :func:`gradient_gain`: the GD step c − η∂L/∂c and the gain it plays;
* :func:`noisy_variance`: with noise σξ_n added each trial, the variance recursion
  V_{n+1} = q²V_n + σ² from E[·], its path, fixed point σ²/(1 − q²), stable gains and the
  gain of least stationary variance;
* :func:`gradient_flow`, :func:`first_order_response` (``dsolve`` with p(0) = p₀) and
  :func:`lag_behind` (the lag p* − p, its t → ∞ limit and the time it changes sign) for a
  ramp p* = vt;
* :func:`sinusoid_gain_phase` (amplitude ratio and phase lag of the steady response to
  A sin ωt) and :func:`transfer_function` (H with p = H e^{iωt} for p* = e^{iωt});
* :func:`drifting_lag`: the discrete rule tracking c*_n = v·n, the lag recursion and its
  steady value.

:func:`error_correction_derivation` assembles them into the derivation of catalog claim S9
(:mod:`lrtheory.claims.error_correction`); :func:`closed_form` gives its results as floats.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.errors import ParameterError
from lrtheory.symbolic.linear import stable_interval
from lrtheory.symbolic.lyapunov import (
    CONSTANT_COEFFICIENTS,
    XI,
    V,
    X,
    affine_coefficients,
    affine_fixed_point,
    affine_recursion_solution,
    positivity_set,
)
from lrtheory.symbolic.moments import centred_moments, expectation, gaussian_moments

POSITIVE = sp.Interval.open(0, sp.oo)
_FAST: dict[str, bool] = {"check": False, "simplify": False}  # sp.solve: no re-simplifying


def _symbols(**named: object) -> None:
    for name, value in named.items():
        if not isinstance(value, sp.Symbol):
            raise ParameterError(name, value, "a SymPy symbol")


def _one(solutions: list[Any], name: str, value: object, allowed: str) -> Any:
    if len(solutions) != 1:
        raise ParameterError(name, value, allowed)
    return solutions[0]


def _positive_part(s: sp.Set) -> sp.Set:
    """s ∩ (0, ∞), evaluated also for an interval with symbolic ends, where SymPy's
    ``Intersection`` stays unevaluated when it cannot order them."""
    if isinstance(s, sp.Interval):
        if (s.start <= 0) == sp.true:
            return sp.Interval(0, s.end, True, s.right_open)
        if (s.start > 0) == sp.true:
            return s
    return sp.Intersection(s, POSITIVE)


# --------------------------------------------------------------------------------------
# Generic pieces
# --------------------------------------------------------------------------------------


def correction(update: sp.Expr, c: sp.Symbol, target: sp.Symbol, gain: sp.Symbol,
               e0: sp.Expr, n: sp.Symbol, s: sp.Symbol) -> dict[str, Any]:
    """The error-correction rule c_{n+1} = ``update``(c, c*), affine in c with fixed point c*:

    ``factor`` q; ``path`` e_n from e_0 (``rsolve``); ``stable`` {k > 0 : |q| < 1};
    ``monotone`` {k > 0 : q ≥ 0}; ``overshoot`` {k > 0 : q < 0}; ``trials`` n_s solving
    qⁿ = e^{−s} (for 0 < q < 1); ``slow`` its limit as k → 0⁺.
    """
    _symbols(c=c, target=target, gain=gain, n=n, s=s)
    factor = sp.factor(sp.cancel((update - target) / (c - target)))
    if c in factor.free_symbols:
        raise ParameterError("update", update, f"affine in {c} with fixed point {target}")
    monotone = sp.solve_univariate_inequality(factor >= 0, gain, relational=False)
    trials = _one(sp.solve(sp.Eq(factor**n, sp.exp(-s)), n, **_FAST), "update", update,
                  f"a factor with one solution of qⁿ = e^(-{s})")
    return {
        "factor": factor,
        "path": affine_recursion_solution(factor, 0, e0, n),
        "stable": stable_interval(factor, gain),
        "monotone": _positive_part(monotone),
        "overshoot": _positive_part(positivity_set(-factor, gain)),
        "trials": trials,
        "slow": sp.limit(trials, gain, 0, "+"),
    }


def gradient_gain(update: sp.Expr, loss: sp.Expr, c: sp.Symbol, eta: sp.Symbol,
                  gain: sp.Symbol) -> dict[str, sp.Expr]:
    """``step`` the GD step c − η∂L/∂c; ``gain`` the k for which ``update`` equals it;
    ``rate`` the η that plays a given k."""
    _symbols(c=c, eta=eta, gain=gain)
    step = c - eta * sp.factor(sp.diff(loss, c))
    played = _one(sp.solve(sp.Eq(step, update), gain, **_FAST), "update", update,
                  f"a GD step for exactly one {gain}")
    rate = _one(sp.solve(sp.Eq(played, gain), eta, **_FAST), "loss", loss,
                f"a loss whose GD step plays {gain} for exactly one {eta}")
    return {"step": step, "gain": played, "rate": rate}


def noisy_variance(factor: sp.Expr, sigma: sp.Expr, gain: sp.Symbol,
                   n: sp.Symbol) -> dict[str, Any]:
    """The deviation x = e_n − E e_n under e_{n+1} = q e_n + σξ_n, ξ ~ N(0, 1) independent:

    ``update`` qx + σξ; ``rhs`` E[x_{n+1}²] in V = E[x_n²] (module symbols x, ξ, V of
    :mod:`lrtheory.symbolic.lyapunov`); ``a``, ``q`` with rhs = aV + q; ``stationary`` the
    fixed point; ``path`` V_n from V_0 = 0 (``rsolve``); ``stable`` {k > 0 : a < 1};
    ``best`` the one k with dV_∞/dk = 0; ``curvature`` d²V_∞/dk² there.
    """
    _symbols(gain=gain, n=n)
    update = factor * X + sigma * XI
    rhs = expectation(update**2, {X: centred_moments(V), XI: gaussian_moments(1)})
    a, q = affine_coefficients(rhs, V)
    stationary = affine_fixed_point(rhs, V)
    best = _one(sp.solve(sp.diff(stationary, gain), gain), "factor", factor,
                "a factor whose stationary variance has one critical gain")
    return {
        "update": update, "rhs": rhs, "a": a, "q": q, "stationary": stationary,
        "path": affine_recursion_solution(a, q, 0, n),
        "stable": _positive_part(positivity_set(1 - a, gain)),
        "best": best,
        "curvature": sp.factor(sp.diff(stationary, gain, 2).subs(gain, best)),
    }


def gradient_flow(mismatch: sp.Expr, p: sp.Symbol) -> sp.Expr:
    """The right-hand side dp/dt = −∂M/∂p of the gradient flow on the mismatch M."""
    _symbols(p=p)
    return -sp.factor(sp.diff(mismatch, p))


def first_order_response(flow: sp.Expr, p: sp.Symbol, target: sp.Symbol,
                         trajectory: sp.Expr, p0: sp.Expr, t: sp.Symbol) -> dict[str, sp.Expr]:
    """dp/dt = ``flow`` with the target p* following ``trajectory``(t), linear in p:

    ``general`` the ``dsolve`` solution with its constant C₁; ``solution`` with p(0) = p₀;
    ``particular`` the part left with C₁ = 0 (the steady response of a stable flow).
    """
    _symbols(p=p, target=target, t=t)
    func = sp.Function("p")
    ode = sp.Eq(func(t).diff(t), flow.subs({p: func(t), target: trajectory}))
    general = sp.dsolve(ode, func(t), hint=CONSTANT_COEFFICIENTS).rhs
    c1 = _one(list(general.free_symbols - ode.free_symbols), "flow", flow,
              "linear in p (one integration constant)")
    value = _one(sp.solve(sp.Eq(general.subs(t, 0), p0), c1, **_FAST), "flow", flow,
                 "a flow whose solution can start at p₀")
    return {"general": general, "solution": general.subs(c1, value),
            "particular": sp.expand(general.subs(c1, 0))}


def lag_behind(solution: sp.Expr, trajectory: sp.Expr, t: sp.Symbol) -> dict[str, Any]:
    """``lag`` d(t) = p*(t) − p(t); ``steady`` its limit t → ∞; ``crossing`` the one real
    t with d = 0 (a learner starting ahead of a ramp leads until then; the complex branches
    ``solve`` returns for e^{−mκt}, m > 1, are dropped)."""
    _symbols(t=t)
    lag = sp.expand(trajectory - solution)
    roots = [r for r in sp.solve(sp.Eq(lag, 0), t, simplify=False) if not r.has(sp.I)]
    crossing = _one(roots, "solution", solution, "a solution whose lag changes sign once")
    return {"lag": lag, "steady": sp.limit(lag, t, sp.oo), "crossing": crossing}


def sinusoid_gain_phase(particular: sp.Expr, amplitude: sp.Expr, omega: sp.Symbol,
                        t: sp.Symbol) -> dict[str, sp.Expr]:
    """The steady response a sin ωt + b cos ωt = R sin(ωt − φ) to A sin ωt: ``ratio``
    R/A = √(a² + b²)/A and ``phase`` φ = atan2(−b, a)."""
    _symbols(omega=omega, t=t)
    a = particular.coeff(sp.sin(omega * t))
    b = particular.coeff(sp.cos(omega * t))
    return {"ratio": sp.simplify(sp.sqrt(a**2 + b**2) / amplitude),
            "phase": sp.simplify(sp.atan2(-b, a))}


def transfer_function(flow: sp.Expr, p: sp.Symbol, target: sp.Symbol, omega: sp.Symbol,
                      t: sp.Symbol, amplitude: sp.Expr) -> dict[str, sp.Expr]:
    """H with p = H e^{iωt} solving dp/dt = ``flow`` for p* = e^{iωt} (e^{iωt} cancels: the
    equation is algebraic in H): ``H``; ``gain`` |H|; ``phase`` −arg H = atan2(−Im H, Re H);
    ``sine`` Im(A·H·e^{iωt}), the steady response to A sin ωt."""
    _symbols(p=p, target=target, omega=omega, t=t)
    h = sp.Dummy("H")
    wave = sp.exp(sp.I * omega * t)
    ansatz = sp.expand(sp.diff(h * wave, t) - flow.subs({p: h * wave, target: wave})) / wave
    value = _one(sp.solve(sp.expand(ansatz), h, **_FAST), "flow", flow, "linear in p")
    return {"H": value, "gain": sp.simplify(sp.Abs(value)),
            "phase": sp.simplify(sp.atan2(-sp.im(value), sp.re(value))),
            "sine": sp.expand(sp.expand_complex(sp.im(amplitude * value * wave)))}


def drifting_lag(update: sp.Expr, c: sp.Symbol, target: sp.Symbol, v: sp.Expr, n: sp.Symbol,
                 d: sp.Symbol) -> dict[str, sp.Expr]:
    """The rule c_{n+1} = ``update``(c_n, c*_n) tracking c*_n = v·n (each step uses the target
    of its own trial): ``drift`` d_{n+1} in the lag d_n = c*_n − c_n; ``lag`` its fixed point."""
    _symbols(c=c, target=target, n=n, d=d)
    drift = sp.expand((v * (n + 1) - update.subs(target, v * n)).subs(c, v * n - d))
    return {"drift": drift, "lag": affine_fixed_point(drift, d)}


def interval_share(s: sp.Set, lo: float, hi: float) -> float:
    """The share of [lo, hi] in the set s (the probability that k ~ U[lo, hi) lies in s)."""
    if not lo < hi:
        raise ParameterError("hi", hi, f"> lo = {lo}")
    return float(sp.Intersection(s, sp.Interval(lo, hi)).measure) / (hi - lo)


# --------------------------------------------------------------------------------------
# The derivation of claim S9
# --------------------------------------------------------------------------------------

K, ETA, LAM, SIGMA, KAPPA, VEL, AMP, OMEGA, S = sp.symbols(
    "k eta lambda sigma kappa v A omega s", positive=True)
C, C_OPT, E0, P0, D, P, P_STAR = sp.symbols("C C_opt e_0 p_0 d P p^*", real=True)
N = sp.Symbol("n", integer=True, nonnegative=True)
T = sp.Symbol("t", nonnegative=True)
UPDATE = C - K * (C - C_OPT)


def _recursion() -> tuple[list[Step], list[Identity], dict[str, Any]]:
    """The noiseless and the noisy recursion: factor, path, stable/monotone sets, variance."""
    r = correction(UPDATE, C, C_OPT, K, E0, N, S)
    g = gradient_gain(UPDATE, LAM * (C - C_OPT) ** 2 / 2, C, ETA, K)
    w = noisy_variance(r["factor"], SIGMA, K, N)
    factor, stationary, best = r["factor"], w["stationary"], w["best"]
    steps = [
        Step.equation("motor learning / thermostat update", "C_{n+1}", UPDATE),
        Step.equation("error factor (C_{n+1} − C_opt)/(C_n − C_opt)", "q", factor),
        Step.equation("GD step on ½λ(C − C_opt)²", "C_{n+1}", g["step"]),
        Step.equation("the two updates agree iff", "k", g["gain"], "k plays ηλ"),
        Step.equation("error after n trials (rsolve)", "e_n", r["path"]),
        Step.equation("converges: {k > 0 : |1 − k| < 1}", "K_stable", r["stable"]),
        Step.equation("monotone: {k > 0 : 1 − k ≥ 0}", "K_monotone", r["monotone"]),
        Step.equation("overshoots: {k > 0 : 1 − k < 0}", "K_overshoot", r["overshoot"]),
        Step.equation("trials to shrink the error by e^{−s} (0 < k < 1)", "n_s", r["trials"]),
        Step.equation("as k → 0⁺", "lim n_s", r["slow"]),
        Step.equation("noisy update of x = e_n − E e_n", "x_{n+1}", w["update"],
                      "ξ ~ N(0, 1) independent of x"),
        Step.equation("variance recursion E x_{n+1}²", "V_{n+1}", w["rhs"]),
        Step.equation("variance after n trials from V₀ = 0 (rsolve)", "V_n", w["path"]),
        Step.equation("stationary variance (fixed point)", "V_∞", stationary),
        Step.equation("variance recursion stable: {k > 0 : (1 − k)² < 1}", "K_V", w["stable"]),
        Step.equation("least stationary variance: dV_∞/dk = 0", "k_best", best),
        Step.equation("d²V_∞/dk² there", "V_∞''", w["curvature"], "> 0: a minimum"),
    ]
    identities = [
        Identity("the update is a GD step on ½λ(C − C_opt)² with η = k/λ",
                 g["step"].subs(ETA, g["rate"]), UPDATE, "stated",
                 note="seed 004: 'identical in form to a gradient descent step'"),
        Identity("error factor per trial", factor, 1 - K, "derived"),
        Identity("error after n trials", r["path"], E0 * (1 - K) ** N, "derived"),
        Identity("converges iff 0 < k < 2", r["stable"], sp.Interval.open(0, 2), "derived"),
        Identity("monotone iff k ≤ 1", r["monotone"], sp.Interval.Lopen(0, 1), "derived"),
        Identity("overshoots iff k > 1 (the thermostat's 'overshoot')", r["overshoot"],
                 sp.Interval.open(1, sp.oo), "derived",
                 note="seed 002 says only that a high rate 'might overshoot'"),
        Identity("a vanishing rate 'takes forever': n_s → ∞", r["slow"], sp.oo, "derived"),
        Identity("stationary variance of the noisy recursion", stationary,
                 SIGMA**2 / (K * (2 - K)), "derived"),
        Identity("noisy recursion settles iff 0 < k < 2", w["stable"], sp.Interval.open(0, 2),
                 "derived"),
        Identity("the dead-beat gain k = 1 also minimises the noise", best, sp.Integer(1),
                 "derived"),
        Identity("least stationary variance", stationary.subs(K, best), SIGMA**2, "derived"),
        Identity("… and it is a minimum", sp.sign(w["curvature"]), sp.Integer(1), "derived"),
    ]
    forms = {"path": r["path"], "variance": w["path"], "stable": r["stable"],
             "monotone": r["monotone"], "overshoot": r["overshoot"]}
    return steps, identities, forms


def _tracking() -> tuple[list[Step], list[Identity], dict[str, Any]]:
    """The predator: gradient flow on the mismatch; ramp and sinusoid by dsolve; GD's lag."""
    mismatch = KAPPA * (P - P_STAR) ** 2 / 2
    flow = gradient_flow(mismatch, P)
    ramp = first_order_response(flow, P, P_STAR, VEL * T, P0, T)
    lag = lag_behind(ramp["solution"], VEL * T, T)  # p₀ > 0: starts ahead of p*(0)
    steady = lag["steady"]
    sine = first_order_response(flow, P, P_STAR, AMP * sp.sin(OMEGA * T), P0, T)
    response = sinusoid_gain_phase(sine["particular"], AMP, OMEGA, T)
    ratio, phase = response["ratio"], response["phase"]  # p_ss = R sin(ωt − φ)
    h = transfer_function(flow, P, P_STAR, OMEGA, T, AMP)
    gd = drifting_lag(UPDATE, C, C_OPT, VEL, N, D)  # GD with gain k tracking p*_n = v·n
    gd_lag = gd["lag"].subs(K, ETA * LAM)
    v_c = sp.Symbol("v_c", positive=True)  # drift per unit time t = nη: v = v_c·η per step
    gd_time_lag = sp.simplify(gd_lag.subs({VEL: v_c * ETA, LAM: KAPPA}))
    steps = [
        Step.equation("mismatch (modelled)", "M", mismatch),
        Step.equation("gradient flow dp/dt = −∂M/∂p", "dp/dt", flow),
        Step.equation("ramp p* = vt: dsolve", "p(t)", ramp["general"]),
        Step.equation("p(0) = p₀", "p(t)", ramp["solution"]),
        Step.equation("lag d = vt − p", "d(t)", lag["lag"]),
        Step.equation("steady lag t → ∞", "d_∞", steady),
        Step.equation("starting ahead (p₀ > 0): lag < 0 until", "t^*", lag["crossing"]),
        Step.equation("sinusoid p* = A sin ωt: dsolve", "p(t)", sine["general"]),
        Step.equation("p(0) = p₀", "p(t)", sine["solution"]),
        Step.equation("steady part (C₁ = 0)", "p_ss", sine["particular"]),
        Step.equation("amplitude ratio √(a² + b²)/A", "R/A", ratio),
        Step.equation("phase lag atan2(−b, a)", "phi", phase),
        Step.equation("transfer function: p = H e^{iωt} for p* = e^{iωt}", "H", h["H"]),
        Step.equation("gain of the transfer function", "|H|", h["gain"]),
        Step.equation("phase lag atan2(−Im H, Re H)", "phi_H", h["phase"]),
        Step.equation("GD tracking p*_n = v·n: lag recursion", "d_{n+1}", gd["drift"],
                      "the step uses the target of its own trial"),
        Step.equation("steady GD lag, k = ηλ", "d_∞", gd_lag),
        Step.equation("in time units t = nη, v = v_c·η, λ = κ", "d_∞", gd_time_lag),
    ]
    identities = [
        Identity("the tracking ODE is gradient flow on ½κ(p − p*)²", flow,
                 -KAPPA * (P - P_STAR), "modelled",
                 note="seed 002: 'continuous gradient descent … minimize its \"mismatch\"'"),
        Identity("steady lag behind p* = vt", steady, VEL / KAPPA, "derived"),
        Identity("the lag 'is determined by its learning rate': ∂d_∞/∂κ < 0",
                 sp.sign(sp.diff(steady, KAPPA)), sp.Integer(-1), "derived"),
        Identity("transient of the lag", lag["lag"] - steady,
                 -(P0 + VEL / KAPPA) * sp.exp(-KAPPA * T), "derived"),
        Identity("a predator starting ahead leads until t* = ln(1 + κp₀/v)/κ", lag["crossing"],
                 sp.log(1 + KAPPA * P0 / VEL) / KAPPA, "derived"),
        Identity("amplitude ratio (dsolve)", ratio, KAPPA / sp.sqrt(KAPPA**2 + OMEGA**2),
                 "derived"),
        Identity("phase lag (dsolve)", phase, sp.atan(OMEGA / KAPPA), "derived"),
        Identity("transfer function", h["H"], KAPPA / (KAPPA + sp.I * OMEGA), "derived"),
        Identity("|H| equals the dsolve amplitude ratio", h["gain"], ratio, "derived"),
        Identity("−arg H equals the dsolve phase lag", h["phase"], phase, "derived"),
        Identity("Im(A·H·e^{iωt}) is dsolve's steady solution", h["sine"], sine["particular"],
                 "derived"),
        Identity("GD tracking a drift of v per step lags v/(ηλ)", gd_lag, VEL / (ETA * LAM),
                 "derived"),
        Identity("GD's lag in time units is the ODE's v/κ, for every stable η", gd_time_lag,
                 steady.subs(VEL, v_c), "derived"),
    ]
    forms = {"ramp": ramp["solution"], "steady": steady, "lead": lag["crossing"],
             "ratio": ratio, "phase": phase, "gd_lag": gd["lag"]}
    return steps, identities, forms


@functools.cache
def error_correction_derivation() -> tuple[Derivation, dict[str, Any]]:
    """S9's derivation and its named results (sets and expressions in the symbols above)."""
    rs, ri, rf = _recursion()
    ts, ti, tf = _tracking()
    return Derivation(tuple(rs + ts), tuple(ri + ti)), {**rf, **tf}


ARGUMENTS: dict[str, tuple[sp.Symbol, ...]] = {
    "path": (K, E0, N), "variance": (K, SIGMA, N), "ramp": (T, KAPPA, VEL, P0),
    "steady": (VEL, KAPPA), "lead": (KAPPA, VEL, P0), "ratio": (KAPPA, OMEGA),
    "phase": (KAPPA, OMEGA), "gd_lag": (VEL, K),
}


@functools.cache
def closed_form(name: str) -> Callable[..., Any]:
    """A derived closed form of S9 as a float function, arguments as in ``ARGUMENTS``."""
    if name not in ARGUMENTS:
        raise ParameterError("name", name, f"one of {', '.join(ARGUMENTS)}")
    expr = error_correction_derivation()[1][name]
    return sp.lambdify(ARGUMENTS[name], expr, "math")  # type: ignore[no-any-return]
