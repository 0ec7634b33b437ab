"""lrtheory.practice and ``lrtheory calc``: each calculator against something independent."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lrtheory import practice, registry
from lrtheory.cli import main
from lrtheory.errors import ParameterError
from lrtheory.models.nqm import expected_loss, sgd_second_moments
from lrtheory.optimizers import gradient_step, heavy_ball, nesterov

EIGS = [0.3, 1.7, 4.0]
STEPS = 4000


def _final_norm(method: str, eta: float, beta: float, eigs: list[float] = EIGS) -> float:
    """|θ_T| after STEPS steps of the update rule on ½θᵀdiag(eigs)θ from θ₀ = 1."""
    lam = np.array(eigs)
    theta, v = np.ones_like(lam), np.zeros_like(lam)

    def grad(x: Any) -> Any:
        return lam * x

    for _ in range(STEPS):
        if method == "gd":
            theta = gradient_step(theta, grad(theta), eta)
        elif method == "heavy_ball":
            theta, v = heavy_ball(theta, v, grad(theta), eta, beta)
        else:
            theta, v = nesterov(theta, v, grad, eta, beta)
        if not np.all(np.abs(theta) < 1e30):
            return math.inf
    return float(np.max(np.abs(theta)))


@pytest.mark.parametrize(("method", "beta", "claim"), [
    ("gd", 0.0, "S1"), ("heavy_ball", 0.0, "M2"), ("heavy_ball", 0.7, "M2"),
    ("nesterov", 0.5, "M5"), ("nesterov", 0.9, "M5")])
def test_max_stable_lr_by_simulation(method: practice.Method, beta: float, claim: str) -> None:
    answer = practice.max_stable_lr(EIGS, method, beta)
    assert answer.claim == claim
    assert _final_norm(method, answer.value * 0.99, beta) < 1e-3  # type: ignore[operator]
    assert _final_norm(method, answer.value * 1.01, beta) > 1e3  # type: ignore[operator]


def test_layerwise_matches_per_block_bound() -> None:
    layers = [[0.5, 1.0], [3.0, 8.0, 2.0]]
    answer = practice.layerwise_max_lr(layers)
    assert answer.claim == "S6"
    assert isinstance(answer.value, dict)
    for i, block in enumerate(layers):
        eta = answer.value[f"layer_{i}"]
        assert eta == pytest.approx(practice.max_stable_lr(block).value)
        assert _final_norm("gd", 0.99 * eta, 0.0, block) < 1e-3
        assert _final_norm("gd", 1.01 * eta, 0.0, block) > 1e3
    assert answer.value["global"] == pytest.approx(0.25)
    hb = practice.layerwise_max_lr(layers, "heavy_ball", 0.5)
    assert hb.claim == "S6, M2"
    assert "M2" in hb.backed_by
    assert isinstance(hb.value, dict)
    assert hb.value["layer_1"] == pytest.approx(3 / 8)


def test_effective_lr_is_constant_gradient_step() -> None:
    eta, beta = 0.01, 0.9
    theta, v = np.zeros(1), np.zeros(1)
    for _ in range(2000):
        prev = theta
        theta, v = heavy_ball(theta, v, np.ones(1), eta, beta)
    answer = practice.effective_lr(eta, beta)
    assert answer.claim == "M1"
    assert float(prev[0] - theta[0]) == pytest.approx(answer.value, rel=1e-9)


@pytest.mark.parametrize("h", [0.05, 0.5, 1.0, 2.5, 3.9])
def test_critical_momentum_double_root(h: float) -> None:
    eta, lam = 0.1, h / 0.1
    answer = practice.critical_momentum(eta, lam)
    beta = answer.value
    assert isinstance(beta, float)
    assert 0 <= beta < 1
    assert answer.claim == "M3"
    a = 1 + beta - eta * lam  # z² − a z + β
    assert a**2 - 4 * beta == pytest.approx(0.0, abs=1e-12)
    assert ("negative-root" in answer.note) == (h > 1)


def _hb_radius(eta: float, beta: float, lam: float) -> float:
    a = np.array([[1 + beta - eta * lam, -beta], [1.0, 0.0]])
    return float(np.max(np.abs(np.linalg.eigvals(a))))


def test_polyak_against_grid_minimisation() -> None:
    mu, big = 1.0, 25.0
    answer = practice.polyak_momentum(mu, big)
    assert isinstance(answer.value, dict)
    assert answer.claim == "M3"
    v = answer.value
    assert v["eta"] == pytest.approx(4 / 36)
    assert v["beta"] == pytest.approx(4 / 9)
    assert v["rate"] == pytest.approx(2 / 3)
    assert v["kappa"] == 25
    edge = [mu, big]  # worst case over [μ, L] sits at the ends for fixed (η, β)
    best = min((max(_hb_radius(e, b, lam) for lam in edge), e, b)
               for e in np.linspace(0.05, 0.2, 61) for b in np.linspace(0.2, 0.7, 51))
    assert best[0] >= v["rate"] - 1e-9
    assert best[0] == pytest.approx(v["rate"], abs=0.02)
    assert max(_hb_radius(v["eta"], v["beta"], lam)
               for lam in np.linspace(mu, big, 50)) == pytest.approx(v["rate"], abs=1e-6)


@pytest.mark.parametrize("beta", [0.0, 0.5])
def test_batch_break_against_stability_bound(beta: float) -> None:
    eta0, b0, lam = 0.1, 32.0, 0.5
    answer = practice.batch_scaling(eta0, b0, 1024.0, lam, beta)
    assert isinstance(answer.value, dict)
    assert answer.claim == "D2"
    b_star = answer.value["batch_break"]
    method: practice.Method = "gd" if beta == 0 else "heavy_ball"
    bound = practice.max_stable_lr([lam], method, beta).value
    assert eta0 * b_star / b0 == pytest.approx(bound)
    assert answer.value["linear"] == pytest.approx(3.2)
    assert answer.value["sqrt"] == pytest.approx(0.1 * math.sqrt(32))
    past = practice.batch_scaling(eta0, b0, 1.01 * b_star, lam, beta)
    below = practice.batch_scaling(eta0, b0, 0.99 * b_star, lam, beta)
    assert isinstance(past.value, dict)
    assert isinstance(below.value, dict)
    assert past.value["linear_diverges"] == 1.0
    assert below.value["linear_diverges"] == 0.0
    assert _final_norm(method, past.value["linear"], beta, [lam]) > 1e3
    assert _final_norm(method, below.value["linear"], beta, [lam]) < 1e-3
    assert "batch_break" not in practice.batch_scaling(eta0, b0, 64.0).value  # type: ignore[operator]


def test_weight_decay_fixed_points() -> None:
    h, c, eta, wd = 2.0, 1.5, 0.1, 0.02

    def fixed(step: Callable[[float], float]) -> float:
        w = 0.0
        for _ in range(5000):
            w = step(w)
        return w

    def l2(alpha: float) -> float:
        return h * c / (h + alpha)

    dec = practice.weight_decay(eta, wd, "decoupled", eta_new=0.3)
    assert isinstance(dec.value, dict)
    assert dec.claim == "M8"
    assert dec.value["l2_strength"] == pytest.approx(0.2)
    assert fixed(lambda w: (1 - wd) * w - eta * h * (w - c)) == pytest.approx(
        l2(dec.value["l2_strength"]))
    new = dec.value["wd_new"]
    assert new == pytest.approx(0.06)
    assert fixed(lambda w: (1 - new) * w - 0.3 * h * (w - c)) == pytest.approx(
        l2(dec.value["l2_strength"]))
    adamw = practice.weight_decay(eta, 0.2, "adamw", eta_new=0.3)
    assert isinstance(adamw.value, dict)
    assert adamw.value["l2_strength"] == 0.2
    assert adamw.value["wd_new"] == 0.2
    assert adamw.value["per_step_shrink"] == pytest.approx(0.02)
    assert adamw.value["wd_decoupled"] == pytest.approx(wd)
    assert fixed(lambda w: (1 - eta * 0.2) * w - eta * h * (w - c)) == pytest.approx(l2(0.2))


def test_loss_floor_against_nqm_recursion() -> None:
    eta, lam, s2, batch = 0.3, [0.5, 2.0, 5.0], [1.0, 0.4, 2.0], 8.0
    answer = practice.sgd_loss_floor(eta, lam, s2, batch)
    assert isinstance(answer.value, dict)
    assert answer.claim == "D3"
    path = sgd_second_moments(lam, np.array(s2) / batch, np.full(3000, eta), m0=0.0)
    assert answer.value["floor"] == pytest.approx(float(expected_loss(lam, path[-1])),
                                                  rel=1e-10)
    assert answer.value["sde"] == pytest.approx(eta * sum(s2) / (4 * batch))
    scalar = practice.sgd_loss_floor(eta, lam, 1.0)
    assert isinstance(scalar.value, dict)
    assert scalar.value["floor"] > scalar.value["sde"]


def test_robbins_monro_threshold() -> None:
    answer = practice.min_robbins_monro_c([0.25, 3.0])
    assert answer.value == 2.0
    assert answer.claim == "D6"

    def t_error(c: float, lam: float = 0.25, steps: int = 20_000) -> tuple[float, float]:
        """T·E[e_T²] at T = steps/4 and T = steps: bounded iff the 1/T rate holds."""
        t = np.arange(1, steps + 1)
        path = sgd_second_moments([lam], 1.0, c / t, m0=0.0)[:, 0]
        return float(path[steps // 4] * steps / 4), float(path[steps] * steps)

    early, late = t_error(2 * answer.value)
    assert late == pytest.approx(early, rel=0.05)
    assert late == pytest.approx(4.0**2 / (2 * 0.25 * 4.0 - 1), rel=0.02)  # c²σ²/(2λc − 1)
    early, late = t_error(0.8 * answer.value)
    assert late > 1.25 * early  # c below 1/(2λ_min): T^(−2λc), slower than 1/T


def test_slugs_match_registry() -> None:
    for claim_id, slug in practice.CLAIM_SLUGS.items():
        assert registry.get(claim_id).slug == slug


@pytest.mark.parametrize(("call", "name"), [
    (lambda: practice.max_stable_lr([1.0, -0.5]), "eigenvalues[1]"),
    (lambda: practice.max_stable_lr([1.0, 0.0]), "eigenvalues[1]"),
    (lambda: practice.max_stable_lr([]), "eigenvalues"),
    (lambda: practice.max_stable_lr([math.nan]), "eigenvalues[0]"),
    (lambda: practice.max_stable_lr([1.0], "heavy_ball", 1.0), "beta"),
    (lambda: practice.max_stable_lr([1.0], "gd", 0.5), "beta"),
    (lambda: practice.max_stable_lr([1.0], "adam"), "method"),  # type: ignore[arg-type]
    (lambda: practice.layerwise_max_lr([[1.0], [2.0, -1.0]]), "layers[1][1]"),
    (lambda: practice.effective_lr(-0.1, 0.9), "eta"),
    (lambda: practice.effective_lr(0.1, -0.1), "beta"),
    (lambda: practice.critical_momentum(1.0, 4.0), "eta*curvature"),
    (lambda: practice.critical_momentum(math.inf, 1.0), "eta"),
    (lambda: practice.polyak_momentum(2.0, 1.0), "L"),
    (lambda: practice.polyak_momentum(0.0, 1.0), "mu"),
    (lambda: practice.batch_scaling(0.1, 0.0, 64.0), "batch0"),
    (lambda: practice.batch_scaling(5.0, 32.0, 64.0, 1.0), "eta0"),
    (lambda: practice.weight_decay(0.1, 1.5), "wd"),
    (lambda: practice.weight_decay(0.1, 20.0, "adamw"), "wd"),
    (lambda: practice.weight_decay(0.1, 0.01, "sgdw"), "convention"),  # type: ignore[arg-type]
    (lambda: practice.weight_decay(0.1, 0.5, eta_new=0.5), "eta_new"),
    (lambda: practice.sgd_loss_floor(1.0, [1.0, 3.0], 1.0), "eta"),
    (lambda: practice.sgd_loss_floor(0.1, [1.0, 3.0], [1.0]), "noise_var"),
    (lambda: practice.sgd_loss_floor(0.1, [1.0], -1.0), "noise_var"),
    (lambda: practice.min_robbins_monro_c([-1.0]), "curvatures[0]"),
])
def test_bad_input_names_parameter(call: Callable[[], object], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
    assert str(info.value).startswith(f"{name} must be")


def test_negative_curvature_message_cites_s3() -> None:
    with pytest.raises(ParameterError, match="S3"):
        practice.max_stable_lr([2.0, -1.0])


CALCULATORS = ("max-lr", "layerwise-lr", "effective-lr", "critical-momentum", "polyak",
               "batch-scale", "weight-decay", "loss-floor", "rm-constant")


def test_cli_help_lists_every_calculator(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["calc", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in CALCULATORS:
        assert name in out
    for name in CALCULATORS:
        with pytest.raises(SystemExit):
            main(["calc", name, "--help"])
        assert "usage: lrtheory calc " + name in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "expected"), [
    (["max-lr", "0.5,4"], ["max-lr = 0.5", "claim S1 (gd-stability)"]),
    (["max-lr", "4", "--method", "heavy_ball", "--beta", "0.5"], ["max-lr = 0.75", "M2"]),
    (["layerwise-lr", "--layer", "1,2", "--layer", "8"],
     ["layer_0 = 1", "layer_1 = 0.25", "claim S6 (layerwise-lr)"]),
    (["effective-lr", "--eta", "0.1", "--beta", "0.9"], ["effective-lr = 1", "M1"]),
    (["critical-momentum", "--eta", "0.1", "--curvature", "2.5"],
     ["critical-momentum = 0.25", "M3 (critical-damping)"]),
    (["polyak", "--mu", "1", "--L", "25"], ["beta = 0.444444", "M3"]),
    (["batch-scale", "--eta0", "0.1", "--batch0", "32", "--batch", "2048", "--lambda-max",
      "0.5"], ["batch_break = 1280", "linear_diverges = 1", "D2 (batch-scaling-rules)"]),
    (["weight-decay", "--eta", "0.1", "--wd", "0.02", "--eta-new", "0.3"],
     ["l2_strength = 0.2", "wd_new = 0.06", "M8 (decoupled-weight-decay)"]),
    (["loss-floor", "--eta", "0.1", "--curvatures", "1,2", "--noise-var", "1"],
     ["floor = 0.0540936", "sde = 0.05", "D3 (sgd-temperature)"]),
    (["rm-constant", "0.25,3"], ["rm-constant = 2", "D6 (robbins-monro)"]),
])
def test_cli_calc_output(argv: list[str], expected: list[str],
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", *argv]) == 0
    out = capsys.readouterr().out
    assert "formula:" in out
    assert "backed by claim" in out
    for text in expected:
        assert text in out


def test_cli_calc_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "max-lr", "1,-2"]) == 2
    assert "eigenvalues[1] must be > 0" in capsys.readouterr().err
    assert main(["calc", "layerwise-lr"]) == 2
    with pytest.raises(SystemExit) as info:
        main(["calc", "max-lr", "1,x"])
    assert info.value.code == 2
