"""Normal and Student t probabilities and quantiles for scalar statistics.

Why not ``scipy.stats.norm`` / ``scipy.stats.t``: their argument checking costs 0.1-0.6 ms per
call (building a frozen ``t(df)`` costs more than evaluating it), which came to about a quarter
of a 100-epoch diagnosis. They evaluate the same ``scipy.special`` functions used here
(``ndtr``, ``ndtri``, ``stdtr``, ``stdtrit``), which cost about a microsecond, so the numbers are
identical (the tests check that against ``scipy.stats``). Upper tails are computed as lower tails
of the negated statistic, so small p-values keep their precision far below 1e-16.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import special


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return float(special.ndtr(-z))


def normal_cdf(z: float) -> float:
    """P(Z <= z) for a standard normal Z."""
    return float(special.ndtr(z))


def normal_ppf(p: float) -> float:
    """The standard normal quantile of ``p``."""
    return float(special.ndtri(p))


@dataclass(frozen=True)
class StudentT:
    """Student's t with ``df`` degrees of freedom (any real ``df > 0``; ``inf`` is the normal),
    with the methods of a frozen ``scipy.stats.t(df)`` that the tests here use."""

    df: float

    def sf(self, x: float) -> float:
        return float(special.stdtr(self.df, -x))

    def cdf(self, x: float) -> float:
        return float(special.stdtr(self.df, x))

    def ppf(self, p: float) -> float:
        return float(special.stdtrit(self.df, p))
