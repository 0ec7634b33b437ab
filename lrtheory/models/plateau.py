"""Reduce-on-plateau on the noisy quadratic model: the feedback loop, exactly and by chains.

The model is SGD on d identical directions of the NQM, L(θ) = (1/d)Σ_i ½λθ_i² (the loss
per coordinate, so that its floor does not grow with d), with gradient noise of variance
s² = σ²/B per coordinate. Per coordinate m_t = E[θ_t²] obeys the exact recursion

    m_{t+1} = (1 − η_tλ)² m_t + η_t² s²        (:func:`lrtheory.models.nqm.sgd_second_moments`)

and, because η_t is decided before step t's noise is drawn, the same holds *conditionally*
under any feedback schedule: E[L_{t+1} | past] = (1 − η_tλ)²L_t + ½λη_t²s². The schedule
(:mod:`lrtheory.schedules.plateau`) watches a monitored loss at the end of each epoch of E
steps and sets the rate of the next epoch.

* :func:`plateau_on_expected_loss` closes the loop on the exact expected loss — the monitor
  of a run whose loss does not fluctuate (d → ∞: L concentrates on E[L]); it returns the
  rates, the loss path and the epochs of the reductions (a :class:`PlateauRun`);
* :func:`step_schedule_losses` runs step decay η₀f^⌊t/s⌋ for many intervals s side by side
  through the same recursion (the matched-step comparison);
* :func:`plateau_chains` is the Monte Carlo kernel with the loop closed on each chain's own
  loss: every chain carries its own schedule state (the schedule is vectorised over
  chains), so its reductions come at its own, random, epochs;
* :func:`feedback_residual_column` names the kernel's column holding Σ_t [L_{t+1} −
  (1 − η_tλ)²L_t − ½λη_t²s²], whose mean is exactly 0 under any such feedback — and so
  under a wrong rule too: it checks the dynamics under feedback, not the rule;
* :func:`own_loss_first_cuts` closes the loop on each chain's own loss for any d, even
  10¹⁰, at O(1) cost per step: |θ_t|² is a Markov chain with noncentral-χ² steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models import nqm
from lrtheory.models.threshold import Threshold, bisect_threshold
from lrtheory.montecarlo.backend import numpy_backend
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.schedules.decay import step_decay
from lrtheory.schedules.plateau import PlateauSchedule

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PlateauRun:
    """One run of the loop on the exact expected loss.

    ``rates[t]`` is η of step t (t < T = epochs·E); ``loss[t]`` is E[L_t] (t ≤ T);
    ``reductions`` are the epochs j (1-based: the loss seen after j epochs) whose observation
    cut the rate, so the first step at the new rate is j·E."""

    rates: FloatArray
    loss: FloatArray
    reductions: tuple[int, ...]
    steps_per_epoch: int

    @property
    def epoch_loss(self) -> FloatArray:
        """The monitored loss after epochs 1, 2, …"""
        out: FloatArray = self.loss[self.steps_per_epoch::self.steps_per_epoch]
        return out

    def stage_rates(self) -> FloatArray:
        """η of each stage: before the first reduction, after it, …"""
        starts = [0, *(j * self.steps_per_epoch for j in self.reductions)]
        return np.array([self.rates[s] for s in starts if s < self.rates.size])

    def stages(self) -> list[tuple[int, float, int]]:
        """(first epoch, η, epoch of the cut ending it) of every stage that ended in a cut.
        The first epoch is where the rule's memory is the stage's own: the first
        observation of the run (best = +∞ before it), else the cut that began the stage."""
        out, prev = [], 0
        for i, cut in enumerate(self.reductions):
            out.append((1 if i == 0 else prev, float(self.rates[prev * self.steps_per_epoch]),
                        cut))
            prev = cut
        return out


def _problem(lam: float, noise_var: float, steps_per_epoch: int) -> tuple[float, float, int]:
    return (check_positive("lam", lam), check_real("noise_var", noise_var, 0.0, lo_open=False),
            check_int("steps_per_epoch", steps_per_epoch, 1))


def plateau_on_expected_loss(schedule: PlateauSchedule, lam: float, noise_var: float,
                             epochs: int, steps_per_epoch: int = 1,
                             m0: float = 1.0) -> PlateauRun:
    """Close the loop on E[L]: for each epoch run E steps of the exact recursion at the
    current rate, show the schedule E[L] at the epoch's end, take its rate for the next.

    ``noise_var`` is s² = σ²/B per coordinate, ``m0`` = E[θ₀²]."""
    if not isinstance(schedule, PlateauSchedule):
        raise ParameterError("schedule", schedule, "a PlateauSchedule (reduce_on_plateau)")
    lam, noise_var, e = _problem(lam, noise_var, steps_per_epoch)
    epochs = check_int("epochs", epochs, 1)
    m = check_real("m0", m0, 0.0, lo_open=False)
    state = schedule.init()
    rate = schedule.eta0
    rates, loss, cuts = [], [0.5 * lam * m], []
    for j in range(1, epochs + 1):
        path = nqm.sgd_second_moments([lam], noise_var, np.full(e, rate), m)[1:, 0]
        rates += [rate] * e
        loss += list(0.5 * lam * path)
        m = float(path[-1])
        new, state = schedule(state, 0.5 * lam * m)
        if float(new) != rate:
            cuts.append(j)
        rate = float(new)
    return PlateauRun(np.array(rates), np.array(loss), tuple(cuts), e)


def first_cut(schedule: PlateauSchedule, lam: float, noise_var: Any, rates: Any, m0: Any,
              steps_per_epoch: int, max_epochs: int) -> tuple[FloatArray, FloatArray]:
    """For many runs side by side (one per entry of ``rates``, each at its own constant η,
    from E[θ₀²] = ``m0``, with its own noise variance s²), the epoch of the schedule's first
    reduction and E[L] seen then, the loop closed on the exact expected loss; a run not cut
    within ``max_epochs`` gets epoch ``max_epochs`` + 1 and its last loss. The schedule's
    state is one entry per run: the vectorised rule itself, not a loop over runs."""
    if not isinstance(schedule, PlateauSchedule):
        raise ParameterError("schedule", schedule, "a PlateauSchedule (reduce_on_plateau)")
    lam, _, e = _problem(lam, 0.0, steps_per_epoch)
    eta = np.atleast_1d(float_array("rates", rates))
    if eta.ndim != 1 or not np.all((eta > 0) & np.isfinite(eta)):
        raise ParameterError("rates", rates, "a 1-D array of finite rates > 0")
    s2 = np.broadcast_to(float_array("noise_var", noise_var), eta.shape)
    m = np.broadcast_to(float_array("m0", m0), eta.shape).copy()
    if not np.all(np.isfinite(s2) & (s2 >= 0)) or not np.all(np.isfinite(m) & (m >= 0)):
        raise ParameterError("noise_var/m0", (noise_var, m0), "finite and ≥ 0, one per run")
    max_epochs = check_int("max_epochs", max_epochs, 1)
    state = schedule.init(eta.shape)
    epoch = np.full(eta.shape, max_epochs + 1.0)
    seen = np.zeros(eta.shape)
    a, q = (1.0 - eta * lam) ** 2, eta**2 * s2
    for j in range(1, max_epochs + 1):
        for _ in range(e):
            m = a * m + q
        loss = 0.5 * lam * m
        _, state = schedule(state, loss)
        new = (state.reductions > 0) & (epoch > max_epochs)
        epoch[new], seen[new] = j, loss[new]
        if np.all(epoch <= max_epochs):
            break
    seen[epoch > max_epochs] = 0.5 * lam * m[epoch > max_epochs]
    return epoch, seen


def step_schedule_losses(eta0: float, factor: float, intervals: Sequence[int], lam: float,
                         noise_var: float, steps: int, m0: float = 1.0) -> FloatArray:
    """E[L_T] (per coordinate) after T = ``steps`` steps of step decay η₀f^⌊t/s⌋
    (:func:`lrtheory.schedules.step_decay`), one entry per interval s, all through the exact
    recursion side by side (rates of shape (T, S))."""
    lam, noise_var, _ = _problem(lam, noise_var, 1)
    eta0 = check_positive("eta0", eta0)
    m0 = check_real("m0", m0, 0.0, lo_open=False)
    factor = check_real("factor", factor, 0.0, 1.0, hi_open=False)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    every = [check_int(f"intervals[{i}]", s, 1) for i, s in enumerate(intervals)]
    if not every:
        raise ParameterError("intervals", intervals, "at least one interval")
    t = np.arange(steps, dtype=np.float64)[:, None]
    rates = np.concatenate([step_decay(eta0, factor, s)(t) for s in every], axis=1)
    moments = nqm.sgd_second_moments([lam], noise_var, rates, m0)
    out: FloatArray = 0.5 * lam * moments[-1, :, 0]
    return out


def window_edge(schedule: PlateauSchedule, lam: float, noise_var: float,
                steps_per_epoch: int, lo: float, hi: float, halvings: int = 40,
                start_gap: float = 1e12) -> Threshold:
    """The rate below which no window of p + 1 epochs improves the loss by more than δ, by
    bisection on [lo, hi] of the simulated rule: a run at constant η from E[θ₀²] =
    ``start_gap`` × its stationary value (the recursion's fixed point η²s²/(1 − (1 − ηλ)²))
    is cut at epoch p + 2, the earliest possible, iff its first window shows no improvement.
    (From a finite gap the edge sits where 1 − δ − A^{p+1} is ≈ δ/``start_gap``, not 0.)"""
    lam, noise_var, e = _problem(lam, noise_var, steps_per_epoch)
    if noise_var <= 0:
        raise ParameterError("noise_var", noise_var, "> 0 (the floor sets the start)")
    soon = schedule.patience + 2

    def no_window_improves(rate: float) -> bool:
        start = start_gap * rate**2 * noise_var / (1.0 - (1.0 - rate * lam) ** 2)
        cut, _ = first_cut(schedule, lam, noise_var, [rate], [start], e, soon)
        return bool(cut[0] <= soon)

    return bisect_threshold(no_window_improves, check_positive("lo", lo),
                            check_positive("hi", hi), halvings)


@dataclass(frozen=True)
class StepComparison:
    """E[L_T] of step decay with the plateau rule's factor: the interval giving the same
    number of cuts in T steps, evenly spaced, and the best interval for this T."""

    matched_every: int
    matched_loss: float
    best_every: int
    best_loss: float


@finite_result
def step_comparison(eta0: float, factor: float, lam: float, noise_var: float, steps: int,
                    cuts: int, m0: float = 1.0) -> StepComparison:
    """Step decay η₀f^⌊t/s⌋ over T = ``steps`` for every s = 1 … T
    (:func:`step_schedule_losses`): the s with ``cuts`` cuts evenly spaced, round(T/(cuts + 1)),
    and the s of least E[L_T]."""
    steps = check_int("steps", steps, 1, MAX_STEPS)
    losses = step_schedule_losses(eta0, factor, list(range(1, steps + 1)), lam, noise_var,
                                  steps, m0)
    matched = max(1, round(steps / (check_int("cuts", cuts, 0) + 1)))
    best = int(np.argmin(losses))
    return StepComparison(matched, float(losses[matched - 1]), best + 1, float(losses[best]))


@dataclass(frozen=True)
class FeedbackRuns:
    """Per-chain records of :func:`plateau_chains` at every step: the loss (n × (T + 1)),
    η (n × T) and the epochs of the first cuts (n × cuts; epochs + 1 where none came)."""

    loss: FloatArray
    rates: FloatArray
    cuts: FloatArray


def feedback_runs(schedule: PlateauSchedule, lam: float, noise_var: float, dim: int,
                  epochs: int, steps_per_epoch: int, x0: float, chains: int, seed: int,
                  cuts: int) -> FeedbackRuns:
    """``chains`` chains of :func:`plateau_chains` (NumPy, one stream seeded by ``seed``) with
    every step recorded: for pictures and summaries of the per-chain cut times, where the
    engine's merged moments are not enough. η is read off the count of cuts (η₀f^count,
    exact while η_min does not bind)."""
    steps = epochs * steps_per_epoch
    record = list(range(steps + 1))
    kernel = plateau_chains(schedule, lam, noise_var, dim, epochs, steps_per_epoch, x0,
                            record, cuts)
    backend = numpy_backend()
    rng = ChunkRNG(backend, [(backend.generator(np.random.SeedSequence(seed)), 0,
                              check_int("chains", chains, 1))], np.float64)
    out = np.asarray(kernel(rng))
    n = len(record)
    rates = schedule.eta0 * schedule.factor ** out[:, n:2 * n - 1]
    return FeedbackRuns(out[:, :n], rates, out[:, 2 * n:2 * n + cuts])


def feedback_residual_column(n_record: int, n_reductions: int) -> int:
    """The column of :func:`plateau_chains`'s output holding the feedback residual."""
    return 2 * n_record + n_reductions


