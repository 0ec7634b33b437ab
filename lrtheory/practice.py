"""Answers for practitioners: the learning-rate numbers people ask for, each backed by a
verified claim (``lrtheory show ID`` gives its derivation; ``lrtheory verify ID`` checks it).

Every calculator is a pure function that validates its inputs (a bad one raises
:class:`~lrtheory.errors.ParameterError` naming the parameter and its allowed range) and
returns an :class:`Answer`: the value (a number or a dict of numbers), the ID of the claim
it rests on, the formula used and a note on when it applies.

>>> from lrtheory.practice import max_stable_lr, polyak_momentum
>>> max_stable_lr([0.5, 4.0]).value
0.5
>>> a = max_stable_lr([0.5, 4.0], method="heavy_ball", beta=0.9)
>>> round(a.value, 6), a.claim
(0.95, 'M2')
>>> sorted(polyak_momentum(mu=1.0, L=100.0).value)
['beta', 'eta', 'kappa', 'rate']

The same calculators are on the command line: ``lrtheory calc --help``.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, ParamSpec

from lrtheory.errors import ParameterError, check_positive, check_real

__all__ = [
    "CLAIM_SLUGS",
    "Answer",
    "batch_scaling",
    "critical_momentum",
    "effective_lr",
    "layerwise_max_lr",
    "max_stable_lr",
    "min_robbins_monro_c",
    "polyak_momentum",
    "sgd_loss_floor",
    "weight_decay",
]

P = ParamSpec("P")
Method = Literal["gd", "heavy_ball", "nesterov"]
Convention = Literal["decoupled", "adamw"]
Value = float | dict[str, float]

#: Slug of every claim a calculator cites (``lrtheory show ID``).
CLAIM_SLUGS: dict[str, str] = {
    "S1": "gd-stability", "S3": "negative-curvature", "S6": "layerwise-lr",
    "M1": "momentum-effective-lr", "M2": "momentum-stability", "M3": "critical-damping",
    "M5": "nesterov", "M8": "decoupled-weight-decay", "D2": "batch-scaling-rules",
    "D3": "sgd-temperature", "D6": "robbins-monro",
}


@dataclass(frozen=True)
class Answer:
    """A calculator's result: ``value`` (a number or named numbers), the ``claim`` ID(s) it
    is backed by (comma-separated when several), the ``formula`` and a ``note``."""

    value: Value
    claim: str
    formula: str
    note: str = ""

    @property
    def backed_by(self) -> str:
        """``claim S1 (gd-stability)``, for every claim cited."""
        ids = [c.strip() for c in self.claim.split(",")]
        return ", ".join(f"claim {c} ({CLAIM_SLUGS[c]})" for c in ids)


# --------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------


def _beta(beta: object) -> float:
    return check_real("beta", beta, 0.0, 1.0, lo_open=False)


def _method(method: object) -> Method:
    if method == "gd":
        return "gd"
    if method == "heavy_ball":
        return "heavy_ball"
    if method == "nesterov":
        return "nesterov"
    raise ParameterError("method", method, "one of 'gd', 'heavy_ball', 'nesterov'")


def _eigenvalues(name: str, values: object) -> list[float]:
    """Hessian eigenvalues: a non-empty sequence of finite reals, all > 0 (S3 otherwise)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ParameterError(name, values, "a non-empty sequence of eigenvalues > 0")
    out = [check_real(f"{name}[{i}]", v) for i, v in enumerate(values)]
    if not out:
        raise ParameterError(name, values, "a non-empty sequence of eigenvalues > 0")
    for i, v in enumerate(out):
        if v < 0:
            raise ParameterError(
                f"{name}[{i}]", v, "> 0: along a negative-curvature direction the iterate "
                "grows for every η > 0, so no learning rate converges (claim S3 "
                "negative-curvature); this is a saddle, not a minimum")
        if v == 0:
            raise ParameterError(
                f"{name}[{i}]", v, "> 0: along a flat direction gradient descent does not "
                "move, so no η makes it converge there (drop the direction)")
    return out


def _finite(calculator: Callable[P, Answer]) -> Callable[P, Answer]:
    """Refuse inputs so extreme that the answer overflows (or underflows into 0/0): every
    number of the value must be finite, else a :class:`ParameterError` names the inputs."""

    @functools.wraps(calculator)
    def checked(*args: P.args, **kwargs: P.kwargs) -> Answer:
        answer = calculator(*args, **kwargs)
        value = answer.value
        if all(math.isfinite(v) for v in (value.values() if isinstance(value, dict)
                                           else (value,))):
            return answer
        given = inspect.signature(calculator).bind(*args, **kwargs).arguments
        raise ParameterError(", ".join(given), tuple(given.values()),
                             "of sizes whose answer is a finite float (this one overflows)")

    return checked


