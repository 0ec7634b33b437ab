"""Reduce-on-plateau: the stateful schedule, the loop on the NQM and H6's derived bracket."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from lrtheory.claim import LazyFindings, Point
from lrtheory.claims import plateau as h6
from lrtheory.errors import ParameterError
from lrtheory.models import nqm
from lrtheory.models import plateau as mp
from lrtheory.models import plateau_checks as pc
from lrtheory.montecarlo.backend import numpy_backend
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.schedules.plateau import reduce_on_plateau
from lrtheory.symbolic import plateau as sh


class TorchReduceLROnPlateau:
    """PyTorch's ReduceLROnPlateau(mode="min") step, transcribed for one scalar metric."""

    def __init__(self, lr: float, factor: float, patience: int, threshold: float,
                 threshold_mode: str, cooldown: int, min_lr: float, eps: float) -> None:
        self.lr, self.factor, self.patience = lr, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best, self.num_bad_epochs, self.cooldown_counter = math.inf, 0, 0

    def is_better(self, a: float, best: float) -> bool:
        if self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        return a < best - self.threshold

    def step(self, metric: float) -> float:
        if self.is_better(metric, self.best):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr


@pytest.mark.parametrize(("mode", "threshold", "cooldown", "eta_min", "eps"),
                         [("rel", 1e-2, 0, 0.0, 1e-8), ("rel", 0.2, 2, 0.05, 1e-8),
                          ("abs", 0.05, 1, 0.0, 0.02)])
def test_the_vectorised_rule_matches_pytorch_chain_by_chain(
        mode: str, threshold: float, cooldown: int, eta_min: float, eps: float) -> None:
    rng = np.random.default_rng(3)
    chains, epochs = 40, 60
    trend = np.exp(-np.arange(epochs) / 15.0)[:, None]
    losses = trend * (1.0 + 0.3 * rng.standard_normal((epochs, chains)))  # noisy plateaus
    schedule = reduce_on_plateau(1.0, factor=0.5, patience=2, threshold=threshold,
                                 threshold_mode=mode,  # type: ignore[arg-type]
                                 cooldown=cooldown, eta_min=eta_min, eps=eps)
    state = schedule.init((chains,))
    refs = [TorchReduceLROnPlateau(1.0, 0.5, 2, threshold, mode, cooldown, eta_min, eps)
            for _ in range(chains)]
    for row in losses:
        rates, state = schedule(state, row)
        expected = [ref.step(float(x)) for ref, x in zip(refs, row, strict=True)]
        np.testing.assert_array_equal(rates, expected)
    assert state.reductions.max() > 1  # the test exercised cuts
    assert np.all(state.rate == rates)


def test_scalar_use_and_the_first_epoch_always_improves() -> None:
    schedule = reduce_on_plateau(0.1, factor=0.1, patience=0, threshold=0.0)
    state = schedule.init()
    eta, state = schedule(state, 5.0)
    assert float(eta) == 0.1
    assert float(state.best) == 5.0
    eta, state = schedule(state, 5.0)  # no improvement, patience 0: cut at once
    assert float(eta) == pytest.approx(0.01)
    assert int(state.reductions) == 1


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"factor": 1.0}, "factor"), ({"factor": 0.0}, "factor"), ({"patience": -1}, "patience"),
    ({"patience": 1.5}, "patience"), ({"threshold": -0.1}, "threshold"),
    ({"threshold": 1.0}, "threshold"), ({"threshold_mode": "max"}, "threshold_mode"),
    ({"cooldown": -2}, "cooldown"), ({"eta_min": 2.0}, "eta_min"), ({"eps": -1.0}, "eps")])
def test_bad_parameters_are_named(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ParameterError) as err:
        reduce_on_plateau(1.0, **kwargs)  # type: ignore[arg-type]
    assert err.value.name == name
    with pytest.raises(ParameterError, match="eta0"):
        reduce_on_plateau(0.0)


