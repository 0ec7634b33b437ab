"""The judge: a toy claim whose parts can be made wrong, one at a time."""

from __future__ import annotations

from typing import Any

import pytest
import sympy as sp
from matplotlib.figure import Figure

from lrtheory.claim import Claim, Derivation, Estimate, Identity, ModelCheck, Point, Verdict
from lrtheory.errors import ParameterError
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.results import ClaimResult
from lrtheory.verify import Settings, verify

X = sp.Symbol("x", positive=True)


def _no_figure(result: ClaimResult) -> Figure:
    raise AssertionError("verify never draws figures")


def _toy(*, stated: sp.Expr = 2 * X, model_value: float = 2.0,
         mc_prediction: float = 1.5, name: str = "T1") -> Claim:
    """E[1.5 + Z] = 1.5 by Monte Carlo; d(x²)/dx = 2x symbolically; 2 = 2 by the model."""

    def simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
        def kernel(rng: ChunkRNG) -> Any:
            return 1.5 + rng.normal(1)

        m = ensemble.run(kernel, n)
        return [Estimate("mean", mc_prediction,
                         mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n))]

    return Claim(
        id=name, slug=f"toy-{name.lower()}", title="toy", statement="toy", sources=(),
        derive=lambda: Derivation((), (Identity("derivative", sp.diff(X**2, X), stated),)),
        model=lambda p: [ModelCheck("two", 2.0, model_value, 1e-12, "exact")],
        points=(Point("p", {}, regime="boundary"),),
        figure=_no_figure,
        simulate=simulate, statistics=("mean",),
    )


def _verdict(claim: Claim, **settings: Any) -> Verdict:
    return verify([claim], Settings(seed=3, backend="numpy", **settings)).claims[0].verdict


def test_a_correct_claim_is_verified() -> None:
    result = verify([_toy()], Settings(seed=3, backend="numpy")).claims[0]
    assert result.verdict == Verdict.VERIFIED
    mc = result.monte_carlo[0]
    assert [p for p, _ in mc.controls] == pytest.approx([1.47, 1.53])
    assert result.controls_rejected


@pytest.mark.parametrize("wrong", [
    {"stated": 3 * X},          # a wrong closed form
    {"model_value": 2.001},     # the exact model disagrees
    {"mc_prediction": 1.56},    # Monte Carlo contradicts the prediction (4 % off)
])
def test_each_kind_of_error_is_refuted(wrong: dict[str, Any]) -> None:
    assert _verdict(_toy(**wrong)) == Verdict.REFUTED


def test_too_small_a_budget_is_inconclusive_not_verified() -> None:
    # 1000 chains cannot resolve 2 % of 1.5 (se ≈ 0.03): the negative control passes.
    assert _verdict(_toy(), pilot_chains=1000, max_chains=1000) == Verdict.INCONCLUSIVE


def test_a_finding_is_verified_when_the_difference_is_shown() -> None:
    finding = Identity("not 3x", sp.diff(X**2, X), 3 * X, expect_equal=False)
    claim = _toy()
    claim = Claim(**{**claim.__dict__, "derive": lambda: Derivation((), (finding,))})
    assert _verdict(claim) == Verdict.VERIFIED


def test_bonferroni_covers_every_check_of_the_run() -> None:
    run = verify([_toy(name="T1"), _toy(name="T2")], Settings(seed=1, backend="numpy"))
    assert run.n_checks == 2
    assert run.alpha_per_check == pytest.approx(5e-4)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"alpha": 0.0}, "alpha"), ({"resolution": 1.0}, "resolution"),
    ({"backend": "gpu"}, "backend"), ({"pilot_chains": 10}, "pilot_chains"),
    ({"max_chains": 2000}, "max_chains"), ({"power": 0.3}, "power"),
])
def test_settings_reject_bad_values(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        Settings(**kwargs)


def test_a_bias_is_negligible_against_the_spread_it_competes_with() -> None:
    from lrtheory.montecarlo.stats import proportion_statistic
    from lrtheory.verify import bias_is_negligible

    inside = proportion_statistic(3000, 10_000)  # se under p = 0.3: 4.6e-3
    assert bias_is_negligible(Estimate("p", 0.3, inside, bias_bound=4e-4), 1e-5)
    assert not bias_is_negligible(Estimate("p", 0.3, inside, bias_bound=6e-4), 1e-5)
    # A certain prediction has no spread: the bias must be rare over all n chains.
    certain = proportion_statistic(10_000, 10_000)
    assert bias_is_negligible(Estimate("p", 1.0, certain, bias_bound=1e-11), 1e-5)
    assert not bias_is_negligible(Estimate("p", 1.0, certain, bias_bound=1e-9), 1e-5)
    mean = mean_statistic(0.0, 0.01, 10_000)
    assert bias_is_negligible(Estimate("m", 0.0, mean, scale=1.0, bias_bound=1e-3), 1e-5)
    assert not bias_is_negligible(Estimate("m", 0.0, mean, scale=1.0, bias_bound=2e-3), 1e-5)


def test_a_counterexample_in_the_pilot_counts() -> None:
    """A proportion predicted to be 1 whose only failure falls in the pilot is refuted: the
    pilot and the main run are one fixed-size sample for a proportion."""
    from lrtheory.montecarlo.stats import proportion_statistic

    pilot_chains = Settings().pilot_chains

    def simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
        failures = 1 if n == pilot_chains else 0
        return [Estimate("always", 1.0, proportion_statistic(n - failures, n))]

    claim = Claim(**{**_toy().__dict__, "simulate": simulate, "statistics": ("always",)})
    result = verify([claim], Settings(seed=3, backend="numpy")).claims[0]
    mc = result.monte_carlo[0]
    assert mc.estimate.sample.n > pilot_chains
    assert mc.estimate.sample.successes == mc.estimate.sample.n - 1
    assert result.verdict == Verdict.REFUTED


def test_beyond_quadratics_says_why_it_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PEPit a claim that has a worst case beyond quadratics says what to install;
    a claim without one carries neither."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "PEPit" else real(name, *a))
    settings = Settings(seed=3, backend="numpy")
    listed, other = verify([_toy(name="S1"), _toy(name="T9")], settings, beyond=True).claims
    assert listed.beyond is None
    assert listed.beyond_missing is not None
    assert "lrtheory[certify]" in listed.beyond_missing
    assert other.beyond is None
    assert other.beyond_missing is None


def test_a_main_run_that_finds_the_pilot_too_optimistic_is_replaced() -> None:
    """A pilot that understates the spread (as a heavy-tailed statistic's can) sizes a main
    run too small; the engine sees that from the main run and replaces it by a fresh run of
    the size the main run asks for, so the negative control is still rejected."""
    pilot_chains = Settings().pilot_chains
    sizes: list[int] = []

    def simulate(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
        sizes.append(n)
        sd = 0.1 if n == pilot_chains else 1.0  # the pilot sees a tenth of the true spread

        def kernel(rng: ChunkRNG) -> Any:
            return 1.5 + sd * rng.normal(1)

        m = ensemble.run(kernel, n)
        return [Estimate("mean", 1.5,
                         mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n))]

    claim = Claim(**{**_toy().__dict__, "simulate": simulate})
    result = verify([claim], Settings(seed=3, backend="numpy")).claims[0]
    _pilot, first, fresh = sizes
    assert fresh > 50 * first  # (1/0.1)² = 100 times more chains, less the pilot's slack
    mc = result.monte_carlo[0]
    assert mc.estimate.sample.n == fresh
    assert mc.n_required == fresh
    assert result.controls_rejected
    assert result.verdict == Verdict.VERIFIED