def _bound_factor(method: Method, beta: float) -> tuple[float, str, str]:
    """(f, claim, formula) with the stability bound ηλ_max < f."""
    if method == "gd":
        if beta != 0.0:
            raise ParameterError("beta", beta, "0 for method 'gd' (no momentum)")
        return 2.0, "S1", "η_max = 2/λ_max"
    if method == "heavy_ball":
        return 2.0 * (1.0 + beta), "M2", "η_max = 2(1 + β)/λ_max"
    return 2.0 * (1.0 + beta) / (1.0 + 2.0 * beta), "M5", "η_max = 2(1 + β)/((1 + 2β)λ_max)"


# --------------------------------------------------------------------------------------
# calculators
# --------------------------------------------------------------------------------------


@_finite
def max_stable_lr(eigenvalues: Sequence[float], method: Method = "gd",
                  beta: float = 0.0) -> Answer:
    """Largest stable learning rate on a quadratic with these Hessian eigenvalues (all > 0).

    Gradient descent (claim S1 gd-stability): stable iff 0 < η < 2/λ_max. Heavy ball,
    PyTorch's ``SGD(momentum=β)`` (claim M2 momentum-stability): η < 2(1 + β)/λ_max.
    Nesterov (claim M5 nesterov): η < 2(1 + β)/((1 + 2β)λ_max). A negative eigenvalue is
    refused: no η converges there (claim S3 negative-curvature). The bound is strict: the
    returned η itself does not converge.
    """
    lam = _eigenvalues("eigenvalues", eigenvalues)
    m = _method(method)
    b = _beta(beta)
    factor, claim, formula = _bound_factor(m, b)
    lam_max = max(lam)
    note = (f"λ_max = {lam_max:g}; stable for every η strictly below this value, divergent "
            "above it")
    return Answer(factor / lam_max, claim, formula, note)


@_finite
def layerwise_max_lr(layers: Sequence[Sequence[float]], method: Method = "gd",
                     beta: float = 0.0) -> Answer:
    """Largest stable η per layer, from each layer's Hessian block eigenvalues (claim S6
    layerwise-lr): η_ℓ < 2/λ_max(H_ℓ), with momentum the M2/M5 factor in place of 2.

    Valid for a block-diagonal Hessian (layers do not couple); the value is a dict
    ``layer_0, layer_1, …`` plus ``global``, the single rate all layers would have to share.
    """
    given: object = layers  # checked as any object: callers may pass anything
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise ParameterError("layers", layers, "a non-empty sequence of eigenvalue lists")
    blocks = [_eigenvalues(f"layers[{i}]", block) for i, block in enumerate(given)]
    if not blocks:
        raise ParameterError("layers", layers, "a non-empty sequence of eigenvalue lists")
    m = _method(method)
    b = _beta(beta)
    factor, claim, formula = _bound_factor(m, b)
    value = {f"layer_{i}": factor / max(block) for i, block in enumerate(blocks)}
    value["global"] = min(value.values())
    claims = "S6" if claim == "S1" else f"S6, {claim}"
    return Answer(value, claims, formula.replace("λ_max", "λ_max(H_ℓ)").replace(
        "η_max", "η_ℓ"), "assumes a block-diagonal Hessian; 'global' is the largest one rate "
        "stable for every layer")


@_finite
def effective_lr(eta: float, beta: float) -> Answer:
    """Effective learning rate of heavy-ball momentum, η/(1 − β) (claim M1
    momentum-effective-lr): the step under a slowly varying gradient, in the PyTorch
    convention v ← βv + g, θ ← θ − ηv."""
    e = check_positive("eta", eta)
    b = _beta(beta)
    return Answer(e / (1.0 - b), "M1", "η_eff = η/(1 − β)",
                  "holds when the gradient changes slowly over 1/(1 − β) steps")


@_finite
def critical_momentum(eta: float, curvature: float) -> Answer:
    """Momentum β for critical damping of heavy ball along curvature λ: β = (1 − √(ηλ))²
    (claim M3 critical-damping), the β where the characteristic polynomial
    z² − (1 + β − ηλ)z + β has a double root. Requires 0 < ηλ < 4 (else no β < 1 is
    stable)."""
    e = check_positive("eta", eta)
    lam = check_positive("curvature", curvature)
    h = e * lam
    if h >= 4.0:
        raise ParameterError("eta*curvature", h, "in (0, 4): heavy ball is unstable for "
                             "every β < 1 when ηλ ≥ 4 (claim M2)")
    beta = (1.0 - math.sqrt(h)) ** 2
    if h <= 1.0:
        note = f"ηλ = {h:g} ≤ 1: double root z = 1 − √(ηλ) ≥ 0, the critically damped case"
    else:
        note = (f"ηλ = {h:g} > 1: the same formula gives the double root z = 1 − √(ηλ) < 0, "
                "the critically damped negative-root (oscillating-sign) case")
    return Answer(beta, "M3", "β = (1 − √(ηλ))²", note)


