"""Which schedule ends lowest: final losses of the noisy quadratic model (NQM) under the
schedules of :func:`lrtheory.models.sde_moments.standard_schedules`, exact and by the SDE.

Per direction i (curvature λ_i, gradient-noise variance s_i² = σ_i²/B) the second moment
follows the exact recursion m_{t+1} = (1 − η_tλ_i)²m_t + η_t²s_i²
(:func:`lrtheory.models.nqm.sgd_second_moments`), and E[L_T] = Σ½λ_i m_{T,i}.

* :class:`NQMProblem` and :func:`nqm_problem`: an NQM from a point's parameters (d
  curvatures log-spaced on [λ_min, λ_max], σ_i² = λ_i: gradient covariance ∝ Hessian);
* :func:`exact_final` / :func:`final_losses`: m_T per schedule and direction and E[L_T]
  (cached per parameter set), :func:`sde_final_losses` the same from the SDE moment ODE,
  :func:`staged_loss` from a closed-form constant-rate path composed over stages;
* :func:`ranking`: schedules ordered by a value, with gaps relative to the best;
* :func:`final_moment_ratio`: m_T under one schedule over m_T under another, per
  curvature, and :func:`cosine_linear_ratio` / :func:`cosine_linear_crossover` its
  cosine-over-linear-decay instance as a function of k = λη₀T (relaxation times in the run);
* :func:`sde_and_recursion`: both models of the second moment for a set of schedules;
* :func:`sde_error_grid`: the SDE's relative error at T against the recursion, for every
  standard schedule, over a grid of peak rates at a fixed number of relaxation times;
* :func:`sde_final_path` solves the SDE to T with its error bound, and
  :func:`sde_gap_bound` bounds |V_SDE(T) − m_T| a priori of the SDE's solution: the
  exact path's one-step defect in the SDE's own flow, carried to T by that flow;
* :func:`approximation` builds the check of an approximation against its exact model, and
  :func:`ci_bar` gives a Monte Carlo estimate with its interval in ``errorbar``'s terms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import mpmath
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from lrtheory import schedules as sch
from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    finite_result,
    float_array,
)
from lrtheory.models import nqm
from lrtheory.models import sde_moments as sm
from lrtheory.results import MonteCarloResult

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class NQMProblem:
    """Curvatures ``lam`` and noise variances ``s2`` (d,), E[θ₀²] = ``m0``, budget ``T``,
    peak rate ``eta0``, batch ``B`` and the standard schedules at (η₀, T) with their names."""

    lam: FloatArray
    s2: FloatArray
    m0: float
    T: int
    eta0: float
    B: float
    schedules: tuple[sm.NamedSchedule, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.schedules)


def nqm_problem(params: Mapping[str, float]) -> NQMProblem:
    """The NQM of a point: ``d`` curvatures log-spaced on [``lam_min``, ``lam_max``],
    per-example noise variance σ_i² = λ_i, batch ``B``, E[θ₀²] = ``m0``, peak ``eta0``,
    budget ``steps``."""
    missing = {"d", "steps", "lam_min", "lam_max", "B", "m0", "eta0"} - set(params)
    if missing:
        raise ParameterError("params", sorted(missing), "all of d, steps, lam_min, lam_max, "
                             "B, m0, eta0")
    d, total = check_int("d", params["d"], 1), check_int("steps", params["steps"], 8)
    lo, hi = check_positive("lam_min", params["lam_min"]), check_positive("lam_max",
                                                                          params["lam_max"])
    if hi < lo:
        raise ParameterError("lam_max", hi, f"≥ lam_min = {lo}")
    batch = check_positive("B", params["B"])
    curv = np.geomspace(lo, hi, d)
    return NQMProblem(curv, curv / batch, float(params["m0"]), total,
                      check_positive("eta0", params["eta0"]), batch,
                      sm.standard_schedules(float(params["eta0"]), total))


@cache
def _exact(key: tuple[tuple[str, float], ...]) -> tuple[NQMProblem, FloatArray, FloatArray]:
    pr = nqm_problem(dict(key))
    m = nqm.sgd_second_moments(pr.lam, pr.s2, sm.rates(pr.schedules, pr.T), pr.m0)[-1]
    return pr, m, nqm.expected_loss(pr.lam, m)


def exact_final(params: Mapping[str, float]) -> tuple[NQMProblem, FloatArray, FloatArray]:
    """(problem, m_T per schedule and direction (S, d), E[L_T] per schedule (S,)) by the
    exact recursion (cached per parameter set)."""
    return _exact(tuple(sorted(params.items())))


def final_losses(params: Mapping[str, float]) -> dict[str, float]:
    """Exact E[L_T] per schedule, by name."""
    pr, _, loss = exact_final(params)
    return dict(zip(pr.names, (float(v) for v in loss), strict=True))


def staged_loss(path: Callable[..., Any], pr: NQMProblem,
                stages: Sequence[tuple[float, int]], digits: int = 30) -> float:
    """Σ½λ_i m_{T,i} from a closed-form constant-rate path ``path``(η, λ, σ, B, m, t) (an
    mpmath function: m_t from m_0 = m after t steps at rate η, noise σ²/B) composed over
    ``stages`` (rate, steps) from m₀, at ``digits`` digits; a schedule constant on
    [k, k + s) with integer k, s gives s steps at that rate."""
    total = mpmath.mpf(0)
    with mpmath.workdps(check_int("digits", digits, 15)):
        for li, si in zip(pr.lam, pr.s2, strict=True):
            v = mpmath.mpf(pr.m0)
            for rate, steps in stages:
                v = path(rate, li, mpmath.sqrt(si * pr.B), pr.B, v, steps)
            total += li * v / 2
        return float(total)


def sde_final_path(pr: NQMProblem, names: Sequence[str], rtol: float = 1e-8,
                   atol: float = 1e-14) -> sm.MomentPath:
    """V(T) of the schedules ``names`` from the SDE moment ODE (solve_ivp, all directions
    at once), with the solver's error bound."""
    chosen = sm.select(pr.schedules, names)
    return sm.solve_moment_ode(sm.rate_function(chosen), pr.lam, pr.s2, pr.m0, [float(pr.T)],
                               sm.breakpoints(chosen, pr.T), rtol=rtol, atol=atol)