def plateau_chains(schedule: PlateauSchedule, lam: float, noise_var: float, dim: int,
                   epochs: int, steps_per_epoch: int, x0: float, record: Sequence[int],
                   n_reductions: int) -> Kernel:
    """Monte Carlo kernel: chains of SGD on the d-direction NQM, θ ← θ − η(λθ + sξ),
    ξ ~ N(0, I_d), from θ₀ = x0·(1, …, 1), each chain with its own reduce-on-plateau state,
    shown the chain's own loss L = (1/d)Σ½λθ_i² at the end of every epoch.

    Columns of the (n, ·) output, R = len(``record``), K = ``n_reductions``: the loss at
    each step in ``record`` (0 ≤ step ≤ T); the number of cuts made before each of those
    steps (so η there is η₀f^count while η_min does not bind); the epoch of the chain's
    k-th cut, k = 1 … K (``epochs`` + 1 if it never came); the residual
    Σ_{t<T} [L_{t+1} − (1 − η_tλ)²L_t − ½λη_t²s²], a sum of martingale increments (mean
    exactly 0: the rate is fixed before the step's noise is drawn)."""
    if not isinstance(schedule, PlateauSchedule):
        raise ParameterError("schedule", schedule, "a PlateauSchedule (reduce_on_plateau)")
    lam, noise_var, e = _problem(lam, noise_var, steps_per_epoch)
    dim, epochs = check_int("dim", dim, 1), check_int("epochs", epochs, 1)
    x0 = check_real("x0", x0)
    total = epochs * e
    steps = [check_int(f"record[{i}]", k, 0, total) for i, k in enumerate(record)]
    n_red = check_int("n_reductions", n_reductions, 0)
    n_rec, sd = len(steps), float(np.sqrt(noise_var))
    wanted = {k: [j for j, s in enumerate(steps) if s == k] for k in set(steps)}

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        theta = xp.full((rng.n, dim), x0, dtype=rng.dtype)
        state = schedule.init((rng.n,), xp)
        rate = state.rate
        out = xp.zeros((rng.n, 2 * n_rec + n_red + 1), dtype=rng.dtype)
        cut_epochs = out[:, 2 * n_rec:2 * n_rec + n_red]
        cut_epochs[...] = epochs + 1
        loss = 0.5 * lam * xp.mean(theta * theta, axis=1)
        residual = xp.zeros(rng.n, dtype=rng.dtype)
        for t in range(total + 1):
            for j in wanted.get(t, ()):
                out[:, j], out[:, n_rec + j] = loss, state.reductions
            if t == total:
                break
            eta = rate[:, None]
            theta = theta - eta * (lam * theta + sd * rng.normal(dim))
            new_loss = 0.5 * lam * xp.mean(theta * theta, axis=1)
            residual += new_loss - (1.0 - rate * lam) ** 2 * loss - 0.5 * lam * rate**2 * noise_var
            loss = new_loss
            if (t + 1) % e == 0:
                before = state.reductions
                rate, state = schedule(state, loss)
                if n_red:  # the epoch of the k-th cut, where it came now
                    now = (state.reductions > before) & (state.reductions <= n_red)
                    rows = xp.nonzero(now)[0]
                    cut_epochs[rows, state.reductions[rows] - 1] = (t + 1) // e
        out[:, -1] = residual
        return out

    return kernel


