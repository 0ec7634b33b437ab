"""Learning-rate schedules as pure functions, in the style of optax.

A schedule is a factory: it checks its parameters once and returns a plain callable
``eta(t)`` of the step (or continuous time) ``t``. The same callable serves the simulation
and the algebra:

* **numbers and arrays** (Python scalars, NumPy arrays, CuPy arrays through NumPy's
  dispatch): evaluated element-wise with NumPy functions; ``t`` is held on the schedule's
  horizon ``[0, total]`` as optax does, so a decayed schedule stays at its final value
  (schedules without a horizon — step and exponential decay, warm restarts — are held at
  their value at t = 0 for t < 0);
* **SymPy expressions** (``t`` a symbol, or any parameter symbolic): the formula itself,
  built with SymPy functions, valid on ``[0, total]`` (on t ≥ 0 without a horizon) —
  ready for ``sympy.integrate`` of ∫η and ∫η² (:func:`integrals`, which also cuts a
  schedule with jumps at its jumps) or for ``dsolve``.

A new schedule is one more factory here: validate the parameters with :func:`_parameter`,
and return a closure that builds the SymPy formula (numbers entered as exact rationals with
:func:`_exact`) when anything is symbolic, and evaluates with the arrays' module
(:func:`lrtheory.arrays.namespace`) otherwise.
"""


from lrtheory.schedules._base import Parameter, Schedule
from lrtheory.schedules.cyclic import exp_range, triangular, triangular2, warm_restarts
from lrtheory.schedules.decay import (
    constant,
    cosine,
    exponential_decay,
    linear_decay,
    linear_warmup,
    polynomial_decay,
    step_decay,
)
from lrtheory.schedules.integrals import integrals
from lrtheory.schedules.plateau import PlateauSchedule, PlateauState, reduce_on_plateau

__all__ = [
    "Parameter",
    "PlateauSchedule",
    "PlateauState",
    "Schedule",
    "constant",
    "cosine",
    "exp_range",
    "exponential_decay",
    "integrals",
    "linear_decay",
    "linear_warmup",
    "polynomial_decay",
    "reduce_on_plateau",
    "step_decay",
    "triangular",
    "triangular2",
    "warm_restarts",
]
