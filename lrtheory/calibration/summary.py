"""The statistics of a calibration study: rates with exact intervals, and per-check diagnostics.

Over S independent seeds:

* **Family-wise false alarms.** A run raises one when any of its m Monte Carlo checks is
  judged *refuted* (the prediction rejected, or the simulation diverged). Bonferroni bounds
  its probability by α_fw, so the k runs of S that raise one are Binomial(S, ≤ α_fw): the
  observed k/S is reported with its Clopper–Pearson interval and the one-sided p-value
  P(Bin(S, α_fw) ≥ k) of an excess over the nominal rate.
* **Per-check rate.** The S·m check-runs are pooled: rejections against α_fw/m each.
* **Detection.** Each negative control (prediction ± δ·scale) must be rejected; the budget was
  sized for power 1 − β at the design α, so detections are Binomial(N, ≥ 1 − β).
* **Per-check diagnostics** (S values of one check): under H0 the z of a mean or variance
  check is N(0, 1) up to its declared bias b/se, so z̄·√S is N(≤ b̄/se, 1) and
  (S − 1)·s²_z is χ²_{S−1}; its p-values are U(0, 1) (Kolmogorov–Smirnov). For every kind,
  P(p ≤ u) ≤ u holds (exact and conservative tests alike): the count with p ≤ 0.01 is tested
  against Binomial(S, 0.01). A check is flagged when a diagnostic's p-value is below
  :data:`DIAGNOSTIC_ALPHA` over the number of diagnostics (Bonferroni).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from lrtheory.calibration.study import DIVERGENCE, CheckRecord, Design, SeedRecord
from lrtheory.errors import ParameterError, check_int, check_probability
from lrtheory.montecarlo.stats import MIN_CHAINS
from lrtheory.verify import Settings

CONFIDENCE = 0.95
DIAGNOSTIC_ALPHA = 0.01
TAIL = 0.01
#: Per-check false-alarm levels at which the pooled p-values' distribution is read off.
CURVE = (1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.2, 0.5)
HISTOGRAM_BINS = 20
DEFAULT_RESOLUTION = Settings().resolution


def clopper_pearson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval for a binomial rate: [B(a/2; k, n−k+1),
    B(1−a/2; k+1, n−k)] with a = 1 − confidence, B the beta quantile; 0 and 1 at the ends."""
    from scipy.stats import beta

    check_int("n", n, 1)
    check_int("k", k, 0, n)
    a = 1.0 - check_probability("confidence", confidence)
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def excess_p_value(k: int, n: int, rate: float) -> float:
    """P(Bin(n, rate) ≥ k): how surprising k events are if the true rate is ``rate``."""
    from scipy.stats import binom

    check_int("n", n, 1)
    check_int("k", k, 0, n)
    return 1.0 if k == 0 else float(binom.sf(k - 1, n, rate))


def shortfall_p_value(k: int, n: int, rate: float) -> float:
    """P(Bin(n, rate) ≤ k): how surprising only k successes are if the rate is ``rate``."""
    from scipy.stats import binom

    check_int("n", n, 1)
    check_int("k", k, 0, n)
    return float(binom.cdf(k, n, rate))


def rate_summary(k: int, n: int, nominal: float, *, upper: bool = True) -> dict[str, Any]:
    """k of n next to a nominal rate: the rate, its interval, and the p-value of a departure
    in the direction that matters (``upper``: more events than nominal, e.g. false alarms;
    otherwise fewer, e.g. detections below the design power)."""
    lo, hi = clopper_pearson(k, n)
    p = excess_p_value(k, n, nominal) if upper else shortfall_p_value(k, n, nominal)
    return {"count": k, "trials": n, "rate": k / n, "interval": [lo, hi], "nominal": nominal,
            "p_value": p, "consistent": lo <= nominal if upper else hi >= nominal}