def own_loss_first_cuts(schedule: PlateauSchedule, lam: float, noise_var: float, dim: int,
                        epochs: int, steps_per_epoch: int, x0: float, chains: int,
                        seed: int) -> FloatArray:
    """The epoch of each chain's first cut (``epochs`` + 1 where none came), every chain
    running the rule on its own loss L = (λ/2d)|θ|² over d = ``dim`` directions — the
    runs of :func:`plateau_chains`, for any d at O(1) cost per step.

    A step is θ ← aθ − bξ with a = 1 − ηλ, b = η·s, ξ ~ N(0, I_d), η fixed before ξ is
    drawn; rotating θ_t onto an axis shows that, given the past, |θ_{t+1}|²/b² is
    noncentral χ² with d degrees of freedom and noncentrality a²|θ_t|²/b². So S_t = |θ_t|²
    is a Markov chain under any feedback rule, started at S₀ = d·x0² and drawn exactly by
    NumPy's ``noncentral_chisquare`` (one stream, seeded by ``seed``)."""
    if not isinstance(schedule, PlateauSchedule):
        raise ParameterError("schedule", schedule, "a PlateauSchedule (reduce_on_plateau)")
    lam, noise_var, e = _problem(lam, noise_var, steps_per_epoch)
    dim, epochs = check_int("dim", dim, 1), check_int("epochs", epochs, 1)
    chains = check_int("chains", chains, 1)
    rng = np.random.default_rng(np.random.SeedSequence(check_int("seed", seed, 0)))
    size = np.full(chains, float(dim) * check_real("x0", x0) ** 2)
    state = schedule.init((chains,))
    first = np.full(chains, epochs + 1.0)
    for j in range(1, epochs + 1):
        a, b2 = (1.0 - state.rate * lam) ** 2, state.rate**2 * noise_var
        for _ in range(e):
            if noise_var > 0:
                size = b2 * rng.noncentral_chisquare(float(dim), a * size / b2)
            else:
                size = a * size
        _, state = schedule(state, 0.5 * lam * size / dim)
        first[(state.reductions > 0) & (first > epochs)] = j
        if np.all(first <= epochs):
            break
    return first
