"""Growing the batch instead of decaying the rate, on the noisy quadratic model.

A run processes N_e examples at rate η and batch B, then switches (at "epoch e") to one
of the phase-2 settings below and processes N₂ more examples. With k the switch factor:

    ====================  ===========  ========  =======================================
    arm                   rate         batch     noise scale g = η/B (per-example rate)
    ====================  ===========  ========  =======================================
    ``decay``             η/k          B         η/(kB)
    ``growth``            η            kB        η/(kB)   (k× fewer steps than decay)
    ``adapted``           kη           kB        η/B      (η adapted to keep g; k× fewer)
    ``constant``          η            B         η/B
    ====================  ===========  ========  =======================================

* :func:`switch_moments` is E[θ_i²] per direction at the switch (the exact recursion of
  :mod:`lrtheory.models.nqm`), the common start of every arm;
* :func:`phase_two` runs each arm from there with
  :func:`lrtheory.models.batch_scaling.loss_vs_examples` (exact recursion, batch c_i/B₂),
  returning one :class:`~lrtheory.models.batch_scaling.ExamplesCurve` per arm with N
  counted from the switch, so :func:`~lrtheory.models.batch_scaling.relative_gap` compares
  two arms at the examples they share;
* :func:`coupled_arms` is the Monte Carlo kernel: every arm of a chain sees the *same
  examples* — a stream of unit batches of B examples, Gaussian noise of variance c_i/B each,
  an arm with batch mB stepping on the mean of m consecutive units — so differences
  between arms are measured on common random numbers, as training on one data stream.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    finite_result,
    float_array,
)
from lrtheory.models import batch_scaling as bs
from lrtheory.models import nqm
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]

#: The phase-2 settings as exponents (a, b) of the switch factor k: rate ηkᵃ, batch Bkᵇ.
ARMS: dict[str, tuple[int, int]] = {"decay": (-1, 0), "growth": (0, 1), "adapted": (1, 1),
                                    "constant": (0, 0)}


@dataclass(frozen=True)
class Phase:
    """``units`` unit batches processed at ``rate`` with a batch of ``batch`` units."""

    rate: float
    batch: int
    units: int


def arm_setting(name: str, rate: float, batch: int, k: int) -> tuple[float, int]:
    """(η₂, B₂) of a phase-2 arm (:data:`ARMS`) after (η, B) with switch factor k."""
    if name not in ARMS:
        raise ParameterError("name", name, f"one of {', '.join(ARMS)}")
    a, b = ARMS[name]
    k = check_int("k", k, 1, MAX_SIZE)
    return (check_positive("rate", rate) * float(k) ** a,
            check_int("batch", batch, 1, MAX_STEPS) * k**b)


@finite_result
def switch_moments(curvatures: Any, per_example_var: Any, rate: float, batch: int,
                   examples: int, m0: Any = 1.0) -> FloatArray:
    """E[θ_i²] after N_e = ``examples`` examples at (η, B): ⌊N_e/B⌋ steps of the exact
    recursion (:func:`nqm.sgd_second_moments`, noise c_i/B) from E[θ₀²] = m₀."""
    batch = check_int("batch", batch, 1, MAX_STEPS)
    steps = check_int("examples", examples, batch, MAX_STEPS) // batch
    c = bs.per_example_variances(per_example_var, curvatures)
    path = nqm.sgd_second_moments(curvatures, c / batch,
                                  np.full(steps, check_positive("rate", rate)), m0)
    out: FloatArray = path[-1]
    return out


def phase_two(curvatures: Any, per_example_var: Any, rate: float, batch: int, k: int,
              examples: int, start: Any, arms: Sequence[str] = tuple(ARMS)
              ) -> dict[str, bs.ExamplesCurve]:
    """Each arm's E[L] against the examples N = 0 … ``examples`` processed after the
    switch, from the per-direction moments ``start`` (:func:`switch_moments`), by
    :func:`bs.loss_vs_examples` (a diverging arm gives an infinite or NaN curve)."""
    k = check_int("k", k, 1, MAX_SIZE)
    examples = check_int("examples", examples, 0, MAX_STEPS)
    bs.per_example_variances(per_example_var, curvatures)
    m0 = float_array("start", start)
    if m0.ndim > 1 or m0.size not in (1, np.size(curvatures)) or np.any(~np.isfinite(m0)) \
            or np.any(m0 < 0):
        raise ParameterError("start", start, "finite second moments ≥ 0, one per entry of "
                             "curvatures")
    out = {}
    for name in arms:
        eta2, batch2 = arm_setting(name, rate, batch, k)
        if examples % batch2:
            raise ParameterError("examples", examples, f"a multiple of the batch {batch2}")
        out[name] = bs.loss_vs_examples(curvatures, per_example_var, eta2, batch2, examples,
                                        m0=start)
    return out


def coupled_arms(curvatures: Any, per_example_var: Any, unit_batch: int,
                 arms: Mapping[str, Sequence[Phase]], record: Sequence[int],
                 x0: float = 1.0) -> Kernel:
    """Monte Carlo kernel of several piecewise-constant (η, B) runs on one example stream.

    Each chain draws, per unit batch u = 0, 1, …, one noise vector ξ_u ~ N(0, c_i/B_unit);
    an arm in a phase with a batch of m units takes the step θ ← θ − η(λ⊙θ + ξ̄) with ξ̄ the
    mean of its next m units (variance c_i/(mB_unit): the minibatch of those examples).
    Every arm starts from θ₀ = x0 in every direction and must process the same number of
    units. Returns the loss ½Σλ_iθ_i² of every arm (in the order given) at each unit count
    in ``record``, arm-major: column a·len(record) + j. A recorded count must fall on a step
    boundary of every arm."""
    lam = float_array("curvatures", curvatures)
    c = np.broadcast_to(float_array("per_example_var", per_example_var), lam.shape)
    if lam.ndim != 1 or not np.all(lam > 0) or not np.all(np.isfinite(c) & (c >= 0)):
        raise ParameterError("curvatures/per_example_var", (curvatures, per_example_var),
                             "1-D, λ_i > 0 and c_i ≥ 0 finite")
    unit = check_int("unit_batch", unit_batch, 1)
    plans = {name: [(check_positive("rate", ph.rate), check_int("batch", ph.batch, 1),
                     check_int("units", ph.units, 1)) for ph in phases]
             for name, phases in arms.items()}
    totals = {sum(u for _, _, u in plan) for plan in plans.values()}
    if len(totals) != 1 or not plans:
        raise ParameterError("arms", {n: sum(u for *_, u in p) for n, p in plans.items()},
                             "at least one arm, all processing the same number of units")
    (total,) = totals
    steps = [check_int(f"record[{i}]", r, 0, total) for i, r in enumerate(record)]
    # Per arm and unit: the rate of the step that unit completes (0: no step there).
    schedule = np.zeros((len(plans), total))
    for a, plan in enumerate(plans.values()):
        u0 = 0
        for rate, m, units in plan:
            if units % m:
                raise ParameterError("units", units, f"a multiple of the phase's batch {m}")
            schedule[a, u0 + m - 1:u0 + units:m] = rate
            u0 += units
        for r in steps:
            if r and schedule[a, r - 1] == 0.0:
                raise ParameterError("record", r, f"step boundaries of arm {a}")
    sizes = np.zeros((len(plans), total), dtype=np.int64)  # units averaged in that step
    for a, plan in enumerate(plans.values()):
        sizes[a, np.nonzero(schedule[a])[0]] = [m for _, m, u in plan for _ in range(u // m)]
    sd = np.sqrt(c / unit)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        curv, scale = xp.asarray(lam, dtype=rng.dtype), xp.asarray(sd, dtype=rng.dtype)
        theta = xp.full((len(plans), rng.n, lam.size), x0, dtype=rng.dtype)
        acc = xp.zeros_like(theta)
        out = xp.empty((rng.n, len(plans) * len(steps)), dtype=rng.dtype)

        def keep(u: int) -> None:
            for j, r in enumerate(steps):
                if r == u:
                    for a in range(len(plans)):
                        out[:, a * len(steps) + j] = 0.5 * xp.sum(curv * theta[a, ...] ** 2,
                                                                axis=1)

        keep(0)
        for u in range(total):
            acc += scale * rng.normal(lam.size)  # the same unit for every arm
            for a in range(len(plans)):
                eta = float(schedule[a, u])
                if eta:
                    theta[a, ...] -= eta * (curv * theta[a, ...] + acc[a, ...] / int(sizes[a, u]))
                    acc[a, ...] = 0.0
            keep(u + 1)
        return out

    return kernel
