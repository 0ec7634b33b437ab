"""Second moments of linear stochastic iterations, derived exactly with SymPy.

SGD on a quadratic with additive gradient noise is a linear-Gaussian chain. Its second
moments obey closed recursions that this module *computes* rather than states:

* :func:`expectation` takes E[·] of a polynomial in independent centred random variables
  from their moments, so E[x_{t+1}²] = E[(a x_t + b ξ_t)²] = a² V_t + b² s² comes out of
  the update rule itself;
* :func:`affine_fixed_point`, :func:`affine_recursion_solution` (``rsolve``) and
  :func:`geometric_solution` (``summation``) solve V_{t+1} = a V_t + q: the stationary value
  q/(1 − a) and the exact finite-t path aᵗV₀ + q(1 − aᵗ)/(1 − a);
* :func:`diffusion_limit`, :func:`generator` and :func:`moment_ode_solution` give the
  continuous-time (Itô) picture: drift and diffusion per unit time from one step of length
  Δt, the moment ODE d E[f]/dt = E[μ f′ + ½ D f″] and its ``dsolve`` solution;
* :func:`stationary_density` solves the zero-flux Fokker–Planck condition μp − ½ D p′ = 0;
* :func:`discrete_lyapunov` and :func:`continuous_lyapunov` solve Σ = AΣAᵀ + Q and
  HΣ + ΣHᵀ = Q for a symmetric Σ as a linear system in its entries.

The pieces are shared by the stochastic claims (stationary variance, schedules, noise floor).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import sympy as sp

from lrtheory.errors import ParameterError, check_int
from lrtheory.symbolic.inputs import check_expr as _expr
from lrtheory.symbolic.inputs import check_symbol as _symbol
from lrtheory.symbolic.moments import MomentFn, centred_moments, expectation, gaussian_moments
from lrtheory.symbolic.series import finite_sum


def _positive(name: str, value: object) -> sp.Expr:
    """A SymPy expression that is not known to be ≤ 0 (a positive symbol, say)."""
    expr = _expr(name, value)
    if expr.is_positive is False:
        raise ParameterError(name, value, "positive (a number or a positive SymPy symbol)")
    return expr


def affine_coefficients(rhs: sp.Expr, v: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """(a, q) with rhs = a·v + q (a factored); raises if rhs is not affine in v."""
    rhs, v = _expr("rhs", rhs), _symbol("v", v)
    try:
        poly = sp.Poly(sp.expand(rhs), v)
    except sp.PolynomialError:
        raise ParameterError("rhs", rhs, f"affine in {v}") from None
    if poly.degree() > 1:
        raise ParameterError("rhs", rhs, f"affine in {v}")
    return sp.factor(poly.coeff_monomial(v)), sp.factor(poly.coeff_monomial(1))


def affine_fixed_point(rhs: sp.Expr, v: sp.Symbol) -> sp.Expr:
    """The unique solution of v = rhs(v) for an affine map rhs = a·v + q with slope a ≠ 1:
    v = q/(1 − a), from :func:`affine_coefficients` (what ``solve`` finds, without its
    general machinery: a tenth of the time)."""
    rhs, v = _expr("rhs", rhs), _symbol("v", v)
    a, q = affine_coefficients(rhs, v)
    if sp.cancel(a - 1) == 0:
        raise ParameterError("rhs", rhs, "an affine map with exactly one fixed point")
    return sp.factor(q / (1 - a))


def affine_recursion_solution(a: sp.Expr, q: sp.Expr, v0: sp.Expr, t: sp.Symbol) -> sp.Expr:
    """V_t solving V_{t+1} = a V_t + q, V_0 = v0, found by SymPy's ``rsolve`` (cached: the
    stochastic claims solve the same SGD variance recursion)."""
    return _rsolve_affine(_expr("a", a), _expr("q", q), _expr("v0", v0), _symbol("t", t))


@cache
def _rsolve_affine(a: sp.Expr, q: sp.Expr, v0: sp.Expr, t: sp.Symbol) -> sp.Expr:
    v = sp.Function("V")
    solution = sp.rsolve(v(t + 1) - a * v(t) - q, v(t), {v(0): v0})
    if solution is None:  # pragma: no cover - rsolve handles every affine recursion
        raise ParameterError("recursion", (a, q), "solvable by rsolve")
    return sp.factor(solution)


def geometric_solution(a: sp.Expr, q: sp.Expr, v0: sp.Expr, t: sp.Symbol) -> sp.Expr:
    """The same V_t unrolled: aᵗV₀ + Σ_{k<t} aᵏq, summed by
    :func:`lrtheory.symbolic.series.finite_sum`, which keeps the a ≠ 1 branch of the
    geometric sum, (1 − aᵗ)/(1 − a); so a must not be identically 1."""
    a, q, v0, t = _expr("a", a), _expr("q", q), _expr("v0", v0), _symbol("t", t)
    if sp.simplify(a - 1) == 0:
        raise ParameterError("a", a, "≠ 1 (the geometric sum's generic branch)")
    k = sp.Dummy("k", integer=True, nonnegative=True)
    return a**t * v0 + finite_sum(a**k * q, k, sp.Integer(0), t - 1)


def positivity_set(expr: sp.Expr, var: sp.Symbol) -> sp.Set:
    """{var : expr > 0} for a rational function: the sign of n/d is the sign of n·d where
    d ≠ 0, and n·d is a polynomial, whose roots ``solve_univariate_inequality`` can order."""
    expr, var = _expr("expr", expr), _symbol("var", var)
    numer, denom = sp.fraction(sp.together(expr))
    return sp.solve_univariate_inequality(sp.expand(numer * denom) > 0, var, relational=False)


def diffusion_limit(step: sp.Expr, x: sp.Symbol, noise: Mapping[sp.Symbol, MomentFn],
                    dt: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Drift and diffusion (variance per unit time) of one step Δx of duration ``dt``:
    μ(x) = E[Δx | x]/Δt and D = Var(Δx | x)/Δt, the coefficients of the matching Itô SDE
    dx = μ dt + √D dW."""
    step, x, dt = _expr("step", step), _symbol("x", x), _expr("dt", dt)
    if dt.is_positive is not True:
        raise ParameterError("dt", dt, "a positive SymPy expression")
    mean = expectation(step, noise)
    second = expectation(step**2, noise)
    drift = sp.simplify(mean / dt)
    diffusion = sp.simplify((second - mean**2) / dt)
    if x in diffusion.free_symbols:
        raise ParameterError("step", step, "additive noise (a diffusion independent of x)")
    return drift, diffusion