def z_diagnostics(z: np.ndarray[Any, Any], bias_z: float) -> dict[str, float]:
    """Mean and spread of one check's z over seeds, with the p-values of H0: z ~ N(0, 1)
    shifted by at most ``bias_z`` (the declared bias bound over the standard error).

    The mean test is two-sided on max(0, |z̄| − bias_z)·√S; the spread test is the two-sided
    χ²_{S−1} test of (S − 1)·s² (a wrong standard error, or correlated chains, shows as s ≠ 1).
    """
    from scipy.stats import chi2, norm

    s = z.size
    check_int("number of seeds", s, 2)
    mean, var = float(z.mean()), float(z.var(ddof=1))
    t = max(0.0, abs(mean) - bias_z) * math.sqrt(s)
    q = (s - 1) * var
    p_var = 2.0 * min(float(chi2.cdf(q, s - 1)), float(chi2.sf(q, s - 1)))
    return {"mean_z": mean, "sd_z": math.sqrt(var), "p_mean": float(2.0 * norm.sf(t)),
            "p_sd": min(1.0, p_var)}


class Table:
    """The records of a study as arrays: seeds × checks (× α values)."""

    def __init__(self, design: Design, seeds: Sequence[SeedRecord]) -> None:
        if not seeds:
            raise ParameterError("seeds", [], "at least one seed record")
        first = seeds[0].checks
        self.keys = [(c.claim, c.point, c.statistic) for c in first]
        for r in seeds:
            if [(c.claim, c.point, c.statistic) for c in r.checks] != self.keys:
                raise ParameterError("seeds", r.seed, "records with the same checks as the rest")
        self.design = design
        self.seeds = [r.seed for r in seeds]
        rows: list[tuple[CheckRecord, ...]] = [r.checks for r in seeds]

        def grid(get: Any) -> np.ndarray[Any, Any]:
            return np.array([[get(c) for c in row] for row in rows])

        def judged(field: str) -> np.ndarray[Any, Any]:
            return np.array([[[getattr(j, field) for j in c.judged] for c in row]
                             for row in rows])

        self.kind = np.array([c.kind for c in first])
        self.diverged = grid(lambda c: c.kind == DIVERGENCE)
        self.z = grid(lambda c: c.z)
        self.p = grid(lambda c: c.p_value)
        self.n = grid(lambda c: c.n)
        self.n_required = grid(lambda c: c.n_required)
        self.bias_z = grid(lambda c: c.bias_bound / c.se if c.se > 0 else 0.0)
        # A z-test whose sample has no spread (se = 0: every chain agrees, e.g. all at the
        # fixed point) decides exactly: z is 0 or infinite, and is no draw from N(0, 1).
        self.degenerate = grid(lambda c: c.se == 0.0 and c.kind in ("mean", "variance"))
        self.verdict = judged("verdict")
        self.rejected = judged("rejected")
        self.controls = judged("controls")
        self.detected = judged("controls_rejected")
        self.bias_ok = judged("bias_negligible")

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.seeds), len(self.keys)


def _label(t: Table, key: tuple[str, int, int]) -> dict[str, Any]:
    claim = next(c for c in t.design.claims if c.id == key[0])
    return {"claim": key[0], "point": claim.points[key[1]].label,
            "statistic": claim.statistics[key[2]]}


