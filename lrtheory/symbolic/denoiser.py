"""The SymPy derivation behind claim G7: the curvature of a denoising loss per noise level.

A predictor linear in its parameters, φx_σ with x_σ = ax + σε (x ~ N(0, λ) along one data
eigen-direction, ε ~ N(0, 1)), trained on w·E(φx_σ − y)². :func:`derivation` computes, from
that loss alone (exact Gaussian expectations, :func:`lrtheory.symbolic.moments.expectation`):

* the curvature c = ∂²L/∂φ² = 2w(a²λ + σ²) for the targets x, ε and v, and — in d = 3 with a
  generic covariance Σ = LLᵀ (x = Lz) and any target y — the Hessian
  E ∂²ℓ/∂φ∂φᵀ = 2w(a²Σ + σ²I), so c_σ = 2w(a²λ_max + σ²);
* the Wiener weight φ*, its residual ρ and the orthogonality of the residual to x_σ;
* dc/dσ under each weighting (VE with w = σ^{−p}, the ε-loss of a denoiser, VP, EDM), the
  condition number's limit, and the per-level rate r/c;
* SGD with B fresh samples: the mean and mean-square factors at η = r/c and the edge
  r < 2B/(B + 2), with the additive noise r²ρ/(vB).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.errors import check_int
from lrtheory.symbolic.moments import expectation, gaussian_moments

A, SIG, LAM, WT, P, SD2, ETA, R, BATCH, V, RHO, LMIN, LMAX, S2 = sp.symbols(
    "a sigma lambda w p sigma_d^2 eta r B v rho lambda_min lambda_max s", positive=True)
PHI, X, E, U, Y = sp.symbols("phi x epsilon u y", real=True)
#: The dimension of the matrix Hessian derived with a generic covariance.
HESSIAN_DIM = 3


def matrix_hessian(d: int) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """(∂²ℓ/∂φ∂φᵀ pointwise, its expectation, Σ = LLᵀ) for ℓ = w(φᵀx_σ − y)², x = Lz with L
    generic lower triangular, z, ε ~ N(0, I) independent; y is any target not depending on φ
    (x, ε or v): it drops out of the second derivative."""
    d = check_int("d", d, 1, 6)
    low = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"l_{i + 1}{j + 1}", real=True) if i >= j
                    else sp.Integer(0))
    z = sp.Matrix(sp.symbols(f"z_1:{d + 1}", real=True))
    eps = sp.Matrix(sp.symbols(f"epsilon_1:{d + 1}", real=True))
    phi = sp.Matrix(sp.symbols(f"phi_1:{d + 1}", real=True))
    noisy = A * low * z + SIG * eps
    law = {v: gaussian_moments(1) for v in (*z, *eps)}
    pointwise = sp.hessian(WT * ((phi.T * noisy)[0] - Y) ** 2, phi)
    return pointwise, pointwise.applyfunc(lambda h: expectation(h, law)), low * low.T


@cache
def derivation() -> Derivation:
    """Claim G7's derivation (see the module docstring)."""
    noisy = A * X + SIG * E
    law = {X: gaussian_moments(LAM), E: gaussian_moments(1)}
    targets = {"x": X, "ε": E, "v": A * E - SIG * X}
    losses = {k: WT * expectation((PHI * noisy - y) ** 2, law) for k, y in targets.items()}
    curv = {k: sp.factor(sp.diff(loss, PHI, 2)) for k, loss in losses.items()}
    c = curv["x"]
    # check/simplify off (much faster); the roots are cancelled, and s = 0 is dropped below
    (phi_star,) = (sp.cancel(r) for r in sp.solve(sp.diff(losses["x"], PHI), PHI,
                                                   check=False, simplify=False))
    residual = sp.factor(expectation((X - phi_star * noisy) ** 2, law))
    orthogonal = sp.simplify(expectation(noisy * (X - phi_star * noisy), law))
    # VE with weight σ^{−p}
    c_pow = c.subs({A: 1, WT: SIG**-P})
    slope_pow = sp.factor(sp.diff(c_pow, SIG))
    (s_star,) = (sp.cancel(r) for r in sp.solve(
        sp.diff(c_pow.subs(SIG, sp.sqrt(S2)), S2), S2, check=False, simplify=False)
        if r != 0)  # in s = σ² > 0
    sigma_star = sp.sqrt(s_star)
    slope_flat = sp.factor(slope_pow.subs(P, 0))
    slope_eps = sp.factor(slope_pow.subs(P, 2))
    # the ε-loss of a network that outputs the denoised x, D = φ x_σ (VE)
    eps_hat = (noisy - PHI * noisy) / SIG
    eps_ratio = sp.cancel(expectation((E - eps_hat) ** 2, law).subs(A, 1)
                          / expectation((PHI * noisy - X) ** 2, law).subs(A, 1))
    # VP: a² = 1 − s (s = σ²); EDM: weight 1/(σ² + σ_d²)
    c_vp = sp.expand(c.subs({WT: 1, A: sp.sqrt(1 - S2), SIG: sp.sqrt(S2)}))
    slope_vp = sp.diff(c_vp, S2)
    c_edm = c.subs({A: 1, WT: 1 / (SIG**2 + SD2)})
    slope_edm = sp.factor(sp.diff(c_edm, SIG))
    edm_limit = sp.limit(c_edm, SIG, sp.oo)
    kappa = (LMAX + SIG**2) / (LMIN + SIG**2)
    kappa_limit = sp.limit(kappa, SIG, sp.oo)
    rate_slope = sp.factor(sp.diff(R / c.subs({A: 1, WT: 1}), SIG))
    # SGD with B fresh samples: u = mean of x_σ²/B terms, E u = v, Var u = Var(x_σ²)/B
    xs_law = {X: gaussian_moments(V)}
    var_sq = sp.factor(expectation(X**4, xs_law) - expectation(X**2, xs_law) ** 2)
    u_law = {U: lambda k: (sp.Integer(1), V, V**2 + var_sq / BATCH)[k]}
    factor = sp.expand(expectation((1 - ETA * 2 * WT * U) ** 2, u_law))
    mean_factor = sp.expand(expectation(1 - ETA * 2 * WT * U, u_law))
    eta_r = R / (2 * WT * V)
    factor_r = sp.expand(factor.subs(ETA, eta_r))
    edges = [sp.factor(r) for r in sp.roots(sp.Poly(factor_r - 1, R)) if r != 0]  # r > 0
    noise_r = sp.cancel((ETA**2 * 4 * WT**2 * V * RHO / BATCH).subs(ETA, eta_r))
    pointwise, hessian, cov = matrix_hessian(HESSIAN_DIM)
    steps = (
        Step.equation("noisy input", "x_σ", noisy, "x ~ N(0, λ) along a data eigen-direction"),
        Step.equation("loss w·E(φx_σ − x)²", "L_x", losses["x"]),
        Step.equation("curvature ∂²L/∂φ², target x", "c_x", curv["x"]),
        Step.equation("… target ε", "c_ε", curv["ε"]),
        Step.equation("… target v = aε − σx", "c_v", curv["v"]),
        Step.equation(f"d = {HESSIAN_DIM}, x = Lz: pointwise ∂²ℓ/∂φ∂φᵀ of w(φᵀx_σ − y)²",
                      "∂²ℓ", pointwise, "free of the target y"),
        Step.equation("… its expectation (the Hessian of the expected loss)", "H", hessian),
        Step.equation("optimum (Wiener weight)", "phi^*", phi_star),
        Step.equation("residual variance E(x − φ*x_σ)²", "rho", residual),
        Step.equation("VE, w = σ^{−p}: dc/dσ", "dc/dσ", slope_pow),
        Step.equation("… stationary point (0 < p < 2)", "sigma^*", sigma_star),
        Step.equation("ε-loss of a denoiser D = φx_σ over the x-loss", "ratio", eps_ratio),
        Step.equation("VP (a² = 1 − s, σ² = s), w = 1", "c", c_vp),
        Step.equation("EDM, w = 1/(σ² + σ_d²): dc/dσ", "dc/dσ", slope_edm),
        Step.equation("conditioning (λ_max + σ²)/(λ_min + σ²) as σ → ∞", "kappa", kappa_limit),
        Step.equation("VE unweighted: d(r/c)/dσ", "d eta/dσ", rate_slope),
        Step.equation("Var(x_σ²), x_σ ~ N(0, v)", "Var", var_sq),
        Step.equation("SGD: E e_{k+1}/E e_k = E(1 − 2ηwu)", "m", mean_factor),
        Step.equation("E e²_{k+1}/E e²_k from the batch (u: mean of B terms x_σ²)", "A",
                      factor),
        Step.equation("… at η = r/c = r/(2wv)", "A", factor_r),
        Step("r with A = 1", sp.FiniteSet(*edges)),
        Step.equation("additive noise E(η·2w·mean(x_σ·(x − φ*x_σ)))² at η = r/c", "q",
                      noise_r),
    )
    identities = (
        Identity("curvature c = 2w(a²λ + σ²)", c, 2 * WT * (A**2 * LAM + SIG**2), "derived"),
        Identity("the same for targets x and ε", curv["ε"] - curv["x"], sp.Integer(0),
                 "derived"),
        Identity("the same for target v", curv["v"] - curv["x"], sp.Integer(0), "derived"),
        Identity(f"d = {HESSIAN_DIM}, generic Σ = LLᵀ, any target: H = 2w(a²Σ + σ²I), so "
                 "c_σ = 2w(a²λ_max + σ²)", hessian,
                 (2 * WT * (A**2 * cov + SIG**2 * sp.eye(HESSIAN_DIM))).applyfunc(sp.expand),
                 "derived", note="both sides expanded polynomials: equal term by term"),
        Identity("x_σ and the optimal residual are uncorrelated (so, Gaussian, independent)",
                 orthogonal, sp.Integer(0), "derived"),
        Identity("residual ρ = λσ²/(a²λ + σ²)", residual,
                 LAM * SIG**2 / (A**2 * LAM + SIG**2), "derived"),
        Identity("unweighted VE: dc/dσ = 4σ > 0 — sharper at high noise", slope_flat,
                 4 * SIG, "derived", note="the source's 'flatter at high noise' fails here"),
        Identity("ε-loss of a denoiser = x-loss × 1/σ²", eps_ratio, 1 / SIG**2, "derived"),
        Identity("w = 1/σ²: dc/dσ = −4λ/σ³ < 0 — flatter at every higher σ", slope_eps,
                 -4 * LAM / SIG**3, "derived", note="the source's statement holds here"),
        Identity("w = σ^{−p}, 0 < p < 2: flatter only below σ* = √(pλ/(2 − p))", sigma_star,
                 sp.sqrt(P * LAM / (2 - P)), "derived"),
        Identity("VP: dc/d(σ²) = 2(1 − λ): flatter at high noise iff λ > 1", slope_vp,
                 2 * (1 - LAM), "derived"),
        Identity("EDM: dc/dσ = 4σ(σ_d² − λ)/(σ² + σ_d²)²: flatter iff λ > σ_d²", slope_edm,
                 4 * SIG * (SD2 - LAM) / (SIG**2 + SD2) ** 2, "derived"),
        Identity("EDM: c → 2 at high noise", edm_limit, sp.Integer(2), "derived"),
        Identity("any weighting: the level's condition number → 1 as σ → ∞", kappa_limit,
                 sp.Integer(1), "derived"),
        Identity("unweighted VE: η_σ = r/c_σ falls with σ (d/dσ < 0)", sp.sign(rate_slope),
                 sp.Integer(-1), "derived",
                 note="the source's 'larger rates suit high noise levels' is inverted"),
        Identity("SGD mean: factor 1 − ηc per step (c = 2wv, v = a²λ + σ²)", mean_factor,
                 1 - 2 * ETA * WT * V, "derived"),
        Identity("η = r/c: E e² factor 1 − 2r + r²(1 + 2/B), the same at every level",
                 factor_r, sp.expand(1 - 2 * R + R**2 * (1 + 2 / BATCH)), "derived"),
        Identity("mean-square stable iff r < 2B/(B + 2)", sp.FiniteSet(*edges),
                 sp.FiniteSet(2 * BATCH / (BATCH + 2)), "derived"),
        Identity("η = r/c: additive noise r²ρ/(vB)", noise_r, R**2 * RHO / (V * BATCH),
                 "derived"),
    )
    return Derivation(steps, identities)
