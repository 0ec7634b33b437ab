"""Calibration study: does the engine cry wolf as often as it says, and catch what it should?

Every claim's Monte Carlo checks are run under many seeds exactly as ``verify`` runs them
(:mod:`lrtheory.calibration.study`); the observed family-wise false-alarm rate, the pooled
per-check rate and the detection rate of the negative controls are set against their
nominal values with exact intervals, and each check's z-values and p-values are tested for
the distribution they must have under H0 (:mod:`lrtheory.calibration.summary`).
``lrtheory calibrate`` (:func:`main`) runs it and writes ``reports/calibration.json``.
"""

from __future__ import annotations

from lrtheory.calibration.cli import figure, load, main
from lrtheory.calibration.study import (
           CheckRecord,
           Design,
           Judgement,
           SeedRecord,
           run_seed,
           run_study,
)
from lrtheory.calibration.summary import clopper_pearson, rate_summary, summarize

__all__ = ["CheckRecord", "Design", "Judgement", "SeedRecord", "clopper_pearson", "figure",
           "load", "main", "rate_summary", "run_seed", "run_study", "summarize"]
