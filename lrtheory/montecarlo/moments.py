"""Mergeable central moments (up to the fourth), column by column.

Chunks of chains are reduced to :class:`Moments` and merged with the pairwise update of
Chan, Golub & LeVeque (1979) extended to third and fourth moments by Pébay (2008): for two
parts a, b with n = n_a + n_b and δ = mean_b − mean_a,

    mean = mean_a + δ n_b / n
    M2   = M2_a + M2_b + δ² n_a n_b / n
    M3   = M3_a + M3_b + δ³ n_a n_b (n_a − n_b) / n² + 3δ (n_a M2_b − n_b M2_a) / n
    M4   = M4_a + M4_b + δ⁴ n_a n_b (n_a² − n_a n_b + n_b²) / n³
           + 6δ² (n_a² M2_b + n_b² M2_a) / n² + 4δ (n_a M3_b − n_b M3_a) / n

where M_k = Σ (x − mean)^k. Merging in a fixed order makes the result independent of how
many threads produced the parts; the chunk size changes only the floating-point summation
order.

A chunk's moments are computed in the chunk's own array namespace (NumPy, CuPy, any array
API library), so only the 5·k numbers of the result leave the device, never the n·k sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrtheory.arrays import astype, namespace, to_numpy

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Moments:
    """Count, mean and central sums M2, M3, M4 of each column of a sample."""

    n: int
    mean: FloatArray
    m2: FloatArray
    m3: FloatArray
    m4: FloatArray

    @staticmethod
    def empty() -> Moments:
        """No data (n = 0): the identity of :meth:`merge`."""
        return Moments(0, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))

    @staticmethod
    def of(sample: Any) -> Moments:
        """Moments of an (n, k) sample (a 1-D sample is one column). Computed in float64, in
        the sample's namespace (array API only: ``xp.mean``, ``xp.sum``, ``astype``)."""
        xp = namespace(sample)
        x = xp.asarray(sample)
        if x.dtype != xp.float64:
            x = astype(xp, x, xp.float64)
        if x.ndim == 1:
            x = xp.reshape(x, (x.shape[0], 1))
        n = int(x.shape[0])
        mean = xp.mean(x, axis=0)
        d = x - mean
        d2 = d * d
        parts = (mean, xp.sum(d2, axis=0), xp.sum(d2 * d, axis=0), xp.sum(d2 * d2, axis=0))
        host = [np.asarray(to_numpy(a), dtype=np.float64) for a in parts]
        return Moments(n, *host)

    def merge(self, other: Moments) -> Moments:
        """Pébay's pairwise update (module docstring)."""
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        na, nb = float(self.n), float(other.n)
        n = na + nb
        delta = other.mean - self.mean
        mean = self.mean + delta * nb / n
        m2 = self.m2 + other.m2 + delta**2 * na * nb / n
        m3 = (self.m3 + other.m3 + delta**3 * na * nb * (na - nb) / n**2
              + 3.0 * delta * (na * other.m2 - nb * self.m2) / n)
        m4 = (self.m4 + other.m4 + delta**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
              + 6.0 * delta**2 * (na * na * other.m2 + nb * nb * self.m2) / n**2
              + 4.0 * delta * (na * other.m3 - nb * self.m3) / n)
        return Moments(self.n + other.n, mean, m2, m3, m4)

    @property
    def variance(self) -> FloatArray:
        """Unbiased sample variance s² = M2 / (n − 1)."""
        return self.m2 / (self.n - 1)

    @property
    def stderr_mean(self) -> FloatArray:
        """Standard error of the mean, s / √n."""
        return np.sqrt(self.variance / self.n)

    @property
    def stderr_variance(self) -> FloatArray:
        """Standard error of s², from Var(s²) = μ₄/n − σ⁴ (n − 3) / (n (n − 1)).

        μ₄ is estimated by M4/n and σ² by s². This is the distribution-free form (for a
        normal sample it reduces to σ² √(2/(n − 1))); heavy tails enlarge it through μ₄,
        which a formula assuming normality would miss.
        """
        n = float(self.n)
        mu4 = self.m4 / n
        s2 = self.variance
        var = mu4 / n - s2 * s2 * (n - 3.0) / (n * (n - 1.0))
        return np.sqrt(np.maximum(var, 0.0))