def test_state_shape_is_checked() -> None:
    schedule = reduce_on_plateau(1.0)
    with pytest.raises(ParameterError, match="shape"):
        schedule.init((-1,))
    with pytest.raises(ParameterError, match="loss"):
        schedule(schedule.init((3,)), np.ones(4))


def test_loop_on_expected_loss_is_the_rule_run_on_the_recursion() -> None:
    schedule = reduce_on_plateau(0.5, factor=0.5, patience=2, threshold=1e-3)
    run = mp.plateau_on_expected_loss(schedule, 1.0, 1.0, 80, 2, m0=10.0)
    # the same by hand: the rates it reports, through the recursion, give its loss path
    path = 0.5 * nqm.sgd_second_moments([1.0], 1.0, run.rates, 10.0)[:, 0]
    np.testing.assert_allclose(path, run.loss, rtol=1e-14)
    state, cuts = schedule.init(), []
    for j, loss in enumerate(run.epoch_loss, start=1):
        before = float(state.rate)
        _, state = schedule(state, loss)
        if float(state.rate) != before:
            cuts.append(j)
    assert tuple(cuts) == run.reductions
    np.testing.assert_allclose(run.stage_rates(), 0.5 * 0.5 ** np.arange(len(cuts) + 1))


def test_first_cut_matches_the_loop_and_is_vectorised() -> None:
    schedule = reduce_on_plateau(0.5, factor=0.5, patience=1, threshold=1e-2)
    rates, starts = np.array([0.5, 0.2, 0.05]), np.array([10.0, 3.0, 1.0])
    epochs, seen = mp.first_cut(schedule, 1.0, 1.0, rates, starts, 3, 2000)
    for rate, start, epoch, loss in zip(rates, starts, epochs, seen, strict=True):
        single = reduce_on_plateau(rate, factor=0.5, patience=1, threshold=1e-2)
        run = mp.plateau_on_expected_loss(single, 1.0, 1.0, int(epoch), 3, m0=start)
        assert run.reductions[0] == epoch
        assert run.epoch_loss[int(epoch) - 1] == pytest.approx(loss, rel=1e-13)


