"""PAC-Bayes objectives for Gaussian posteriors, derived with SymPy.

A PAC-Bayes bound controls the population risk of a randomised predictor θ ~ q by its
empirical risk and its divergence from a prior p chosen before the data. Two standard forms,
for a loss with values in [0, C], n examples, confidence 1 − δ, simultaneously for all q:

* the *linear* (Catoni 2007; Alquier, Ridgway & Chopin 2016) form at inverse temperature β,
  E_q[R] ≤ E_q[r̂] + (KL(q‖p) + ln(1/δ))/β + βC²/(8n); at β = n the q-dependent part is
  :func:`linear_objective` E_q[r̂] + KL(q‖p)/n, minimised over *all* q by the Gibbs
  posterior q ∝ p·e^{−n r̂};
* *McAllester's* form (Maurer's constant), E_q[R] ≤ E_q[r̂] + √((KL(q‖p) + ln(2√n/δ))/(2n)):
  :func:`mcallester_objective`.

:func:`gaussian_kl` computes KL(N(m_q, v_q)‖N(m_p, v_p)) as E_q[ln q − ln p] with the exact
Gaussian moments (:mod:`lrtheory.symbolic.moments`), and :func:`expected_log_ratio` the same
expectation under a *different* Gaussian (what a sample from the wrong law estimates).
"""

from __future__ import annotations

import sympy as sp

from lrtheory.symbolic.inputs import check_expr
from lrtheory.symbolic.moments import expectation, gaussian_moments_about

THETA = sp.Symbol("theta", real=True)


def gaussian_log_density(mean: sp.Expr, var: sp.Expr, x: sp.Expr = THETA) -> sp.Expr:
    """ln N(x; mean, var) = −½ln(2π·var) − (x − mean)²/(2·var)."""
    mean, var = check_expr("mean", mean), check_expr("var", var, positive=True)
    return -sp.log(2 * sp.pi * var) / 2 - (x - mean) ** 2 / (2 * var)


def expected_log_ratio(m_q: sp.Expr, v_q: sp.Expr, m_p: sp.Expr, v_p: sp.Expr,
                       m: sp.Expr, v: sp.Expr) -> sp.Expr:
    """E[ln q(θ) − ln p(θ)] for θ ~ N(m, v), q = N(m_q, v_q), p = N(m_p, v_p): the log-ratio
    is a quadratic in θ, so its expectation needs only the first two moments (exact)."""
    m, v = check_expr("m", m), check_expr("v", v, positive=True)
    ratio = gaussian_log_density(m_q, v_q) - gaussian_log_density(m_p, v_p)
    return sp.expand(expectation(sp.expand(ratio), {THETA: gaussian_moments_about(m, sp.sqrt(v))}))


def gaussian_kl(m_q: sp.Expr, v_q: sp.Expr, m_p: sp.Expr, v_p: sp.Expr) -> sp.Expr:
    """KL(N(m_q, v_q)‖N(m_p, v_p)) = E_q[ln q − ln p], computed (not quoted)."""
    return expected_log_ratio(m_q, v_q, m_p, v_p, m_q, v_q)


def linear_objective(expected_loss: sp.Expr, kl: sp.Expr, n: sp.Expr) -> sp.Expr:
    """The q-dependent part of the linear PAC-Bayes bound at β = n: E_q[r̂] + KL(q‖p)/n."""
    loss, divergence = check_expr("expected_loss", expected_loss), check_expr("kl", kl)
    return loss + divergence / check_expr("n", n, True)


def mcallester_objective(expected_loss: sp.Expr, kl: sp.Expr, n: sp.Expr,
                         delta: sp.Expr) -> sp.Expr:
    """McAllester's bound's right-hand side: E_q[r̂] + √((KL + ln(2√n/δ))/(2n))."""
    n = check_expr("n", n, True)
    delta = check_expr("delta", delta, True)
    return check_expr("expected_loss", expected_loss) + sp.sqrt(
        (check_expr("kl", kl) + sp.log(2 * sp.sqrt(n) / delta)) / (2 * n))
