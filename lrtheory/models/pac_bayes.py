"""The PAC-Bayes bound of SGD's stationary posterior, built numerically and minimised.

A *problem* is a mapping with the curvature ``lam`` (λ), the gradient-noise scale ``sigma``
(σ) and batch size ``B`` of SGD on L = ½λθ², the sample size ``n`` and the prior
N(``mu``, ``s0``²). SGD at η has the stationary law N(0, v(η)); here v(η) comes from SciPy's
discrete (or, for the SDE, continuous) Lyapunov solver with its a-posteriori error bound
(:mod:`lrtheory.models.lyapunov`), independently of the SymPy closed forms it checks.

* :func:`gaussian_kl`: KL(N(0, v)‖N(μ, s₀²)), the textbook formula;
* :func:`posterior_variance`: v(η) and its error bound;
* :func:`bound`: the linear (β = n) or McAllester PAC-Bayes objective of N(0, v(η));
* :func:`minimise`: Brent on ln η, with a tolerance from the stopping rule and the flatness
  of the minimum;
* :func:`tail_flip_bound`: how far float64 rounding can move a Monte Carlo tail of SGD's
  posterior.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models import lyapunov as lyap
from lrtheory.models import noisy_saddle as ns
from lrtheory.models.rounding import EPS

#: McAllester's confidence level δ.
DELTA = 0.05
#: Brent's absolute tolerance on u = ln η.
XATOL = 1e-10
FORMS = ("linear", "mcallester")
_POSITIVE = ("lam", "sigma", "B", "n", "s0")


def _problem(p: Mapping[str, float]) -> dict[str, float]:
    """The problem's parameters, checked: λ, σ, B, n, s₀ > 0, μ real."""
    missing = [key for key in (*_POSITIVE, "mu") if key not in p]
    if missing:
        raise ParameterError("p", dict(p), f"a mapping with keys {', '.join(missing)} too")
    out = {key: check_positive(key, p[key]) for key in _POSITIVE}
    out["mu"] = check_real("mu", p["mu"])
    return out


def gaussian_kl(v: float, p: Mapping[str, float]) -> float:
    """KL(N(0, v)‖N(μ, s₀²)) = ½(v/s₀² + μ²/s₀² − 1 − ln(v/s₀²)), the textbook formula (an
    implementation independent of the SymPy derivation)."""
    v, q = check_positive("v", v), _problem(p)
    r = v / q["s0"] ** 2
    return 0.5 * (r + q["mu"] ** 2 / q["s0"] ** 2 - 1.0 - math.log(r))


def posterior_variance(eta: float, p: Mapping[str, float],
                       sde: bool = False) -> tuple[float, float]:
    """SGD's stationary variance at η from the discrete (or continuous, ``sde``) Lyapunov
    solver, and its a-posteriori error bound."""
    eta, q = check_positive("eta", eta), _problem(p)
    h, c = np.array([[q["lam"]]]), np.array([[q["sigma"] ** 2]])
    if sde:
        s = lyap.sde_stationary_covariance(eta, h, c, q["B"])
        return float(s[0, 0]), lyap.sde_error_bound(eta, h, c, q["B"], s)
    s = lyap.stationary_covariance(eta, h, c, q["B"])
    return float(s[0, 0]), lyap.stationary_error_bound(eta, h, c, q["B"], s)


def bound(eta: float, p: Mapping[str, float], sde: bool = False,
          form: str = "linear") -> float:
    """The q-dependent part of a PAC-Bayes bound for q = N(0, v(η)): ``"linear"`` at β = n,
    ½λv + KL/n; ``"mcallester"``, ½λv + √((KL + ln(2√n/δ))/(2n)), δ = :data:`DELTA`."""
    if form not in FORMS:
        raise ParameterError("form", form, " or ".join(map(repr, FORMS)))
    q = _problem(p)
    v, _ = posterior_variance(eta, q, sde)
    if form == "linear":
        return 0.5 * q["lam"] * v + gaussian_kl(v, q) / q["n"]
    slack = math.log(2 * math.sqrt(q["n"]) / DELTA)
    return 0.5 * q["lam"] * v + math.sqrt((gaussian_kl(v, q) + slack) / (2 * q["n"]))


