"""lrtheory: the theory of the learning rate, derived, modelled and checked.

>>> from lrtheory import registry, verify, Settings
>>> claim = registry.get("S1")
>>> claim.title
'Gradient descent is stable iff 0 < η < 2/λ_max'
"""

from lrtheory import registry
from lrtheory.claim import Claim, Verdict
from lrtheory.verify import Settings, verify

__all__ = ["Claim", "Settings", "Verdict", "registry", "verify"]
__version__ = "0.1.0"