def sde_final_losses(pr: NQMProblem, names: Sequence[str], rtol: float = 1e-8,
                     atol: float = 1e-14) -> FloatArray:
    """E[L_T] of the schedules ``names`` from the SDE moment ODE (:func:`sde_final_path`)."""
    path = sde_final_path(pr, names, rtol, atol)
    return np.asarray(nqm.expected_loss(pr.lam, path.values[-1]))


#: Gauss–Legendre nodes per smooth piece of a step (and per inner integral).
FLOW_NODES = 12


@finite_result
def step_flows(schedules: Sequence[sm.NamedSchedule], curvatures: Any,
               total: int) -> tuple[FloatArray, FloatArray]:
    """The SDE's exact one-step flow V ↦ Φ_kV + s²Q_k over [k, k + 1], k < T = ``total``:
    Φ_k = exp(−2λ∫_k^{k+1}η) and Q_k = ∫_k^{k+1}η(τ)²exp(−2λ∫_τ^{k+1}η)dτ, each of shape
    (T, S, d), by Gauss–Legendre (:data:`FLOW_NODES` nodes, nested for the inner integral)
    between the schedules' breakpoints, where η is smooth; from the schedules' NumPy forms,
    not from the ODE solver."""
    lam = sm.positive_vector("curvatures", curvatures)
    total = check_int("total", total, 1, 10**6)
    chosen = tuple(schedules)
    cuts = np.array(sorted({*map(float, range(total + 1)),
                            *(b for b in sm.breakpoints(chosen, total) if 0 < b < total)}))
    lo, hi = cuts[:-1], cuts[1:]
    step = np.floor(lo).astype(int)
    xi, wi = np.polynomial.legendre.leggauss(FLOW_NODES)
    x = lo[:, None] + (hi - lo)[:, None] * (xi + 1) / 2                       # (P, n)
    w = (hi - lo)[:, None] * wi / 2
    y = x[..., None] + (hi[:, None, None] - x[..., None]) * (xi + 1) / 2      # (P, n, n)
    v = (hi[:, None] - x)[..., None] * wi / 2
    phi = np.zeros((total, len(chosen), lam.size))
    q = np.zeros_like(phi)
    for j, named in enumerate(chosen):
        def eta(t: FloatArray, f: sch.Schedule = named.schedule) -> FloatArray:
            return np.broadcast_to(np.asarray(f(t), dtype=np.float64), t.shape)
        ex, inner = eta(x), np.sum(eta(y) * v, axis=-1)                       # (P, n)
        piece = np.sum(ex * w, axis=1)                                        # ∫ over a piece
        # ∫ from the end of each piece to the end of its step: the later pieces of the step
        later = np.array([piece[(step == step[p]) & (lo > lo[p])].sum() for p in range(lo.size)])
        decay = np.exp(-2.0 * lam[None, None, :] * (inner + later[:, None])[..., None])
        np.add.at(q[:, j, :], step, np.sum((ex * ex * w)[..., None] * decay, axis=1))
        np.add.at(phi[:, j, :], step, piece[:, None] * lam[None, :])
    return np.exp(-2.0 * phi), q