def generator(drift: sp.Expr, diffusion: sp.Expr, f: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Itô generator 𝒜f = μ f′ + ½ D f″, so that d E[f(x_t)]/dt = E[𝒜f(x_t)]."""
    drift, diffusion, f = _expr("drift", drift), _expr("diffusion", diffusion), _expr("f", f)
    x = _symbol("x", x)
    return sp.expand(drift * sp.diff(f, x) + diffusion / 2 * sp.diff(f, x, 2))


def moment_ode_solution(slope: sp.Expr, source: sp.Expr, v0: sp.Expr, t: sp.Symbol,
                        hint: str = "default") -> sp.Expr:
    """V(t) solving the linear moment ODE dV/dt = slope·V + source, V(0) = v0 (``dsolve``;
    ``hint`` passes a dsolve method, e.g. the constant-coefficient one when it applies)."""
    slope, source, v0 = _expr("slope", slope), _expr("source", source), _expr("v0", v0)
    t = _symbol("t", t)
    v = sp.Function("V")
    ode = sp.Eq(v(t).diff(t), slope * v(t) + source)
    return sp.expand(sp.dsolve(ode, v(t), ics={v(0): v0}, hint=hint).rhs)


def stationary_density(drift: sp.Expr, diffusion: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Unnormalised stationary density of dx = μ dt + √D dW on the line, p(0) = 1.

    Zero probability flux, μp − ½ D p′ = 0, is the separable ODE (log p)′ = 2μ/D, so
    p(x) = exp(∫₀ˣ 2μ(y)/D dy) (``integrate``); D must not depend on x.
    """
    drift, diffusion, x = _expr("drift", drift), _expr("diffusion", diffusion), _symbol("x", x)
    if diffusion.is_zero:
        raise ParameterError("diffusion", diffusion, "non-zero")
    if x in diffusion.free_symbols:
        raise ParameterError("diffusion", diffusion, f"independent of {x}")
    y = sp.Dummy("y", real=True)
    return sp.simplify(sp.exp(sp.integrate(2 * drift.subs(x, y) / diffusion, (y, 0, x))))


def symmetric_matrix(name: str, d: int) -> sp.Matrix:
    """A d×d symmetric matrix of fresh real symbols name_ij (i ≤ j)."""
    check_int("d", d, 1)
    entries = {(i, j): sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True)
               for i in range(d) for j in range(i, d)}
    return sp.Matrix(d, d, lambda i, j: entries[(min(i, j), max(i, j))])


