"""Beyond quadratics: tight worst cases of the library's update rules over function classes.

Every rate and stability bound in the catalog is derived on quadratics. This package asks
whether it survives on the class a practitioner assumes — L-smooth convex, L-smooth
μ-strongly convex, convex G-Lipschitz — by performance estimation (PEPit, an optional extra:
``pip install lrtheory[certify]``): the worst case of n steps of the rule over the whole
class, computed as a small SDP whose value is tight.

* :func:`certify` / :func:`certify_over` — one certificate, or several n and a fitted rate;
* rules (:class:`GradientDescent`, :class:`SubgradientMethod`, :class:`HeavyBall`,
  :class:`Nesterov`, :func:`rule_for`) run the :mod:`lrtheory.optimizers` functions;
* classes (:class:`SmoothConvex`, :class:`SmoothStronglyConvex`, :class:`ConvexLipschitz`);
* :func:`beyond_quadratics` — the result for a claim (S1, M2, M3, M5, M9, D10), with
  :func:`beyond_figure`; :func:`heavy_ball_cycle` — the Lessard–Recht–Packard 3-cycle.

Importing this package does not import PEPit; the first certificate does.
"""

from lrtheory.certify.catalog import BEYOND_CLAIMS, beyond_quadratics
from lrtheory.certify.classes import (
    ConvexLipschitz,
    FunctionClass,
    Measure,
    SmoothConvex,
    SmoothStronglyConvex,
)
from lrtheory.certify.cycle import CycleResult, heavy_ball_cycle, lrp_gradient
from lrtheory.certify.figures import beyond_figure, cycle_figure
from lrtheory.certify.pep import (
    Certificate,
    RateFit,
    WorstCaseCurve,
    certify,
    certify_over,
    fit_rate,
)
from lrtheory.certify.rules import (
    GradientDescent,
    HeavyBall,
    Nesterov,
    Rule,
    SubgradientMethod,
    rule_for,
)
from lrtheory.certify.solver import SolverReport
from lrtheory.certify.verdicts import BeyondQuadratics, Label, Series

__all__ = [
    "BEYOND_CLAIMS",
    "BeyondQuadratics",
    "Certificate",
    "ConvexLipschitz",
    "CycleResult",
    "FunctionClass",
    "GradientDescent",
    "HeavyBall",
    "Label",
    "Measure",
    "Nesterov",
    "RateFit",
    "Rule",
    "Series",
    "SmoothConvex",
    "SmoothStronglyConvex",
    "SolverReport",
    "SubgradientMethod",
    "WorstCaseCurve",
    "beyond_figure",
    "beyond_quadratics",
    "certify",
    "certify_over",
    "cycle_figure",
    "fit_rate",
    "heavy_ball_cycle",
    "lrp_gradient",
    "rule_for",
]