@finite_result
def sde_gap_bound(schedules: Sequence[sm.NamedSchedule], curvatures: Any, noise_var: Any,
                  moments: Any, total: int) -> FloatArray:
    """A bound on |V_SDE(T) − m_T| per schedule and direction, (S, d), given the exact path
    m_0 … m_T (``moments``, (T + 1, S, d)) from the same start V₀ = m₀.

    With the SDE's exact one-step flow V ↦ Φ_kV + s²Q_k (:func:`step_flows`) and the
    recursion m ↦ a_km + q_k, a_k = (1 − η_kλ)², q_k = η_k²s², the gap e_k = V_k − m_k obeys
    e_{k+1} = Φ_ke_k + (Φ_k − a_k)m_k + s²(Q_k − η_k²), e₀ = 0, so

        |e_T| ≤ Σ_k (∏_{j>k} Φ_j)(|Φ_k − a_k|m_k + s²|Q_k − η_k²|):

    the two things the SDE changes in a step (the decay, where it drops η²λ²m, and the
    noise, injected continuously at the rate η(t)² instead of η_k² at once), each in
    absolute value, carried to T by the SDE's own decay. The SDE's solution is not used."""
    chosen = tuple(schedules)
    lam = sm.positive_vector("curvatures", curvatures)
    s2 = float_array("noise_var", check_reals("noise_var", noise_var, 0.0, lo_open=False))
    if s2.size not in (1, lam.size):
        raise ParameterError("noise_var", noise_var, "a number or one per curvature")
    s2 = np.broadcast_to(s2.reshape(-1), lam.shape)
    total = check_int("total", total, 1, 10**6)
    m = float_array("moments", moments)
    if m.shape != (total + 1, len(chosen), lam.size) or not np.all(np.isfinite(m)):
        raise ParameterError("moments", m.shape, f"finite, of shape (T + 1, S, d) = "
                             f"({total + 1}, {len(chosen)}, {lam.size})")
    phi, q = step_flows(chosen, lam, total)
    eta = sm.rates(chosen, total)[..., None]                                  # (T, S, 1)
    defect = np.abs(phi - (1.0 - eta * lam) ** 2) * m[:-1] + s2 * np.abs(q - eta * eta)
    log_phi = np.log(phi)
    after = np.exp(np.cumsum(log_phi[::-1], axis=0)[::-1] - log_phi)         # ∏_{j>k} Φ_j
    return np.asarray(np.sum(after * defect, axis=0))


def ranking(values: Mapping[str, float]) -> list[tuple[str, float, float]]:
    """(name, value, value/best − 1) from the lowest value up."""
    if not values:
        raise ParameterError("values", values, "at least one schedule")
    order = sorted(values.items(), key=lambda kv: kv[1])
    best = order[0][1]
    return [(k, v, v / best - 1.0 if best else np.inf) for k, v in order]


def final_moment_ratio(first: sch.Schedule, second: sch.Schedule, curvatures: Any, total: int,
                       noise_var: float = 1.0, m0: float = 0.0) -> FloatArray:
    """m_T under ``first`` over m_T under ``second`` (exact recursion, T = ``total`` steps),
    per curvature: one recursion for all curvatures at once."""
    pair = (sm.NamedSchedule("first", first), sm.NamedSchedule("second", second))
    m = nqm.sgd_second_moments(sm.positive_vector("curvatures", curvatures), noise_var,
                               sm.rates(pair, total), m0)[-1]
    return np.asarray(m[0] / m[1])


