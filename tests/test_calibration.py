"""The calibration study: its exact intervals, its diagnostics, and its pipeline run through
the real engine on synthetic claims — one calibrated, three miscalibrated in the ways a real
check goes wrong (autocorrelated samples, the variance of a variance, a bias counted as noise).
About 5 s (plus the claim registry's import when run alone)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from scipy import stats as st

from lrtheory.calibration import Design, clopper_pearson, rate_summary, run_seed, run_study
from lrtheory.calibration.study import read_records, seed_line
from lrtheory.calibration.summary import strict_json, summarize, z_diagnostics
from lrtheory.claim import Claim, Derivation, Estimate, Point
from lrtheory.errors import ParameterError
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic, variance_statistic
from lrtheory.verify import Settings, verify

RHO, STEPS, BIAS = 0.6, 20, 0.06
SETTINGS = Settings(resolution=0.2, pilot_chains=1000, threads=1, backend="numpy")
SEEDS = list(range(40))


def _claim(cid: str, simulate: Any) -> Claim:
    return Claim(id=cid, slug=cid.lower(), title=cid, statement="synthetic", sources=(),
                 derive=lambda: Derivation((), ()), model=lambda point: [],
                 points=(Point("p", {}),), figure=lambda result: None, simulate=simulate,
                 statistics=("statistic",))


def _sound(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Mean of iid N(0, 1) chains: calibrated."""
    m = ensemble.run(lambda rng: rng.normal(), n)
    return [Estimate("statistic", 0.0, mean_statistic(m.mean[0], m.stderr_mean[0], m.n),
                     scale=1.0)]