def _check_rows(t: Table) -> list[dict[str, Any]]:
    """Per-check diagnostics; each row carries its smallest diagnostic p-value."""
    s, _ = t.shape
    rows = []
    for j, key in enumerate(t.keys):
        p = t.p[:, j]
        ok = ~t.diverged[:, j]
        row: dict[str, Any] = {**_label(t, key), "kind": str(t.kind[j]),
                               "divergences": int((~ok).sum()),
                               "degenerate": int(t.degenerate[:, j].sum()),
                               "mean_n": float(t.n[ok, j].mean()) if ok.any() else 0.0}
        tail = int((p[ok] <= TAIL).sum()) + row["divergences"]
        row["tail_count"] = tail
        row["p_tail"] = excess_p_value(tail, s, TAIL)
        ok &= ~t.degenerate[:, j]
        if t.kind[j] in ("mean", "variance") and ok.sum() > 2:
            from scipy.stats import kstest

            bias = float(t.bias_z[ok, j].mean())
            row.update(z_diagnostics(t.z[ok, j], bias), bias_z=bias)
            row["p_ks"] = float(kstest(p[ok], "uniform").pvalue)
            # What the mean z would be at the default resolution, where n grows as 1/δ².
            grow = (t.design.settings.resolution / DEFAULT_RESOLUTION) ** 2
            n_full = min(t.design.settings.max_chains, row["mean_n"] * grow)
            factor = math.sqrt(n_full / row["mean_n"])
            row["mean_z_default_resolution"] = row["mean_z"] * factor
            row["mean_z_default_resolution_se"] = factor / math.sqrt(int(ok.sum()))
        need = t.n_required[:, j]
        settings = t.design.settings
        if row["kind"] in ("mean", "variance") and ok.all() and need.min() > MIN_CHAINS \
                and need.max() < settings.max_chains:
            # n ∝ the pilot's σ̂²: its spread over seeds against normal theory, √(2/(p − 1)).
            row["budget_cv"] = float(need.std() / need.mean())
            row["budget_range"] = [int(need.min()), int(need.max())]
        d = t.design.alphas.index(t.design.settings.alpha)
        controls, detected = int(t.controls[:, j, d].sum()), int(t.detected[:, j, d].sum())
        row["controls"], row["detected"] = controls, detected
        power = t.design.settings.power_for(t.design.alpha_per_check(t.design.settings.alpha))
        row["p_detection"] = shortfall_p_value(detected, controls, power) if controls else 1.0
        tests = [row[k] for k in ("p_tail", "p_mean", "p_sd", "p_ks") if k in row]
        row["p_min"] = min(tests)
        row["n_diagnostics"] = len(tests)
        rows.append(row)
    total = sum(r["n_diagnostics"] for r in rows)
    for r in rows:
        r["flagged"] = r["p_min"] < DIAGNOSTIC_ALPHA / total or r["divergences"] > 0
        r["under_powered"] = r["p_detection"] < DIAGNOSTIC_ALPHA / len(rows)
    return rows