def cosine_linear_ratio(k: Any, total: int | None = None, eta_lam: float = 0.1) -> FloatArray:
    """V_cos(T)/V_lin(T) of the exact recursion in a direction with noise only (m₀ = 0), at
    k = λη₀T (one value per k): with ``total`` given, η₀ = 1 and λ = k/T (one recursion for
    every k); else η₀λ = ``eta_lam`` and T = k/(η₀λ) rounded, per k."""
    ks = sm.positive_vector("k", k)
    if total is not None:
        return final_moment_ratio(sch.cosine(1.0, total), sch.linear_decay(1.0, total),
                                  ks / total, total)
    eta_lam = check_positive("eta_lam", eta_lam)
    out = []
    for value in ks:
        steps = round(value / eta_lam)
        out.append(final_moment_ratio(sch.cosine(eta_lam, steps),
                                      sch.linear_decay(eta_lam, steps), [1.0], steps)[0])
    return np.array(out)


@cache
def cosine_linear_crossover(total: int = 2000) -> float:
    """k where cosine and linear decay leave equal noise (exact recursion at T = ``total``;
    at 2000, η₀λ = k/2000 ≤ 0.05 near the crossing: close to the SDE regime)."""
    return float(brentq(lambda x: cosine_linear_ratio(x, total)[0] - 1.0, 5.0, 100.0,
                        xtol=1e-3))


def sde_and_recursion(schedules: Sequence[sm.NamedSchedule], curvatures: Any, noise_var: Any,
                      v0: float, total: int, times: Sequence[float], rtol: float = sm.RTOL,
                      atol: float = sm.ATOL) -> tuple[sm.MomentPath, FloatArray]:
    """Both models of the second moment for every schedule: the SDE moment ODE at ``times``
    (:func:`lrtheory.models.sde_moments.solve_moment_ode`) and the exact recursion
    m_0 … m_T, shape (T + 1, S, d), from V₀ = m₀ = ``v0``."""
    path = sm.solve_moment_ode(sm.rate_function(tuple(schedules)), curvatures, noise_var, v0,
                               times, sm.breakpoints(schedules, total), rtol=rtol, atol=atol)
    m = nqm.sgd_second_moments(curvatures, noise_var, sm.rates(schedules, total), v0)
    return path, np.asarray(m)


@cache
def sde_error_grid(peaks: tuple[float, ...], relaxations: float, rtol: float = 1e-6,
                   atol: float = 1e-12) -> tuple[tuple[str, ...], FloatArray]:
    """|V_SDE(T) − m_T|/m_T per standard schedule (columns) and peak η₀λ (rows), λ = σ = B = 1,
    T = round(relaxations/(η₀λ)), V₀ = η₀/2 (the peak's quasi-static value); cached."""
    relaxations = check_positive("relaxations", relaxations)
    rows: list[FloatArray] = []
    names: tuple[str, ...] = ()
    for u in peaks:
        total = round(relaxations / check_positive("peak", u))
        schedules = sm.standard_schedules(u, total)
        names = tuple(s.name for s in schedules)
        path, m = sde_and_recursion(schedules, [1.0], 1.0, u / 2, total, [float(total)],
                                    rtol, atol)
        rows.append(np.abs(path.values[-1, :, 0] - m[-1, :, 0]) / m[-1, :, 0])
    return names, np.array(rows)


def approximation(name: str, approx: float, exact: float, what: str = "") -> ModelCheck:
    """The check of an approximation against the exact model: its error is measured and
    reported, not held to a tolerance (``what`` says what the approximation leaves out)."""
    return ModelCheck(name, check_real("approx", approx), check_real("exact", exact),
                      tolerance=0.0, exact=False,
                      tolerance_reason="approximation" + (f": {what}" if what else ""))


def ci_bar(result: MonteCarloResult, scale: float = 1.0) -> tuple[float, list[list[float]]]:
    """(value, [[below], [above]]) of a Monte Carlo estimate and its (1 − α) interval, over
    ``scale``: the point and error bar for matplotlib's ``errorbar``."""
    lo, hi = result.test.interval
    v = result.estimate.sample.value
    return v / scale, [[(v - lo) / scale], [(hi - v) / scale]]