@_finite
def polyak_momentum(mu: float, L: float) -> Answer:
    """Polyak's optimal heavy-ball (η, β) for eigenvalues in [μ, L] (claim M3
    critical-damping): η* = 4/(√L + √μ)², β* = ((√κ − 1)/(√κ + 1))², κ = L/μ, with
    worst-case rate (√κ − 1)/(√κ + 1) per step."""
    m = check_positive("mu", mu)
    big = check_positive("L", L)
    if big < m:
        raise ParameterError("L", L, f"≥ mu = {m:g}")
    kappa = big / m
    sk = math.sqrt(kappa)
    rate = (sk - 1.0) / (sk + 1.0)
    value = {"eta": 4.0 / (math.sqrt(big) + math.sqrt(m)) ** 2, "beta": rate**2,
             "rate": rate, "kappa": kappa}
    return Answer(value, "M3", "η* = 4/(√L + √μ)², β* = ((√κ − 1)/(√κ + 1))², "
                  "rate = (√κ − 1)/(√κ + 1), κ = L/μ",
                  "error shrinks by about the rate per step (up to a polynomial factor)")


@_finite
def batch_scaling(eta0: float, batch0: float, batch: float, lambda_max: float | None = None,
                  beta: float = 0.0) -> Answer:
    """η after changing the batch size B₀ → B (claim D2 batch-scaling-rules): the linear rule
    η₀B/B₀ (keeps the loss against examples seen, to first order in ηλ) and the √ rule
    η₀√(B/B₀) (keeps the update variance). With ``lambda_max`` the linear rule breaks
    (diverges) at B* = 2(1 + β)B₀/(η₀λ_max) (β = 0: plain SGD); ``linear_diverges`` is 1
    when the requested B is at or past B*."""
    e0 = check_positive("eta0", eta0)
    b0 = check_positive("batch0", batch0)
    b1 = check_positive("batch", batch)
    b = _beta(beta)
    value: dict[str, float] = {"linear": e0 * b1 / b0, "sqrt": e0 * math.sqrt(b1 / b0)}
    formula = "η_lin = η₀B/B₀, η_√ = η₀√(B/B₀)"
    note = "without lambda_max the breaking point of the linear rule is not known"
    claim = "D2"
    if lambda_max is not None:
        lam = check_positive("lambda_max", lambda_max)
        if e0 * lam >= 2.0 * (1.0 + b):
            raise ParameterError("eta0", eta0, "below 2(1 + beta)/lambda_max = "
                                 f"{2.0 * (1.0 + b) / lam:g}: the starting rate itself "
                                 "diverges (claims S1, M2)")
        b_star = 2.0 * (1.0 + b) * b0 / (e0 * lam)
        value["batch_break"] = b_star
        value["linear_diverges"] = float(b1 >= b_star)
        formula += ", B* = 2(1 + β)B₀/(η₀λ_max)"
        note = (f"linear scaling diverges at B ≥ B* = {b_star:g}; B = {b1:g} is "
                + ("past it: use the √ rule or cap η below 2(1 + β)/λ_max" if b1 >= b_star
                   else "below it"))
    return Answer(value, claim, formula, note)


