"""The front door: derive, model, simulate and judge every claim of a run.

``verify(claims, settings)`` returns a :class:`RunResult`. Per claim it

1. runs ``derive()`` and decides each identity exactly (:func:`identical`);
2. runs ``model(point)`` at every point: exact closed forms must agree within the numerical
   method's own tolerance, approximations have their error measured;
3. at every Monte Carlo point runs a pilot, sizes the main run so that the negative control
   (prediction ± resolution × scale) is rejected with the run's power, runs it on fresh
   streams and tests the prediction and the negative controls at α = α_fw / m (Bonferroni
   over the m Monte Carlo checks of the whole run).

Streams are keyed by (seed, CRC-32 of the claim ID, point index, phase), so adding a claim
never changes another claim's random numbers and the same seed gives the same numbers.
"""

from __future__ import annotations

import importlib.util
import math
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from lrtheory import registry
from lrtheory.claim import Claim, Estimate, Identity, ModelCheck, Point, Verdict
from lrtheory.environment import environment
from lrtheory.errors import (
    DivergenceError,
    ParameterError,
    check_int,
    check_probability,
    check_real,
)
from lrtheory.montecarlo import stats
from lrtheory.montecarlo.backend import BACKEND_CHOICES, Backend, get_backend
from lrtheory.montecarlo.runner import DEFAULT_CHUNK, Ensemble
from lrtheory.parallel import cpu_count, map_unordered, one_blas_thread, resolve_jobs
from lrtheory.results import (
    ClaimResult,
    IdentityResult,
    ModelResult,
    MonteCarloResult,
    PointResult,
    RunResult,
)
from lrtheory.symbolic.identity import identical

#: A deterministic bias this small cannot move a test's verdict: a tenth of the standard error
#: for a mean or variance; for a proportion, a tenth of α in expected biased events (b·n).
NEGLIGIBLE_BIAS = 0.1


def bias_is_negligible(est: Estimate, alpha: float) -> bool:
    """Whether ``est.bias_bound`` is too small to matter for a test at level ``alpha``.

    For a mean or variance the bias shifts z by bias/se, so bias ≤ 0.1·se is required; so
    for a proportion predicted strictly inside (0, 1), with the standard error under the
    prediction, √(p(1−p)/n). At a certain prediction (p = 0 or 1, where se = 0) the bias is
    a per-chain probability b of the "wrong" outcome, which turns into a false alarm with
    probability ≤ b·n, so b·n ≤ 0.1·α is required.
    """
    if est.bias_bound == 0.0:
        return True
    if est.sample.kind == "proportion":
        p, n = est.prediction, est.sample.n
        if 0.0 < p < 1.0:
            return est.bias_bound <= NEGLIGIBLE_BIAS * math.sqrt(p * (1.0 - p) / n)
        return est.bias_bound * n <= NEGLIGIBLE_BIAS * alpha
    return est.bias_bound <= NEGLIGIBLE_BIAS * est.sample.se


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run's numbers (all recorded in the report)."""

    seed: int = 0
    backend: str = "auto"
    alpha: float = 1e-3
    resolution: float = 0.02
    power: float | None = None
    pilot_chains: int = 4000
    max_chains: int = 4_000_000
    threads: int = 0
    chunk: int = DEFAULT_CHUNK
    #: A Dask scheduler address: the Monte Carlo chunks run on that cluster. Changes no
    #: number (recorded all the same); with ``jobs`` > 1 every claim worker connects to it.
    scheduler: str | None = None

    def __post_init__(self) -> None:
        check_int("seed", self.seed, 0, 2**63 - 1)
        if self.scheduler is not None and (not isinstance(self.scheduler, str)
                                           or not self.scheduler.strip()):
            raise ParameterError("scheduler", self.scheduler,
                                 "None or a Dask scheduler address such as tcp://host:8786")
        if self.backend not in BACKEND_CHOICES:
            raise ParameterError("backend", self.backend, f"one of {', '.join(BACKEND_CHOICES)}")
        check_probability("alpha", self.alpha)
        check_real("resolution", self.resolution, 0.0, 1.0)
        if self.power is not None:
            check_real("power", self.power, 0.5, 1.0)
        check_int("pilot_chains", self.pilot_chains, stats.MIN_CHAINS)
        if (isinstance(self.max_chains, int) and not isinstance(self.max_chains, bool)
                and self.max_chains < self.pilot_chains):
            raise ParameterError("max_chains", self.max_chains,
                                 f"an integer ≥ pilot_chains = {self.pilot_chains}")
        check_int("max_chains", self.max_chains, self.pilot_chains)
        check_int("threads", self.threads, 0, 1024)
        check_int("chunk", self.chunk, 1)

    def power_for(self, alpha_per_check: float) -> float:
        """The target power: at least 0.99, and by default 1 − α so that a negative control
        is missed no more often than a true prediction is falsely rejected."""
        return self.power if self.power is not None else max(0.99, 1.0 - alpha_per_check)