def _autocorrelated(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Pools STEPS steps of a stationary AR(1) chain as if they were independent: the
    standard error is too small by √((1 + ρ)/(1 − ρ)) = 2."""

    def kernel(rng: ChunkRNG) -> Any:
        eps = rng.normal(STEPS)
        x = np.empty_like(eps)
        x[:, 0] = eps[:, 0]
        for t in range(1, STEPS):
            x[:, t] = RHO * x[:, t - 1] + math.sqrt(1 - RHO**2) * eps[:, t]
        return x

    m = ensemble.run(kernel, n)
    pooled = float(np.mean(m.mean))
    se = math.sqrt(float(np.mean(m.variance)) / (m.n * STEPS))
    return [Estimate("statistic", 0.0, mean_statistic(pooled, se, m.n), scale=1.0)]


def _variance_of_variance(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """The variance of Exp(1) draws with the Gaussian se s²√(2/(n−1)); the true one has the
    fourth moment, √((μ₄ − σ⁴)/n) = √(8/n): twice as large."""
    m = ensemble.run(lambda rng: -np.log1p(-rng.uniform()), n)
    s2 = float(m.variance[0])
    return [Estimate("statistic", 1.0, variance_statistic(s2, s2 * math.sqrt(2 / (m.n - 1)),
                                                          m.n))]


def _biased(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """A deterministic offset (a discretisation error, say) not declared as a bias."""
    m = ensemble.run(lambda rng: rng.normal() + BIAS, n)
    return [Estimate("statistic", 0.0, mean_statistic(m.mean[0], m.stderr_mean[0], m.n),
                     scale=1.0)]


CLAIMS = (_claim("S91", _sound), _claim("S92", _autocorrelated),
          _claim("S93", _variance_of_variance), _claim("S94", _biased))
DESIGN = Design(SETTINGS, (1e-3, 0.05, 0.2), CLAIMS)


@pytest.fixture(scope="module")
def study() -> dict[str, Any]:
    return summarize(DESIGN, run_study(DESIGN, SEEDS))


# -- the exact interval and rates ---------------------------------------------------------

def test_clopper_pearson_matches_scipy_exact_interval_and_closed_ends() -> None:
    for k, n in [(0, 200), (1, 200), (17, 50), (50, 50), (3, 7)]:
        ci = st.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        assert clopper_pearson(k, n) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-12)
    assert clopper_pearson(0, 200)[1] == pytest.approx(1 - 0.025 ** (1 / 200))
    assert clopper_pearson(200, 200)[0] == pytest.approx(0.025 ** (1 / 200))


def test_clopper_pearson_covers_at_least_its_confidence() -> None:
    """Exact coverage Σ_k P(k)·[p ∈ CI(k)] ≥ 0.95 for every p (n = 30)."""
    n = 30
    intervals = [clopper_pearson(k, n) for k in range(n + 1)]
    for p in np.linspace(0.005, 0.995, 67):
        pmf = st.binom.pmf(np.arange(n + 1), n, p)
        coverage = sum(w for w, (lo, hi) in zip(pmf, intervals, strict=True) if lo <= p <= hi)
        assert coverage >= 0.95 - 1e-12, p


def test_rate_summary_tail_probabilities_and_bad_input() -> None:
    r = rate_summary(5, 100, 0.01)
    assert r["p_value"] == pytest.approx(st.binom.sf(4, 100, 0.01))
    assert not r["consistent"]  # 5 % observed cannot be a 1 % rate at 95 %
    d = rate_summary(95, 100, 0.99, upper=False)
    assert d["p_value"] == pytest.approx(st.binom.cdf(95, 100, 0.99))
    with pytest.raises(ParameterError, match="k"):
        clopper_pearson(5, 4)


def test_z_diagnostics_accounts_for_the_declared_bias() -> None:
    z = np.random.default_rng(3).standard_normal(400)
    assert z_diagnostics(z, 0.0)["p_mean"] > 1e-3
    assert z_diagnostics(z + 0.3, 0.0)["p_mean"] < 1e-6
    assert z_diagnostics(z + 0.3, 0.3)["p_mean"] > 1e-3  # within the declared bias
    assert z_diagnostics(1.5 * z, 0.0)["p_sd"] < 1e-6


# -- the pipeline on the real engine ------------------------------------------------------

def test_run_seed_reproduces_verify_monte_carlo_numbers() -> None:
    """Seed s of the study is the Monte Carlo of `verify --seed s`: same z, same verdict."""
    run = verify(CLAIMS, replace(SETTINGS, seed=7))
    record = run_seed(DESIGN, 7)
    engine = [m for c in run.claims for m in c.monte_carlo]
    assert [r.z for r in record.checks] == [m.test.z for m in engine]
    assert [r.judged[0].verdict for r in record.checks] == [m.verdict.value for m in engine]


def test_study_flags_each_miscalibrated_check_and_not_the_sound_one(study: dict[str, Any]) -> None:
    flagged = {row["claim"] for row in study["flagged"]}
    assert flagged == {"S92", "S93", "S94"}
    rows = {row["claim"]: row for row in study["checks"]}
    # The AR(1) chain's z spreads by √((1+ρ)/(1−ρ)) = 2 (its variance is understated by that
    # factor squared); the spread of z is estimated from len(SEEDS) runs, so 25 % is about
    # two standard errors of a sample sd at that size, far from the sound check's 1.
    assert rows["S92"]["sd_z"] == pytest.approx(math.sqrt((1 + RHO) / (1 - RHO)), rel=0.25)
    assert rows["S93"]["sd_z"] > 1.5
    # An undeclared bias shifts z by BIAS·√n; its mean over the runs has standard error
    # 1/√len(SEEDS), so ±0.5 is a few standard errors.
    assert rows["S94"]["mean_z"] == pytest.approx(BIAS * math.sqrt(rows["S94"]["mean_n"]),
                                                  abs=0.5)
    assert abs(rows["S91"]["mean_z"]) < 0.6
    assert 0.7 < rows["S91"]["sd_z"] < 1.3
    claims = {c["id"]: c for c in study["claims"]}
    assert not claims["S91"]["excess"]
    assert claims["S92"]["excess"]


def test_familywise_rate_is_counted_per_run(study: dict[str, Any]) -> None:
    widest = study["alphas"][-1]
    assert widest["familywise"]["trials"] == len(SEEDS)
    # The autocorrelated check alone rejects at |z| > z_{α/2}/2 in its own units.
    assert widest["familywise"]["count"] >= max(c["alphas"][-1]["runs_with_false_alarm"]
                                                for c in study["claims"])
    assert not widest["familywise"]["consistent"]
    assert widest["detection"]["trials"] > 0


def test_records_round_trip_and_resume(tmp_path: Any) -> None:
    path = tmp_path / "records.jsonl"
    records = run_study(DESIGN, [1, 2])
    path.write_text(json.dumps(DESIGN.header()) + "\n" + seed_line(records[0]) + "\n"
                    + seed_line(records[1])[:40])  # the last line cut short by a kill
    _, back = read_records(path, DESIGN)
    assert [(r.seed, r.checks) for r in back] == [(1, records[0].checks)]
    resumed = run_study(DESIGN, [1, 2], done=back)
    assert [(r.seed, r.checks) for r in resumed] == [(r.seed, r.checks) for r in records]
    other = Design(SETTINGS, (1e-3,), CLAIMS)
    with pytest.raises(ParameterError, match="records"):
        read_records(path, other)


def test_strict_json_has_no_nan() -> None:
    text = json.dumps(strict_json({"a": [math.nan, np.float64(math.inf), np.int64(3)]}),
                      allow_nan=False)
    assert json.loads(text) == {"a": ["nan", "inf", 3]}


# -- the command, the JSON it writes, the page and the figure -------------------------------

def _synthetic_records(path: Any, seeds: int, power: float | None = None) -> None:
    """A records file for M1 (registered) with z ~ N(0, 1), judged as the engine would;
    with ``power``, the power arm's file."""
    from lrtheory import registry
    from lrtheory.calibration import CheckRecord, Judgement, SeedRecord
    from lrtheory.calibration.cli import power_design

    claim = registry.get("M1")
    design = Design(SETTINGS, (1e-3, 0.2), (claim,))
    if power is not None:
        design = power_design(design, power)
    rng = np.random.default_rng(5)
    lines = [json.dumps({**design.header(), "started": 0.0, "jobs": 1})]
    for seed in range(seeds):
        checks = []
        for i, point in enumerate(claim.points):
            if not point.monte_carlo:
                continue
            for k in range(len(claim.statistics)):
                z = float(rng.standard_normal())
                p = float(2 * st.norm.sf(abs(z)))
                judged = tuple(Judgement("refuted" if p < design.alpha_per_check(a)
                                         else "verified", p < design.alpha_per_check(a), 2,
                                         2 - int(power is not None and rng.uniform() < 0.05),
                                         True) for a in design.alphas)
                checks.append(CheckRecord("M1", i, k, "mean", 1000, 1000, 1.0, z, p, 0.0,
                                          0.01, judged))
        lines.append(seed_line(SeedRecord(seed, 0.1, tuple(checks), 1.0 + seed)))
    path.write_text("\n".join(lines) + "\n")


def test_summarize_command_writes_strict_json_page_and_figure(tmp_path: Any) -> None:
    from lrtheory.calibration import load, main
    from lrtheory.calibration.cli import write_page

    records, out = tmp_path / "records.jsonl", tmp_path / "calibration.json"
    _synthetic_records(records, 30)
    _synthetic_records(tmp_path / "records-power.jsonl", 10, power=0.9)
    assert main(["--summarize", "--records", str(records), "--out", str(out)]) == 0
    json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    cal = load(out)
    assert cal is not None
    assert cal["n_seeds"] == 30
    assert cal["command"].startswith("lrtheory calibrate M1 --seeds 30 --first-seed 0")
    assert cal["timings"]["wall_s"] == pytest.approx(30.0)
    assert cal["power_arm"]["detection"]["nominal"] == 0.9
    assert cal["power_arm"]["detection"]["consistent"]  # 5 % missed against a 10 % allowance
    names = write_page(cal, tmp_path / "report")
    for ext in ("html", "md"):
        text = (tmp_path / "report" / f"calibration.{ext}").read_text()
        assert "False alarms" in text
        assert "Power arm" in text
        assert "M1" in text
    assert (tmp_path / "report" / names[0]).read_bytes().startswith(b"\x89PNG")


def test_main_reports_usage_errors_in_one_line(capsys: Any) -> None:
    from lrtheory.calibration import main

    assert main(["--summarize", "--records", "/nonexistent/records.jsonl"]) == 2
    assert "--records must be an existing records file" in capsys.readouterr().err
    assert main(["--alphas", "0.5,x", "--seeds", "1"]) == 2
    assert "--alphas" in capsys.readouterr().err