@_finite
def weight_decay(eta: float, wd: float, convention: Convention = "decoupled",
                 eta_new: float | None = None) -> Answer:
    """Weight decay ↔ L2 equivalence (claim M8 decoupled-weight-decay), at the fixed point
    on a quadratic.

    ``decoupled`` (seed 004, Loshchilov & Hutter's SGDW): w ← (1 − λ_wd)w − η∇f(w) is L2
    with α = λ_wd/η; to keep the solution when η changes keep λ_wd/η fixed:
    λ_wd_new = λ_wd·η_new/η. ``adamw`` (PyTorch ``AdamW``): w ← (1 − ηλ_wd)w − η∇f(w) is L2
    with α = λ_wd whatever η; the per-step shrink is ηλ_wd, and λ_wd stays as it is when η
    changes. The value gives α, the per-step shrink, the other convention's λ_wd and, with
    ``eta_new``, the λ_wd to use at η_new.
    """
    e = check_positive("eta", eta)
    if convention not in ("decoupled", "adamw"):
        raise ParameterError("convention", convention, "'decoupled' or 'adamw'")
    lw = check_real("wd", wd, 0.0, lo_open=False)
    if convention == "decoupled":
        lw = check_real("wd", wd, 0.0, 1.0, lo_open=False)
        shrink = lw
        value = {"l2_strength": lw / e, "per_step_shrink": shrink, "wd_adamw": lw / e}
        formula = "α = λ_wd/η; keep λ_wd/η: λ_wd_new = λ_wd·η_new/η"
    else:
        if e * lw >= 1.0:
            raise ParameterError("wd", wd, f"in [0, 1/eta) = [0, {1.0 / e:g}) so that the "
                                 "shrink factor 1 − eta·wd stays positive")
        shrink = e * lw
        value = {"l2_strength": lw, "per_step_shrink": shrink, "wd_decoupled": shrink}
        formula = "α = λ_wd (per-step shrink ηλ_wd); λ_wd unchanged when η changes"
    note = ("equivalence of fixed points for plain (S)GD steps; in the decoupled form the "
            "literal shrink-then-gradient order gives α = λ_wd/(η(1 − λ_wd)) at the "
            "shrunk point instead (M8 finding)")
    if eta_new is not None:
        en = check_positive("eta_new", eta_new)
        if convention == "decoupled":
            new = lw * en / e
            if new >= 1.0:
                raise ParameterError("eta_new", eta_new, f"below eta/wd = {e / lw:g} so "
                                     "that the rescaled wd stays below 1")
        else:
            new = lw
            if en * new >= 1.0:
                raise ParameterError("eta_new", eta_new, f"below 1/wd = {1.0 / lw:g}")
        value["wd_new"] = new
    return Answer(value, "M8", formula, note)


@_finite
def sgd_loss_floor(eta: float, curvatures: Sequence[float], noise_var: float | Sequence[float],
                   batch: float = 1.0) -> Answer:
    """SGD's stationary expected loss on a quadratic with constant η (claim D3
    sgd-temperature): per eigen-direction ½λ_i Var_i = ησ_i²/(2B(2 − ηλ_i)) exactly,
    summed over the directions; ``noise_var`` is the per-example gradient noise variance
    σ_i² (one number for all directions or one per direction). ``sde`` is the SDE value
    Σ ησ_i²/(4B), which underestimates the floor by the factor 1 − ηλ_i/2."""
    e = check_positive("eta", eta)
    lam = _eigenvalues("curvatures", curvatures)
    bsz = check_positive("batch", batch)
    if isinstance(noise_var, (str, bytes)):
        raise ParameterError("noise_var", noise_var, "a number ≥ 0 or one per curvature")
    if isinstance(noise_var, Iterable):
        s2 = [check_real(f"noise_var[{i}]", v, 0.0, lo_open=False)
              for i, v in enumerate(noise_var)]
        if len(s2) != len(lam):
            raise ParameterError("noise_var", noise_var, f"a number ≥ 0 or {len(lam)} "
                                 "numbers, one per entry of curvatures")
    else:
        s2 = [check_real("noise_var", noise_var, 0.0, lo_open=False)] * len(lam)
    for i, v in enumerate(lam):
        if e * v >= 2.0:
            raise ParameterError("eta", eta, f"below 2/max(curvatures) = {2.0 / max(lam):g}: "
                                 "SGD has no stationary distribution otherwise "
                                 f"(eta·curvatures[{i}] = {e * v:g})")
    per = [e * s / (2.0 * bsz * (2.0 - e * v)) for v, s in zip(lam, s2, strict=True)]
    value = {"floor": sum(per), "sde": sum(e * s / (4.0 * bsz) for s in s2)}
    value.update({f"direction_{i}": p for i, p in enumerate(per)})
    return Answer(value, "D3", "E[L]_∞ = Σ_i ησ_i²/(2B(2 − ηλ_i)); SDE: Σ_i ησ_i²/(4B)",
                  "loss above the minimum once SGD is stationary; ∝ η/B for small ηλ")


@_finite
def min_robbins_monro_c(curvatures: Sequence[float]) -> Answer:
    """Smallest c for η_t = c/t to reach the 1/T rate (claim D6 robbins-monro): c must
    exceed 1/(2λ_min), where E[e_T²] ~ c²σ²/(B(2λc − 1)T); at λc = ½ it is log T/T and
    below it only T^(−2λc). The bound is strict."""
    lam = _eigenvalues("curvatures", curvatures)
    lam_min, lam_max = min(lam), max(lam)
    c = 1.0 / (2.0 * lam_min)
    return Answer(c, "D6", "c > 1/(2λ_min)",
                  f"λ_min = {lam_min:g}; the asymptotic constant c²/(2λc − 1) is smallest at "
                  f"c = 1/λ = {1.0 / lam_min:g}; steps t < cλ_max/2 = {c * lam_max / 2:g} "
                  "exceed the stability bound transiently")
