"""Gradient descent on a quadratic, symbolically: the slopes that learning-rate heuristics read.

In H's eigenbasis L = ½Σλ_ic_i², the gradient is g_i = λ_ic_i and one GD step at rate η maps
c_i ↦ (1 − ηλ_i)c_i. Two observables of this map are the inputs of common heuristics:

* the **log-slope in η** of the loss after one step, s(η) = dL(η)/d ln η, read by range
  tests (S5, S10): :func:`eigen_quadratic` builds L, the step and L(η) over d directions, and
  :func:`log_slope` differentiates in ln η;
* the **gradient-norm ratio in t**, r_t² = ‖g_{t+1}‖²/‖g_t‖² = m_{t+1}/m_t with the power
  moments m_n = Σw_iq_i^{2n} (w_i = g_{0,i}², q_i = 1 − ηλ_i), read by gradient-ratio rules
  (S8): :func:`weighted_moments` writes the moments over nonnegative weights, and
  :func:`two_direction_ratio` computes r_t² for two directions and its limit as t → ∞.

Everything here is computed (diff, subs, limit) from the model; the claims compare the
results with the forms their sources state.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from lrtheory.errors import check_int


@dataclass(frozen=True)
class EigenQuadratic:
    """L = ½Σλ_ic_i² in H's eigenbasis (λ_1 the largest by convention) and one GD step."""

    eta: sp.Symbol
    lam: tuple[sp.Symbol, ...]
    c: tuple[sp.Symbol, ...]

    @property
    def loss(self) -> sp.Expr:
        """L = ½Σλ_ic_i²."""
        return sum(li * ci**2 for li, ci in zip(self.lam, self.c, strict=True)) / 2

    @property
    def gradient(self) -> tuple[sp.Expr, ...]:
        """g_i = ∂L/∂c_i (= λ_ic_i)."""
        return tuple(sp.diff(self.loss, ci) for ci in self.c)

    @property
    def step(self) -> dict[sp.Symbol, sp.Expr]:
        """One GD step as a substitution c_i ↦ c_i − ηg_i."""
        return {ci: ci - self.eta * gi for ci, gi in zip(self.c, self.gradient, strict=True)}

    @property
    def after_step(self) -> sp.Expr:
        """The one-step loss L(η) = L(c − ηg), unexpanded."""
        return self.loss.subs(self.step, simultaneous=True)

    @property
    def grad_sq(self) -> sp.Expr:
        """gᵀg = Σg_i²."""
        return sum(gi**2 for gi in self.gradient)

    @property
    def grad_curvature(self) -> sp.Expr:
        """gᵀHg = Σλ_ig_i²."""
        return sum(li * gi**2 for li, gi in zip(self.lam, self.gradient, strict=True))


def eigen_quadratic(d: int, eta: sp.Symbol | None = None) -> EigenQuadratic:
    """The quadratic over d directions with symbols λ_1…λ_d > 0, real c_1…c_d and rate η > 0
    (``eta`` to share one with the caller)."""
    d = check_int("d", d, 1)
    return EigenQuadratic(
        eta if eta is not None else sp.Symbol("eta", positive=True),
        sp.symbols(f"lambda_1:{d + 1}", positive=True),
        sp.symbols(f"c_1:{d + 1}", real=True),
    )


def log_slope(expr: sp.Expr, eta: sp.Symbol) -> sp.Expr:
    """d expr / d ln η, computed as d/du of expr at η = eᵘ, then u = ln η (expanded).

    By the chain rule this equals η·d expr/dη; deriving it through u keeps that identity a
    check rather than the definition."""
    u = sp.Symbol("u", real=True)
    return sp.expand(sp.diff(expr.subs(eta, sp.exp(u)), u).subs(u, sp.log(eta)))


@dataclass(frozen=True)
class WeightedMoments:
    """Power moments m_n = Σa_is_i^n of nonnegative weights a_i at nonnegative points s_i.

    With a_i = w_iq_i^{2t} and s_i = q_i², m_1/m_0 = r_t² is the squared gradient-norm
    ratio of GD at step t and m_n is the moment m_{t+n} of the gradient weights.
    """

    a: tuple[sp.Symbol, ...]
    s: tuple[sp.Symbol, ...]

    def moment(self, n: int) -> sp.Expr:
        """m_n = Σa_is_i^n."""
        return sum(ai * si**n for ai, si in zip(self.a, self.s, strict=True))


def weighted_moments(count: int) -> WeightedMoments:
    """Moments over ``count`` points, with symbols a_1… ≥ 0 and s_1… ≥ 0."""
    count = check_int("count", count, 1)
    return WeightedMoments(sp.symbols(f"a_1:{count + 1}", nonnegative=True),
                           sp.symbols(f"s_1:{count + 1}", nonnegative=True))


@dataclass(frozen=True)
class TwoDirectionRatio:
    """r_t² of GD along two directions with gradient weights w_1, w_2 and factors q and
    q/(1 + v) (v > 0: direction 1 dominates), and its limit as t → ∞."""

    q: sp.Symbol
    v: sp.Symbol
    t: sp.Symbol
    ratio_sq: sp.Expr
    limit: sp.Expr


def two_direction_ratio() -> TwoDirectionRatio:
    """r_t² = m_{t+1}/m_t with m_n = w_1q^{2n} + w_2(q/(1 + v))^{2n}, both moments divided
    by q^{2t} so t enters only through (1 + v)^{2t}; the limit t → ∞ is then the limit
    z → 0 of a rational function of z = (1 + v)^{−2t}."""
    w1, w2, q, v, t = sp.symbols("w_1 w_2 q v t", positive=True)

    def moment(n: sp.Expr) -> sp.Expr:  # Σ w_i q_i^{2n} / q^{2t}
        return sp.expand_power_base(sp.expand((w1 * q ** (2 * n) + w2 * (q / (1 + v))
                                               ** (2 * n)) / q ** (2 * t)), force=True)

    ratio_sq = sp.powsimp(moment(t + 1) / moment(t), force=True)
    z = sp.Symbol("z", positive=True)
    limit = sp.factor(sp.limit(ratio_sq.subs((1 + v) ** (2 * t), 1 / z), z, 0))
    return TwoDirectionRatio(q, v, t, ratio_sq, limit)