@dataclass(frozen=True)
class Minimum:
    """The minimising η and a tolerance on it."""

    eta: float
    tolerance: float


def minimise(p: Mapping[str, float], sde: bool = False, form: str = "linear") -> Minimum:
    """The η minimising :func:`bound` (cached per problem)."""
    if form not in FORMS:
        raise ParameterError("form", form, " or ".join(map(repr, FORMS)))
    return _minimise_cached(tuple(sorted(_problem(p).items())), sde, form)


@functools.lru_cache(maxsize=64)
def _minimise_cached(key: tuple[tuple[str, float], ...], sde: bool, form: str) -> Minimum:
    """Brent on u = ln η over (10⁻⁸, 2 − 10⁻⁹)/λ (exact) or (10⁻⁸, 10⁴)/λ (SDE). Tolerance:
    SciPy's stopping rule 2(√ε|u| + xatol/3), plus the flatness of a smooth minimum: values
    of F within its rounding δF are indistinguishable, i.e. |u − u*| ≤ 2√(δF/F_uu), F_uu by
    a central difference (taken at half its value for safety)."""
    p = dict(key)
    lam = p["lam"]
    hi = (2 - 1e-9) / lam if not sde else 1e4 / lam
    res = minimize_scalar(lambda u: bound(math.exp(u), p, sde, form), method="bounded",
                          bounds=(math.log(1e-8 / lam), math.log(hi)),
                          options={"xatol": XATOL})
    u = float(res.x)
    d = 1e-3
    f0 = bound(math.exp(u), p, sde, form)
    f_uu = (bound(math.exp(u + d), p, sde, form) - 2 * f0
            + bound(math.exp(u - d), p, sde, form)) / d**2
    v, dv = posterior_variance(math.exp(u), p, sde)
    terms = 0.5 * lam * v + (v / p["s0"] ** 2 + p["mu"] ** 2 / p["s0"] ** 2 + 1
                             + abs(math.log(v / p["s0"] ** 2))) / (2 * p["n"])
    delta_f = 8 * EPS * terms + dv * (lam / 2 + (1 / p["s0"] ** 2 + 1 / v) / (2 * p["n"]))
    if not f_uu > 0:
        raise ValueError(f"the bound is not convex at its computed minimum (F_uu = {f_uu})")
    tol_u = 2 * (math.sqrt(EPS) * abs(u) + XATOL / 3) + 2 * math.sqrt(2 * delta_f / f_uu)
    return Minimum(math.exp(u), math.exp(u) * math.expm1(tol_u))


def tail_flip_bound(a: float, kick: float, steps: int, v_T: float, threshold: float) -> float:
    """How often float64 rounding can flip θ_T² > ``threshold`` in
    :func:`~lrtheory.montecarlo.kernels.sgd_diagonal_quadratic` (one coordinate, from 0, T =
    ``steps``, θ_T ~ N(0, ``v_T``)). The kernel runs y ← a·y + ξ and returns θ = kick·y;
    :func:`~lrtheory.models.noisy_saddle.rounding_error_path` with h = 1 bounds ‖ŷ_T − y_T‖₂
    (it allows 3 roundings a step: the kernel's product and sum, and the rounding of a
    itself) and the scaling by kick = −ησ/√B (4 roundings with its own) adds ≤ 4u√v_T.
    The flip chance then follows from the χ²₁ density
    (:func:`~lrtheory.models.noisy_saddle.comparison_flip_bound`)."""
    check_int("steps", steps, 1)
    v_T, threshold = check_positive("v_T", v_T), check_positive("threshold", threshold)
    e_y = float(ns.rounding_error_path(a, 1.0, steps)[-1])
    e_theta = abs(kick) * e_y + 4 * (EPS / 2) * math.sqrt(v_T)
    err = ns.quadratic_error([(1.0, 1, v_T, e_theta)])
    return ns.comparison_flip_bound(ns.chi2_density_sup(v_T, 1, threshold / 2), err, threshold)