class Progress(Protocol):
    """What the engine tells a progress display."""

    def claim_started(self, claim: Claim, units: int) -> None: ...

    def advance(self, note: str) -> None: ...


def verify(claims: Sequence[Claim], settings: Settings | None = None,
           progress: Progress | None = None, *, jobs: int = 1,
           figures: bool = False, beyond: bool = False) -> RunResult:
    """Verify ``claims`` under ``settings``; the family-wise α covers all of them.

    ``jobs`` > 1 verifies claims in that many worker processes (0: one per CPU). It changes
    no number — every claim's streams are keyed by its ID — only the wall time; it applies
    to registered claims on the NumPy backend (otherwise the claims run here, one by one).
    ``figures=True`` also draws each claim's figures (``ClaimResult.figures``, PNG bytes)
    right after it is verified, in the same process, where the claim's cached derivations
    and models are still warm (the report asks for this). ``beyond=True`` adds, for the
    claims that have one, the worst case over the claim's function class
    (:func:`lrtheory.certify.beyond_quadratics`; PEPit, an optional extra).
    """
    settings = settings or Settings()
    if (isinstance(claims, str | bytes | Claim) or not isinstance(claims, Sequence)
            or not all(isinstance(c, Claim) for c in claims)):
        raise ParameterError("claims", claims,
                             "a sequence of Claim objects (registry.get, registry.select)")
    if not claims:
        raise ParameterError("claims", [], "at least one claim")
    not_run = {c.id: reason for c in claims if (reason := c.missing) is not None}
    claims = [c for c in claims if c.id not in not_run]
    if not claims:
        raise ParameterError("claims", sorted(not_run), "at least one claim that can run here "
                             f"({'; '.join(f'{k} {v}' for k, v in not_run.items())})")
    backend = get_backend(settings.backend)
    m = max(1, sum(c.n_mc_checks for c in claims))
    alpha = stats.bonferroni(settings.alpha, m)
    jobs = resolve_jobs(jobs, len(claims))
    t0 = time.perf_counter()
    if jobs > 1 and backend.name == "numpy" and all(registry.is_registered(c) for c in claims):
        results = _verify_in_workers(claims, settings, alpha, progress, jobs,
                                     _Extras(figures, beyond))
    else:
        ensemble = ensemble_for(settings, backend, settings.threads)
        with one_blas_thread():
            results = tuple(_verify_claim(c, settings, ensemble, alpha, progress,
                                          _Extras(figures, beyond)) for c in claims)
    return RunResult(
        claims=results,
        settings=asdict(settings),
        environment=environment(backend),
        n_checks=m,
        alpha_per_check=alpha,
        timings={"total_s": time.perf_counter() - t0},
        not_run=not_run,
    )


def ensemble_for(settings: Settings, backend: Backend, threads: int) -> Ensemble:
    """The run's ensemble. With ``settings.scheduler`` its chunks go to that Dask cluster,
    connected here so that a bad address fails before any claim runs (the same numbers:
    :mod:`lrtheory.montecarlo.distributed`)."""
    if settings.scheduler is not None:
        from lrtheory.montecarlo.distributed import client_for

        client_for(settings.scheduler)
    return Ensemble(backend=backend, seed=settings.seed, threads=threads, chunk=settings.chunk,
                    scheduler=settings.scheduler)