def _solve_symmetric(equation: sp.Matrix, unknown: sp.Matrix) -> sp.Matrix:
    """Solve the linear matrix equation ``equation = 0`` for the symmetric ``unknown``."""
    d = unknown.shape[0]
    symbols = [unknown[i, j] for i in range(d) for j in range(i, d)]
    eqs = [equation[i, j] for i in range(d) for j in range(i, d)]
    solutions = list(sp.linsolve(eqs, symbols))
    if len(solutions) != 1 or set(symbols) & sp.Tuple(*solutions[0]).free_symbols:
        raise ParameterError("Lyapunov equation", equation, "a unique solution")
    return unknown.subs(dict(zip(symbols, solutions[0], strict=True))).applyfunc(sp.factor)


def _check_square(name: str, m: sp.Matrix, d: int | None = None) -> int:
    if not isinstance(m, sp.MatrixBase):
        raise ParameterError(name, m, "a SymPy matrix")
    if m.rows != m.cols or (d is not None and m.rows != d):
        raise ParameterError(name, m.shape, "a square matrix" + (f" of size {d}" if d else ""))
    return int(m.rows)


def discrete_lyapunov(A: sp.Matrix, Q: sp.Matrix) -> sp.Matrix:
    """The symmetric Σ with Σ = AΣAᵀ + Q (the stationary covariance of x ← Ax + noise(Q))."""
    d = _check_square("A", A)
    _check_square("Q", Q, d)
    sigma = symmetric_matrix("Sigma", d)
    return _solve_symmetric(A * sigma * A.T + Q - sigma, sigma)


def continuous_lyapunov(H: sp.Matrix, Q: sp.Matrix) -> sp.Matrix:
    """The symmetric Σ with HΣ + ΣHᵀ = Q (the stationary covariance of dx = −Hx dt + dW_Q)."""
    d = _check_square("H", H)
    _check_square("Q", Q, d)
    sigma = symmetric_matrix("Sigma", d)
    return _solve_symmetric(H * sigma + sigma * H.T - Q, sigma)


# --------------------------------------------------------------------------------------
# SGD on a quadratic: the results shared by the stochastic claims
# --------------------------------------------------------------------------------------

X = sp.Symbol("x", real=True)
XI = sp.Symbol("xi", real=True)
V = sp.Symbol("V", positive=True)
V0 = sp.Symbol("V_0", nonnegative=True)
STEP = sp.Symbol("t", integer=True, nonnegative=True)
TIME = sp.Symbol("t", nonnegative=True)
CONSTANT_COEFFICIENTS = "nth_linear_constant_coeff_undetermined_coefficients"


def sgd_variance(eta: sp.Expr, lam: sp.Expr, noise_var: sp.Expr) -> dict[str, sp.Expr]:
    """The variance of x ← x − η(λx + ξ), ξ ~ N(0, s²) (s² = σ²/B), all computed:

    ``update``; ``update_var`` Var(Δx | x); ``rhs`` E[x_{t+1}²] in terms of V = E[x_t²]
    (x centred: its mean follows the noiseless map and drops out); ``a``, ``q`` with
    rhs = aV + q; ``stationary`` the fixed point; ``path`` V_t from V_0 (``rsolve``) and
    ``geometric`` the same by summation (in the symbols V, V_0 and t of this module).
    """
    eta, lam = _positive("eta", eta), _positive("lam", lam)
    noise_var = _positive("noise_var", noise_var)
    noise = {XI: gaussian_moments(noise_var)}
    step = -eta * (lam * X + XI)
    r: dict[str, sp.Expr] = {"update": X + step}
    r["update_var"] = expectation((step - expectation(step, noise)) ** 2, noise)
    r["rhs"] = expectation(r["update"] ** 2, {X: centred_moments(V), **noise})
    r["a"], r["q"] = affine_coefficients(r["rhs"], V)
    r["stationary"] = affine_fixed_point(r["rhs"], V)
    r["path"] = affine_recursion_solution(r["a"], r["q"], V0, STEP)
    r["geometric"] = geometric_solution(r["a"], r["q"], V0, STEP)
    return r