def _curve(p: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
    if p.size == 0:
        return []
    return [{"u": u, **rate_summary(int((p <= u).sum()), p.size, u)} for u in CURVE]


def _pvalues(t: Table) -> dict[str, Any]:
    from scipy.stats import kstest

    ok = ~t.diverged
    exact = np.isin(t.kind, ("mean", "variance"))[None, :] & ok & ~t.degenerate
    pz = t.p[exact]
    counts, edges = np.histogram(pz, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    ks = kstest(pz, "uniform")
    return {
        "z_tests": int(pz.size),
        "degenerate_z_tests": int(t.degenerate.sum()),
        "histogram": {"edges": edges.tolist(), "counts": counts.tolist()},
        "ks_statistic": float(ks.statistic),
        "ks_p_value": float(ks.pvalue),
        "ks_note": "pooled over checks; checks of one point share chains, so this p-value "
                   "is approximate (the per-check KS tests are exact)",
        "curve_z_tests": _curve(pz),
        "curve_proportions": _curve(t.p[~np.isin(t.kind, ("mean", "variance"))[None, :] & ok]),
    }


def _by_kind(t: Table) -> list[dict[str, Any]]:
    """Per statistic kind: check-runs rejected at the largest α against nominal and, for the
    z-tests, the pooled E[z²], which is 1 under H0 (se √(2/N) for N independent z) and moves
    with any systematic error in the standard errors of that kind."""
    rows = []
    alpha = max(t.design.alphas)
    a = t.design.alphas.index(alpha)
    for kind in sorted(set(t.kind.tolist())):
        cols = t.kind == kind
        refuted = t.verdict[:, cols, a] == "refuted"
        row: dict[str, Any] = {"kind": kind, "checks": int(cols.sum()), "alpha": alpha,
                               **rate_summary(int(refuted.sum()), refuted.size,
                                              t.design.alpha_per_check(alpha))}
        if kind in ("mean", "variance"):
            z = t.z[:, cols][~(t.diverged | t.degenerate)[:, cols]]
            row["mean_z2"] = float(np.mean(z * z))
            row["mean_z2_se"] = math.sqrt(2.0 / z.size)
        rows.append(row)
    return rows


def _per_alpha(t: Table, a: int, alpha: float) -> dict[str, Any]:
    s, m = t.shape
    design = t.design
    per_check = design.alpha_per_check(alpha)
    refuted = t.verdict[:, :, a] == "refuted"
    inconclusive = (t.verdict[:, :, a] == "inconclusive") & ~t.rejected[:, :, a]
    bias = inconclusive & ~t.bias_ok[:, :, a]
    controls = int(t.controls[:, :, a].sum())
    power = design.settings.power_for(per_check)
    return {
        "alpha": alpha,
        "design": alpha == design.settings.alpha,
        "alpha_per_check": per_check,
        "familywise": rate_summary(int(refuted.any(axis=1).sum()), s, alpha),
        "per_check": rate_summary(int(refuted.sum()), s * m, per_check),
        "divergences": int(t.diverged.sum()),
        "inconclusive": {"bias_not_negligible": int(bias.sum()),
                         "not_enough_power": int((inconclusive & ~bias).sum())},
        "detection": {**rate_summary(int(t.detected[:, :, a].sum()), max(1, controls), power,
                                     upper=False),
                      "design_power": power},
    }


def _claim_rows(t: Table, checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    s, _ = t.shape
    ids = list(dict.fromkeys(k[0] for k in t.keys))
    rows = []
    for cid in ids:
        cols = [j for j, k in enumerate(t.keys) if k[0] == cid]
        row: dict[str, Any] = {"id": cid, "checks": len(cols), "alphas": []}
        for a, alpha in enumerate(t.design.alphas):
            refuted = t.verdict[:, cols, a] == "refuted"
            nominal = t.design.alpha_per_check(alpha)
            entry = rate_summary(int(refuted.sum()), s * len(cols), nominal)
            entry["runs_with_false_alarm"] = int(refuted.any(axis=1).sum())
            row["alphas"].append({"alpha": alpha, **entry})
        d = t.design.alphas.index(t.design.settings.alpha)
        power = t.design.settings.power_for(t.design.alpha_per_check(t.design.settings.alpha))
        controls = int(t.controls[:, cols, d].sum())
        row["detection"] = rate_summary(int(t.detected[:, cols, d].sum()), max(1, controls),
                                        power, upper=False)
        row["flagged_checks"] = sum(checks[j]["flagged"] for j in cols)
        row["p_min"] = min(checks[j]["p_min"] for j in cols)
        rows.append(row)
    n_tests = len(rows) * len(t.design.alphas)
    for r in rows:
        r["excess"] = any(e["p_value"] < DIAGNOSTIC_ALPHA / n_tests for e in r["alphas"])
    return rows


def summarize(design: Design, seeds: Sequence[SeedRecord]) -> dict[str, Any]:
    """Everything the study reports, as JSON-ready data (without run metadata)."""
    t = Table(design, seeds)
    s, m = t.shape
    checks = _check_rows(t)
    worst = sorted(range(m), key=lambda j: checks[j]["p_min"])[:10]
    return {
        "n_seeds": s,
        "n_checks": m,
        "seeds": t.seeds,
        "alphas": [_per_alpha(t, a, alpha) for a, alpha in enumerate(design.alphas)],
        "pvalues": _pvalues(t),
        "by_kind": _by_kind(t),
        "claims": _claim_rows(t, checks),
        "checks": checks,
        "flagged": [checks[j] for j in range(m) if checks[j]["flagged"]],
        "under_powered": [checks[j] for j in range(m) if checks[j]["under_powered"]],
        "missed_controls": [checks[j] for j in range(m)
                            if checks[j]["detected"] < checks[j]["controls"]],
        "budget_spread": {
            "normal_theory_cv": math.sqrt(2.0 / (design.settings.pilot_chains - 1)),
            "widest": sorted((c for c in checks if "budget_cv" in c),
                             key=lambda c: -c["budget_cv"])[:8],
        },
        "worst": [checks[j] for j in worst],
        "diagnostic_alpha": DIAGNOSTIC_ALPHA,
        "confidence": CONFIDENCE,
    }


def strict_json(data: Any) -> Any:
    """A copy with non-finite floats written as strings (JSON has no inf/NaN) and NumPy
    scalars as Python numbers."""
    if isinstance(data, dict):
        return {k: strict_json(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [strict_json(v) for v in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    return data
