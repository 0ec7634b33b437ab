"""The statistics that decide whether a Monte Carlo estimate agrees with a prediction.

* A mean or a variance is tested with a two-sided z-test, z = (estimate − prediction) / se,
  rejected when |z| > z_{α/2}. The central limit theorem makes this exact as n grows; the
  engine never tests with fewer than :data:`MIN_CHAINS` independent chains.
* A proportion is tested with the exact two-sided binomial test and reported with its
  Wilson interval, so that p = 0 or p = 1 predictions are handled exactly.
* α is the *per-check* rate: the run's family-wise rate α_fw is split over its m checks by
  Bonferroni, α = α_fw / m, which bounds P(any false alarm) by α_fw for any dependence.
* Budgets: a pilot run estimates the per-chain standard deviation σ̂ (taken at its upper
  99.9 % confidence bound); the main run uses n = ⌈((z_{α/2} + z_{power}) σ / (δ·scale))²⌉
  chains, so that a prediction off by the resolution δ is rejected with the stated power.
  By default power = 1 − α, which makes a missed negative control as rare as a false alarm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import chdtri, ndtr, ndtri

from lrtheory.errors import check_int, check_positive, check_probability, check_real

MIN_CHAINS = 1000
StatisticKind = Literal["mean", "variance", "proportion"]


@dataclass(frozen=True)
class SampleStatistic:
    """An estimate from independent replicates: its kind, value, standard error and size.

    For a proportion, ``successes`` is the count and ``se`` the plug-in √(p̂(1−p̂)/n).
    """

    kind: StatisticKind
    value: float
    se: float
    n: int
    successes: int | None = None

    @property
    def sd_per_chain(self) -> float:
        """The per-replicate spread implied by the standard error: se·√n."""
        return self.se * math.sqrt(self.n)


def mean_statistic(value: float, se: float, n: int) -> SampleStatistic:
    return SampleStatistic("mean", float(value), float(se), int(n))


def variance_statistic(value: float, se: float, n: int) -> SampleStatistic:
    return SampleStatistic("variance", float(value), float(se), int(n))


def proportion_statistic(successes: int, n: int) -> SampleStatistic:
    check_int("n", n, 1)
    check_int("successes", successes, 0, n)
    p = successes / n
    return SampleStatistic("proportion", p, math.sqrt(p * (1.0 - p) / n), n, successes)


@dataclass(frozen=True)
class TestOutcome:
    """The outcome of one test: statistic (z, or the p-value's normal equivalent), p-value,
    threshold on |z|, whether the prediction was rejected, and a (1 − α) interval."""

    z: float
    p_value: float
    threshold: float
    rejected: bool
    interval: tuple[float, float]


def bonferroni(alpha_familywise: float, m: int) -> float:
    """Per-check false-alarm rate α_fw / m for a run of m checks."""
    check_probability("alpha", alpha_familywise)
    check_int("number of checks", m, 1)
    return alpha_familywise / m


def z_critical(alpha: float) -> float:
    """Two-sided critical value z_{α/2}."""
    check_probability("alpha", alpha)
    return float(-ndtri(alpha / 2.0))


def z_test(estimate: float, se: float, prediction: float, alpha: float) -> TestOutcome:
    """Two-sided z-test of ``estimate`` (standard error ``se``) against ``prediction``."""
    check_real("prediction", prediction)
    check_real("estimate", estimate)
    se = check_real("se", se, 0.0, lo_open=False)
    zc = z_critical(alpha)
    if se == 0.0:
        # A degenerate sample: equal means agreement, anything else is a certain rejection.
        z = 0.0 if estimate == prediction else math.copysign(math.inf, estimate - prediction)
    else:
        z = (estimate - prediction) / se
    p = float(2.0 * ndtr(-abs(z)))
    return TestOutcome(z, p, zc, abs(z) > zc, (estimate - zc * se, estimate + zc * se))


def wilson_interval(successes: int, n: int, alpha: float) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion at level 1 − α."""
    check_int("n", n, 1)
    check_int("successes", successes, 0, n)
    z = z_critical(alpha)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def binomial_test(successes: int, n: int, p0: float, alpha: float) -> TestOutcome:
    """Exact two-sided binomial test of H0: p = p0 (SciPy's ``binomtest``)."""
    from scipy import stats as st  # deferred: scipy.stats takes seconds to import

    p0 = check_real("p0", p0, 0.0, 1.0, lo_open=False, hi_open=False)
    res = st.binomtest(successes, n, p0, alternative="two-sided")
    p = float(res.pvalue)
    z = float(-ndtri(p / 2.0)) if p > 0 else math.inf
    z = math.copysign(z, successes / n - p0)
    return TestOutcome(z, p, z_critical(alpha), p < alpha, wilson_interval(successes, n, alpha))


def test_prediction(sample: SampleStatistic, prediction: float, alpha: float) -> TestOutcome:
    """The test appropriate to the statistic's kind."""
    if sample.kind == "proportion":
        assert sample.successes is not None
        return binomial_test(sample.successes, sample.n, prediction, alpha)
    return z_test(sample.value, sample.se, prediction, alpha)


def sd_upper_bound(sd: float, n: int, confidence: float = 0.999) -> float:
    """Upper confidence bound on a standard deviation estimated from n replicates (χ²)."""
    check_int("n", n, 2)
    # chdtri(k, q) is the χ²_k quantile with upper-tail probability q.
    return sd * math.sqrt((n - 1) / float(chdtri(n - 1, confidence)))


def chains_for_power(sd: float, shift: float, alpha: float, power: float) -> int:
    """Smallest n with which a z-test at level α rejects a prediction off by ``shift``
    with probability ``power``, per-replicate spread ``sd``: ⌈((z_{α/2} + z_power)·sd/shift)²⌉."""
    check_real("sd", sd, 0.0, lo_open=False)
    check_positive("shift", shift)
    check_probability("power", power)
    z = z_critical(alpha) + float(ndtri(power))
    return max(MIN_CHAINS, math.ceil((z * sd / shift) ** 2))


def binomial_acceptance(n: int, p0: float, alpha: float) -> tuple[int, int]:
    """The counts k whose exact two-sided p-value is ≥ α, as an interval [lo, hi].

    SciPy's two-sided ``binomtest`` sums the probabilities of every outcome no more likely
    than the one observed (within a relative 1e-7). Only counts inside the central window
    holding all but ε = 10⁻¹²·α of the mass can be accepted; their probabilities are sorted
    and summed cumulatively (each p-value one look-up, O(w log w) for a window of w counts)
    and the mass outside the window, ≤ ε, is added whole. That can move a p-value by at most
    ε, so the region differs from ``binomtest``'s only for a p-value within 10⁻¹²·α of α.
    For a unimodal pmf the accepted counts form an interval around the mode.
    """
    from scipy import stats as st  # deferred: scipy.stats takes seconds to import

    check_int("n", n, 1)
    p0 = check_real("p0", p0, 0.0, 1.0, lo_open=False, hi_open=False)
    eps = 1e-12 * alpha
    mean, sd = n * p0, math.sqrt(n * p0 * (1.0 - p0))
    width = 8.0 * sd + 30.0
    while True:  # widen until the mass outside the window is below ε
        first, last = max(0, math.floor(mean - width)), min(n, math.ceil(mean + width))
        outside = float(st.binom.cdf(first - 1, n, p0) + st.binom.sf(last, n, p0))
        if outside <= eps:
            break
        width *= 2.0
    ks = np.arange(first, last + 1)
    pmf = st.binom.pmf(ks, n, p0)
    order = np.sort(pmf)
    cumulative = np.cumsum(order) + outside
    idx = np.searchsorted(order, pmf * (1.0 + 1e-7), side="right") - 1
    p_values = np.minimum(1.0, cumulative[idx])
    accepted = np.flatnonzero(p_values >= alpha)
    return first + int(accepted[0]), first + int(accepted[-1])


def trials_for_power_binomial(p0: float, shift: float, alpha: float, power: float) -> int:
    """Smallest n (to 1 %) with which the exact binomial test of p0 rejects *each* shifted
    prediction p0 ± shift that lies in [0, 1] with probability ``power`` (the engine tests
    both as negative controls; for p0 < ½ the upper one is the harder to reject).

    The normal approximation n̂ = ((z_{α/2}√(p₀q₀) + z_power√(p₁q₁))/shift)², p₁ the
    harder side, brackets the search (it is rough near p0 ∈ {0, 1}, so the bracket is
    widened until it holds), then bisection on n."""
    from scipy import stats as st

    p0 = check_real("p0", p0, 0.0, 1.0, lo_open=False, hi_open=False)
    check_positive("shift", shift)
    sides = [p for p in (p0 - shift, p0 + shift) if 0.0 <= p <= 1.0]
    if not sides:
        raise ValueError(f"shift {shift} moves p0={p0} outside [0, 1] on both sides")

    def achieved(n: int) -> float:
        lo, hi = binomial_acceptance(n, p0, alpha)
        return min(1.0 - float(st.binom.cdf(hi, n, p) - st.binom.cdf(lo - 1, n, p))
                   for p in sides)

    p1 = max(sides, key=lambda p: p * (1.0 - p))
    guess = ((z_critical(alpha) * math.sqrt(p0 * (1 - p0))
              + float(ndtri(power)) * math.sqrt(p1 * (1 - p1))) / shift) ** 2
    hi = max(MIN_CHAINS, math.ceil(guess))
    while achieved(hi) < power:
        hi *= 2
        if hi > 10**9:
            raise ValueError("no feasible binomial budget below 1e9 trials")
    lo = hi // 2
    while lo > 1 and achieved(lo) >= power:
        lo, hi = lo // 2, lo
    while hi - lo > max(1, hi // 100):
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if achieved(mid) >= power else (mid, hi)
    return max(MIN_CHAINS, hi)


def required_chains(pilot: SampleStatistic, prediction: float, scale: float,
                    resolution: float, alpha: float, power: float) -> int:
    """Budget for the main run from a pilot, so the negative control (prediction shifted by
    ``resolution·scale``) is rejected with probability ``power``."""
    shift = resolution * scale
    if pilot.kind == "proportion":
        return trials_for_power_binomial(prediction, shift, alpha, power)
    sd = sd_upper_bound(pilot.sd_per_chain, pilot.n)
    return chains_for_power(sd, shift, alpha, power)