def test_step_schedule_losses_against_one_recursion() -> None:
    out = mp.step_schedule_losses(0.4, 0.5, [7, 30], 1.0, 2.0, 60, m0=3.0)
    for s, value in zip((7, 30), out, strict=True):
        rates = 0.4 * 0.5 ** (np.arange(60) // s)
        expected = 0.5 * nqm.sgd_second_moments([1.0], 2.0, rates, 3.0)[-1, 0]
        assert value == pytest.approx(expected, rel=1e-14)
    with pytest.raises(ParameterError, match="intervals"):
        mp.step_schedule_losses(0.4, 0.5, [], 1.0, 2.0, 60)
    for bad, name in (({"factor": 2.0}, "factor"), ({"factor": 0.0}, "factor"),
                      ({"eta0": -0.1}, "eta0")):
        args = {"eta0": 0.4, "factor": 0.5, **bad}
        with pytest.raises(ParameterError) as err:
            mp.step_comparison(args["eta0"], args["factor"], 1.0, 1.0, 10, 1)
        assert err.value.name == name


def test_noiseless_chains_reproduce_the_loop_on_expected_loss() -> None:
    """With s² = 0 every chain is the deterministic recursion from θ₀² = m₀: each chain's
    own rule must then cut exactly where the loop on E[L] does."""
    schedule = reduce_on_plateau(0.2, factor=0.5, patience=0, threshold=0.5)
    run = mp.plateau_on_expected_loss(schedule, 1.0, 0.0, 40, 1, m0=4.0)
    assert len(run.reductions) >= 2
    kernel = mp.plateau_chains(schedule, 1.0, 0.0, 3, 40, 1, 2.0, [0, 10, 40], 2)
    out = np.asarray(kernel(_rng(5)))
    np.testing.assert_allclose(out[:, :3], np.tile(run.loss[[0, 10, 40]], (5, 1)), rtol=1e-12)
    np.testing.assert_array_equal(out[:, 6:8], np.tile(run.reductions[:2], (5, 1)))
    counts = [sum(c <= k for c in run.reductions) for k in (0, 10, 40)]
    np.testing.assert_array_equal(out[:, 3:6], np.tile(counts, (5, 1)))
    assert np.allclose(out[:, mp.feedback_residual_column(3, 2)], 0.0, atol=1e-12)


def test_the_feedback_residual_has_mean_zero_and_a_wrong_drift_does_not() -> None:
    schedule = reduce_on_plateau(0.5, factor=0.5, patience=1, threshold=1e-3)
    kernel = mp.plateau_chains(schedule, 1.0, 1.0, 1, 30, 1, 2.0, [30], 0)
    m = Ensemble(seed=11, threads=1).run(kernel, 20000)
    col = mp.feedback_residual_column(1, 0)
    assert abs(m.mean[col]) < 4.5 * m.stderr_mean[col]
    # the loss at the end is far above what a schedule-free recursion would predict
    assert m.mean[0] > 0.02


def test_the_derived_bracket_holds_over_many_rules() -> None:
    """H6's bracket R ∈ [⌈t*⌉ + p + 1, ⌈t*⌉ + 2p + 1 (+1)] for every cut of the loop on E[L],
    over a grid of rates, factors, patiences, thresholds and epoch lengths."""
    checked = 0
    for eta0 in (1.9, 0.7, 0.2):
        for factor, patience, threshold, epoch in ((0.5, 0, 1e-2, 1), (0.1, 3, 1e-4, 1),
                                                   (0.5, 2, 0.05, 2), (0.3, 5, 1e-3, 3)):
            point = Point("", {"eta0": eta0, "factor": factor, "patience": float(patience),
                               "threshold": threshold, "epoch": float(epoch),
                               "steps": 300.0 * epoch})
            for check in pc.stage_checks(point):
                assert check.abs_error <= check.tolerance, (point.params, check.name)
                checked += 1
    assert checked > 40


def test_derived_edge_and_excess_bound() -> None:
    f = sh.numeric()
    delta, epoch, patience = 0.05, 2, 1
    edge = f["edge"](delta, epoch, patience, 1.0)
    assert (1 - edge) ** (2 * epoch * (patience + 1)) == pytest.approx(1 - delta, rel=1e-12)
    assert edge == pytest.approx(delta / (2 * epoch * (patience + 1)), rel=0.05)
    x, err, bound = pc.excess_rows()
    assert all(e <= b for e, b in zip(err, bound, strict=True))
    assert list(x) == sorted(x)
    assert err[0] < 1e-3 < 0.5 < err[-1]
    assert pc.noise_floor(0.5) == pytest.approx(0.5 * 1.0 / (2 * (2 - 0.5)))


def _rng(n: int) -> ChunkRNG:
    backend = numpy_backend()
    return ChunkRNG(backend, [(backend.generator(np.random.SeedSequence(0)), 0, n)],
                    np.float64)


def test_windows_are_second_halves_of_the_first_two_stages() -> None:
    run = pc.expected_loss_run(h6.H6.points[0])
    w1, w2 = h6._windows(run)
    assert w1[-1] == run.reductions[0]
    assert w2[-1] == run.reductions[1]
    assert w1[0] == math.ceil(run.reductions[0] / 2)
    assert w2[0] == math.ceil((run.reductions[0] + run.reductions[1]) / 2)
    assert all(b - a == 1 for w in (w1, w2) for a, b in pairwise(w))


def test_own_loss_chains_are_the_direct_chains_in_law() -> None:
    """The noncentral-χ² chain of |θ|² against direct simulation of the d directions: the
    first-cut epoch's mean agrees, at d = 1 and d = 3, within Monte Carlo error."""
    schedule = reduce_on_plateau(0.5, factor=0.5, patience=2, threshold=1e-3)
    for dim in (1, 3):
        fast = mp.own_loss_first_cuts(schedule, 1.0, 1.0, dim, 30, 1, math.sqrt(10), 20000, 5)
        kernel = mp.plateau_chains(schedule, 1.0, 1.0, dim, 30, 1, math.sqrt(10), [], 1)
        m = Ensemble(seed=3, threads=1).run(kernel, 20000)
        se = math.hypot(float(np.std(fast)) / math.sqrt(fast.size), float(m.stderr_mean[0]))
        assert abs(float(np.mean(fast)) - m.mean[0]) < 4.5 * se
        assert 5 < np.median(fast) < 11  # cut early: the noise, not the trend


def test_own_loss_chains_tend_to_the_loop_on_expected_loss() -> None:
    schedule = reduce_on_plateau(0.5, factor=0.5, patience=2, threshold=1e-3)
    run = mp.plateau_on_expected_loss(schedule, 1.0, 1.0, 30, 1, m0=10.0)
    huge = mp.own_loss_first_cuts(schedule, 1.0, 1.0, 10**12, 30, 1, math.sqrt(10), 200, 2)
    np.testing.assert_array_equal(huge, run.reductions[0])
    still = mp.own_loss_first_cuts(schedule, 1.0, 0.0, 1, 30, 1, math.sqrt(10), 5, 2)
    noiseless = mp.plateau_on_expected_loss(schedule, 1.0, 0.0, 30, 1, m0=10.0)
    expected = noiseless.reductions[0] if noiseless.reductions else 31
    np.testing.assert_array_equal(still, expected)
    with pytest.raises(ParameterError, match="dim"):
        mp.own_loss_first_cuts(schedule, 1.0, 1.0, 0, 30, 1, 1.0, 5, 2)
    with pytest.raises(ParameterError, match="schedule"):
        mp.own_loss_first_cuts(None, 1.0, 1.0, 1, 30, 1, 1.0, 5, 2)  # type: ignore[arg-type]


def test_window_edge_is_the_derived_edge() -> None:
    delta, patience, epoch = 0.2, 0, 1
    schedule = reduce_on_plateau(1.0, factor=0.5, patience=patience, threshold=delta)
    closed = sh.numeric()["edge"](delta, epoch, patience, 1.0)
    found = mp.window_edge(schedule, 1.0, 1.0, epoch, closed / 4, 4 * closed)
    assert abs(found.value - closed) <= found.tolerance + 1e-9
    with pytest.raises(ParameterError, match="noise_var"):
        mp.window_edge(schedule, 1.0, 0.0, epoch, closed / 4, 4 * closed)


def test_cut_bracket_and_derived_window_factor() -> None:
    f = sh.numeric()
    a = f["A"](0.3, 1.0, 2)
    assert a == pytest.approx(0.7**4, rel=1e-14)
    assert f["window_slope"](0.3, 1.0, 2, 1) == pytest.approx(-8 * 0.7**7, rel=1e-12)
    floor = f["floor"](0.3, 1.0, 2.0, 4.0)
    lo, hi = sh.cut_bracket(1e-9 * floor, 1e-3, floor, a, 2, fresh=False)  # at the floor
    assert (lo, hi) == (3, 6)
    lo, hi = sh.cut_bracket(100 * floor, 1e-3, floor, a, 2, fresh=True)
    assert hi - lo == 2
    assert lo > 3


def test_lazy_findings_read_as_a_tuple() -> None:
    import pickle

    calls: list[int] = []

    def make() -> tuple[str, ...]:
        calls.append(1)
        return ("a", "b")

    lazy = LazyFindings(make)
    assert not calls  # nothing computed on construction
    assert len(lazy) == 2
    assert list(lazy) == ["a", "b"]
    assert lazy[1] == "b"
    assert lazy == ("a", "b")
    assert hash(lazy) == hash(("a", "b"))
    assert len(calls) >= 1
    assert pickle.loads(pickle.dumps(lazy)) == ("a", "b")
    assert bool(LazyFindings(tuple)) is False
    assert isinstance(h6.H6.findings, tuple)
    assert len(h6.H6.findings) > 3