def _verify_in_workers(claims: Sequence[Claim], settings: Settings, alpha: float,
                       progress: Progress | None, jobs: int,
                       extras: _Extras) -> tuple[ClaimResult, ...]:
    # The cores are shared out: each worker's ensembles get cores/jobs threads (the thread
    # count never changes a result).
    threads = settings.threads or max(1, cpu_count() // jobs)
    tasks = [(c.id, settings, alpha, threads, extras) for c in claims]
    results: dict[int, ClaimResult] = {}
    for index, result in map_unordered(_verify_task, tasks, jobs):
        results[index] = result
        if progress:
            progress.claim_started(result.claim, 1 + len(result.claim.points))
            for _ in range(1 + len(result.claim.points)):
                progress.advance("done")
    return tuple(results[i] for i in range(len(claims)))


@dataclass(frozen=True)
class _Extras:
    """What a run adds to each claim's verification: its figures, its worst case beyond
    quadratics."""

    figures: bool = False
    beyond: bool = False


def _verify_task(task: tuple[str, Settings, float, int, _Extras]) -> ClaimResult:
    """One claim in a worker process (module level, so that it pickles)."""
    claim_id, settings, alpha, threads, extras = task
    ensemble = ensemble_for(settings, get_backend(settings.backend), threads)
    with one_blas_thread():
        return _verify_claim(registry.get(claim_id), settings, ensemble, alpha, None, extras)


def _beyond(claim: Claim) -> dict[str, Any]:
    """The claim's worst case over its function class, or why it is absent."""
    from lrtheory.certify import BEYOND_CLAIMS, beyond_quadratics

    if claim.id not in BEYOND_CLAIMS:
        return {}
    if importlib.util.find_spec("PEPit") is None:
        return {"beyond_missing": "needs PEPit: pip install 'lrtheory[certify]'"}
    return {"beyond": beyond_quadratics(claim.id)}


def _verify_claim(claim: Claim, settings: Settings, ensemble: Ensemble, alpha: float,
                  progress: Progress | None, extras: _Extras = _Extras()) -> ClaimResult:
    if progress:
        progress.claim_started(claim, 1 + len(claim.points))
    timings: dict[str, float] = {}
    t = time.perf_counter()
    derivation = claim.derive()
    identities = tuple(judge_identity(i) for i in derivation.identities)
    timings["derive_s"] = time.perf_counter() - t
    if progress:
        progress.advance("derivation")

    key = zlib.crc32(claim.id.encode())
    points = []
    t_model = t_mc = 0.0
    for index, point in enumerate(claim.points):
        t = time.perf_counter()
        model = tuple(judge_model(c) for c in claim.model(point))
        t_model += time.perf_counter() - t
        t = time.perf_counter()
        mc: tuple[MonteCarloResult, ...] = ()
        divergence = None
        if claim.simulate is not None and point.monte_carlo:
            try:
                mc = monte_carlo(claim, point, ensemble.with_key(key, index), settings, alpha)
            except DivergenceError as exc:
                divergence = str(exc)
        t_mc += time.perf_counter() - t
        verdicts = [r.verdict for r in model] + [r.verdict for r in mc]
        if divergence:
            verdicts.append(Verdict.REFUTED)
        points.append(PointResult(point, model, mc, Verdict.combine(verdicts), divergence))
        if progress:
            progress.advance(point.label)
    timings["model_s"] = t_model
    timings["monte_carlo_s"] = t_mc
    t = time.perf_counter()
    validity = claim.validity() if claim.validity else None
    timings["validity_s"] = time.perf_counter() - t
    verdict = Verdict.combine([i.verdict for i in identities] + [p.verdict for p in points])
    result = ClaimResult(claim, derivation, identities, tuple(points), validity, verdict, timings)
    if extras.beyond:
        t = time.perf_counter()
        result = replace(result, **_beyond(claim))
        timings["beyond_s"] = time.perf_counter() - t
    if extras.figures:
        from lrtheory.report.figures import render_figures  # matplotlib: only when asked

        t = time.perf_counter()
        drawn = render_figures(result)
        timings["figures_s"] = time.perf_counter() - t
        result = replace(result, figures=drawn)
    return result


def judge_identity(identity: Identity) -> IdentityResult:
    equal = identical(identity.derived, identity.stated)
    ok = equal == identity.expect_equal
    return IdentityResult(identity, equal, Verdict.VERIFIED if ok else Verdict.REFUTED)


def judge_model(check: ModelCheck) -> ModelResult:
    for name, value in (("closed form", check.closed_form), ("model", check.model)):
        if not math.isfinite(value):
            return ModelResult(check, Verdict.REFUTED, f"{check.name}: {name} is not finite")
    if check.bound is not None:
        within = check.rel_error <= check.bound
        return ModelResult(check, Verdict.APPROXIMATE if within else Verdict.REFUTED,
                           f"approximation: relative error {check.rel_error:.3g} "
                           f"{'≤' if within else '>'} its bound {check.bound:.3g} "
                           f"({check.bound_reason})")
    if check.breakdown:
        return ModelResult(check, Verdict.APPROXIMATE,
                           f"breakdown shown: relative error {check.rel_error:.3g} "
                           f"({check.breakdown})")
    if not check.exact:
        return ModelResult(check, Verdict.APPROXIMATE,
                           f"approximation: relative error {check.rel_error:.3g} "
                           "(no bound declared)")
    if check.abs_error <= check.tolerance:
        return ModelResult(check, Verdict.VERIFIED,
                           f"|difference| {check.abs_error:.3g} ≤ {check.tolerance:.3g} "
                           f"({check.tolerance_reason})")
    return ModelResult(check, Verdict.REFUTED,
                       f"|difference| {check.abs_error:.3g} > {check.tolerance:.3g} "
                       f"({check.tolerance_reason})")


def monte_carlo(claim: Claim, point: Point, ensemble: Ensemble, settings: Settings,
                 alpha: float) -> tuple[MonteCarloResult, ...]:
    assert claim.simulate is not None
    power = settings.power_for(alpha)

    def budgets(sample: list[Estimate]) -> list[int]:
        return [stats.required_chains(e.sample, e.prediction, e.resolution_scale,
                                      settings.resolution, alpha, power) for e in sample]

    pilot = _checked(claim, claim.simulate(point, ensemble.with_key(0), settings.pilot_chains))
    needed = budgets(pilot)
    n_main = min(max(needed), settings.max_chains)
    main = _checked(claim, claim.simulate(point, ensemble.with_key(1), n_main))
    # The pilot's bound on the spread assumes normal per-chain data; for a heavy-tailed
    # statistic it can fall short (found by the calibration study: S4's budgets varied by
    # 39 % across seeds where 4.5 % was expected). When the main run, whose spread is
    # precise, says it was too small, a fresh run of the size it asks for replaces it; that
    # run is independent of the data that sized it, so its test keeps its level.
    topped = budgets(main)
    n_more = min(max(topped), settings.max_chains)
    if n_more > n_main:
        main = _checked(claim, claim.simulate(point, ensemble.with_key(2), n_more))
        needed = [max(a, b) for a, b in zip(needed, topped, strict=True)]
    main = [_pooled(p, m) for p, m in zip(pilot, main, strict=True)]
    return tuple(judge_estimate(e, alpha, power, settings, n_req, settings.pilot_chains)
                 for e, n_req in zip(main, needed, strict=True))


def _pooled(pilot: Estimate, main: Estimate) -> Estimate:
    """A proportion's main run counted together with its pilot.

    A proportion's budget does not depend on the pilot's outcome (only on the prediction
    and the resolution), so pilot and main together are one sample of fixed size, and a
    counterexample the pilot found is not thrown away. A mean's or a variance's budget
    does depend on the pilot's spread, so those are tested on the main run alone."""
    a, b = pilot.sample, main.sample
    if a.kind != "proportion" or a.successes is None or b.successes is None:
        return main
    return replace(main, sample=stats.proportion_statistic(a.successes + b.successes, a.n + b.n))


def _checked(claim: Claim, estimates: list[Estimate]) -> list[Estimate]:
    names = tuple(e.name for e in estimates)
    if names != claim.statistics:
        raise RuntimeError(f"{claim.id}: simulate returned {names}, declared {claim.statistics}")
    return estimates


def judge_estimate(est: Estimate, alpha: float, power: float, settings: Settings,
                    n_required: int, n_pilot: int) -> MonteCarloResult:
    sample = est.sample
    test = stats.test_prediction(sample, est.prediction, alpha)
    shift = settings.resolution * est.resolution_scale
    shifted = [est.prediction - shift, est.prediction + shift]
    if sample.kind == "proportion":
        shifted = [p for p in shifted if 0.0 <= p <= 1.0]
    controls = tuple((p, stats.test_prediction(sample, p, alpha)) for p in shifted)
    z_sum = stats.z_critical(alpha) + stats.z_critical(2.0 * (1.0 - power))
    achieved = z_sum * sample.se / est.resolution_scale if est.resolution_scale else math.inf
    if test.rejected:
        verdict, reason = Verdict.REFUTED, f"prediction rejected: |z| = {abs(test.z):.2f}"
    elif not bias_is_negligible(est, alpha):
        verdict = Verdict.INCONCLUSIVE
        reason = (f"deterministic bias bound {est.bias_bound:.3g} is not negligible "
                  f"(standard error {sample.se:.3g}, n = {sample.n}, α = {alpha:.3g})")
    elif not all(o.rejected for _, o in controls):
        verdict = Verdict.INCONCLUSIVE
        reason = (f"not enough power: a {settings.resolution:.1%} error would pass "
                  f"(resolution achieved {achieved:.2%}; {n_required} chains needed)")
    else:
        verdict = Verdict.VERIFIED
        reason = (f"|z| = {abs(test.z):.2f} ≤ {test.threshold:.2f}; "
                  f"negative controls rejected")
    return MonteCarloResult(est, test, controls, alpha, power, n_pilot, n_required,
                            settings.resolution, achieved, verdict, reason)