def sde_variance(eta: sp.Expr, lam: sp.Expr, noise_var: sp.Expr) -> dict[str, sp.Expr]:
    """The diffusion limit of the same SGD step with time step Δt = η, all computed:

    ``drift`` μ(x), ``diffusion`` D; ``moment_ode`` dV/dt = E[𝒜x²]; ``path`` V(t) from V_0
    (``dsolve``); ``stationary`` its t → ∞ limit; ``density`` the stationary Fokker–Planck
    density with p(0) = 1.
    """
    eta, lam = _positive("eta", eta), _positive("lam", lam)
    noise_var = _positive("noise_var", noise_var)
    noise = {XI: gaussian_moments(noise_var)}
    r: dict[str, sp.Expr] = {}
    r["drift"], r["diffusion"] = diffusion_limit(-eta * (lam * X + XI), X, noise, eta)
    r["moment_ode"] = expectation(generator(r["drift"], r["diffusion"], X**2, X),
                                  {X: centred_moments(V)})
    slope, source = affine_coefficients(r["moment_ode"], V)
    r["path"] = moment_ode_solution(slope, source, V0, TIME, hint=CONSTANT_COEFFICIENTS)
    r["stationary"] = sp.limit(r["path"], TIME, sp.oo)
    r["density"] = stationary_density(r["drift"], r["diffusion"], X)
    return r


def stationary_sgd(eta: sp.Symbol, lam: sp.Symbol, noise_var: sp.Expr) -> dict[str, sp.Expr]:
    """:func:`sgd_variance` and :func:`sde_variance` (keys prefixed ``sde_``) side by side:

    ``exact`` and ``sde`` the two stationary variances; ``stable`` {η > 0 : a < 1};
    ``positive`` {η > 0 : Var_∞ > 0}; ``blowup`` and ``inverse_at_boundary`` the limits of
    Var_∞ and 1/Var_∞ as η → 2/λ from below; ``temperature_sde`` T from p ∝ exp(−L/T) with
    L = ½λx²; ``temperature_exact`` λ·Var_∞ (a Gaussian of variance T/λ); ``ratio``
    Var_∞/Var_SDE; ``rel_error`` (Var_∞ − Var_SDE)/Var_SDE; ``rel_error_exact`` the same
    over Var_∞; ``leading`` Var_∞ to first order in η.
    """
    eta, lam = _symbol("eta", eta), _symbol("lam", lam)
    sgd, sde = sgd_variance(eta, lam, noise_var), sde_variance(eta, lam, noise_var)
    r: dict[str, sp.Expr] = {**sgd, "exact": sgd["stationary"], "sde": sde["stationary"]}
    r.update({f"sde_{k}": v for k, v in sde.items()})
    r["stable"] = sp.solve_univariate_inequality(sp.expand(r["a"] - 1) < 0, eta,
                                                 relational=False)
    r["positive"] = positivity_set(r["exact"], eta)
    r["blowup"] = sp.limit(r["exact"], eta, 2 / lam, dir="-")
    r["inverse_at_boundary"] = sp.limit(1 / r["exact"], eta, 2 / lam, dir="-")
    loss = lam * X**2 / 2
    r["temperature_sde"] = sp.simplify(-loss / sp.log(sde["density"]))
    r["temperature_exact"] = sp.simplify(lam * r["exact"])
    r["ratio"] = sp.simplify(r["exact"] / r["sde"])
    r["rel_error"] = sp.simplify((r["exact"] - r["sde"]) / r["sde"])
    r["rel_error_exact"] = sp.simplify((r["exact"] - r["sde"]) / r["exact"])
    r["leading"] = sp.series(r["exact"], eta, 0, 2).removeO()
    return r


def traced_losses(eta: sp.Expr, B: sp.Expr, d: int = 2) -> dict[str, sp.Expr]:
    """Stationary expected loss E[L] = ½tr(HΣ) from the *traces* of the two Lyapunov
    equations, for general symmetric d×d H, C (no commuting assumed):

    ``sde``: from tr(HΣ + ΣH − (η/B)C) = 0 solved for Σ₁₁, E[L] (= η tr C/(4B));
    ``excess``: from the trace of the discrete equation, E[L] − (η/4)tr(H²Σ)
    (= η tr C/(4B)); ``trC`` the trace of C.
    """
    eta, B = _positive("eta", eta), _positive("B", B)
    check_int("d", d, 1)
    H, C, S = (symmetric_matrix(n, d) for n in ("h", "c", "Sigma"))
    A = sp.eye(d) - eta * H
    loss = (H * S).trace() / 2
    s11_c = sp.solve((H * S + S * H - eta / B * C).trace(), S[0, 0])[0]
    s11_d = sp.solve((A * S * A + eta**2 / B * C - S).trace(), S[0, 0])[0]
    return {
        "sde": sp.simplify(loss.subs(S[0, 0], s11_c)),
        "excess": sp.simplify((loss - eta / 4 * (H * H * S).trace()).subs(S[0, 0], s11_d)),
        "trC": C.trace(),
    }
