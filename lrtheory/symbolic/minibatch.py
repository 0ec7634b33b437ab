"""The minibatch mean's moments, derived from the law of the batch counts (SymPy).

A minibatch of size B from n examples g_1 … g_n is described by counts c_i (how often
example i is in the batch, Σc_i = B), and its mean is ĝ_B = (1/B)Σ_i c_i g_i. By symmetry
every c_i has the same law and every pair (c_i, c_k), i ≠ k, the same joint law, so

    E[ĝ_B] = E[c]·S₁/B,    Var(ĝ_B) = (Var(c)·S₂ + Cov(c, c′)·(S₁² − S₂))/B²,

with S₁ = Σg_i = nμ and S₂ = Σg_i² = n(σ² + μ²) (σ² the population variance, 1/n).

* :func:`count_moments` derives E[c_i], E[c_i²] and E[c_ic_k] for sampling **with
  replacement** (B i.i.d. uniform draws: the draw probabilities summed over draws and over
  ordered pairs of distinct draws) and **without** (a uniform B-subset: subsets counted with
  binomial coefficients);
* :func:`weighted_sum_moments` turns them into (Var c, Cov(c, c′), E[ĝ_B], Var(ĝ_B));
* :func:`exact_fraction` evaluates a derived rational form at rational data exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import sympy as sp

from lrtheory.errors import ParameterError

N, B = sp.symbols("n B", integer=True, positive=True)
MU = sp.Symbol("mu", real=True)
SIGMA = sp.Symbol("sigma", positive=True)
_J, _L = sp.symbols("j l", integer=True, positive=True)

CountMoments = tuple[sp.Expr, sp.Expr, sp.Expr]
BatchForms = tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]


def count_moments(replacement: bool) -> CountMoments:
    """(E[c_i], E[c_i²], E[c_ic_k], i ≠ k) of the batch counts, in the symbols N and B.

    With replacement c_i = Σ_j [I_j = i] over B i.i.d. uniform draws I_j: E[c_i] sums
    P(I_j = i) = 1/n over the B draws; E[c_i²] adds to it the B² − B ordered pairs of
    distinct draws, both equal to i with probability 1/n² (independent draws); E[c_ic_k]
    is those pairs with P(I_j = i, I_l = k) = 1/n². Without replacement z_i = [i ∈ S] for a
    uniform B-subset S, z_i² = z_i, P(i ∈ S) = C(n − 1, B − 1)/C(n, B) and
    P(i, k ∈ S) = C(n − 2, B − 2)/C(n, B).
    """
    if replacement:
        draws = sp.summation(1, (_J, 1, B))
        pairs = sp.summation(sp.summation(1, (_L, 1, B)), (_J, 1, B)) - draws
        return draws / N, draws / N + pairs / N**2, pairs / N**2
    p1 = sp.gammasimp(sp.binomial(N - 1, B - 1) / sp.binomial(N, B))
    p2 = sp.gammasimp(sp.binomial(N - 2, B - 2) / sp.binomial(N, B))
    return p1, p1, p2


def weighted_sum_moments(mean_c: sp.Expr, second_same: sp.Expr,
                         second_other: sp.Expr) -> BatchForms:
    """(Var c_i, Cov(c_i, c_k), E[ĝ_B], Var ĝ_B) from E[c_i], E[c_i²], E[c_ic_k] (i ≠ k).

    Var(Σc_ig_i) = Var(c)·Σg_i² + Cov(c)·Σ_{i≠k}g_ig_k = Var(c)·S₂ + Cov(c)·(S₁² − S₂), with
    the population mean and variance entering through S₁ = nμ and S₂ = n(σ² + μ²)."""
    var_c = sp.factor(sp.cancel(second_same - mean_c**2))
    cov_c = sp.factor(sp.cancel(second_other - mean_c**2))
    s1, s2 = N * MU, N * (SIGMA**2 + MU**2)
    mean_g = sp.cancel(mean_c * s1 / B)
    var_g = sp.factor(sp.cancel((var_c * s2 + cov_c * (s1**2 - s2)) / B**2))
    return var_c, cov_c, mean_g, var_g


def exact_fraction(expr: sp.Expr, values: Mapping[sp.Basic, Fraction | int]) -> Fraction:
    """``expr`` at exact rational ``values`` (keys may be powers such as σ², substituted
    as such), as a Fraction; raises unless the result is a rational number."""
    subs = {k: sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction)
            else sp.Integer(v) for k, v in values.items()}
    value = sp.sympify(expr).subs(subs)
    if not isinstance(value, sp.Rational):
        raise ParameterError("values", dict(values), f"rational values that make {expr} a "
                             "rational number")
    return Fraction(int(value.p), int(value.q))
