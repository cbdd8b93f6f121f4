"""Order statistics of one-dimensional float arrays: :func:`median` (``numpy.median``) and
:func:`average_ranks` (``scipy.stats.rankdata``), as the same floats, for the hot paths.

Why not call numpy and scipy: ``np.median`` spends 10-20 us per call in its generic machinery
(axis handling, the ``mean`` wrapper, the NaN check through ``take``) and ``rankdata`` about as
much in argument handling and a stable sort, while the work on the ~100 points of an
epoch-level curve is a microsecond; a diagnosis calls them dozens of times. The functions here
do what those do for a 1-D array and nothing else; the tests compare them bit for bit.
"""

from __future__ import annotations

import numpy as np


def median(a: np.ndarray) -> float:
    """``float(np.median(a))`` for a 1-D float64 array ``a`` (NaN if it holds a NaN): the same
    ``partition`` call and the same sum of the middle one or two values, signed zeros included."""
    n = a.size
    if n == 0:
        return float(np.median(a))  # NaN with numpy's "mean of empty slice" warning
    half = n // 2
    low = half - 1 if n % 2 == 0 else half
    part = a.copy()
    # numpy's own kth (the -1 brings a NaN, which sorts last, to the end for the check)
    part.partition([low, half, -1] if low != half else [half, -1])
    if np.isnan(part[-1]):
        return float(part[-1])
    # ``sum() / count``, as np.median's mean computes it (``add.reduce`` turns -0.0 into 0.0)
    return float(part[low : half + 1].sum() / (half + 1 - low))


def average_ranks(z: np.ndarray) -> np.ndarray:
    """1-based ranks of a non-empty float array without NaN, ties given their mean rank:
    ``scipy.stats.rankdata(z)``, from one quicksort where rankdata uses a stable sort (about
    0.5x its time at n = 1e6)."""
    n = z.size
    order = np.argsort(z)
    ordered = z[order]
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    ranks = np.empty(n)
    if starts.all():  # no ties: the ranks are the positions in sorted order
        ranks[order] = np.arange(1.0, n + 1.0)
        return ranks
    first = np.flatnonzero(starts)
    sizes = np.empty_like(first)  # of the groups [first, next first): np.diff(first, append=n)
    np.subtract(first[1:], first[:-1], out=sizes[:-1])
    sizes[-1] = n - first[-1]
    mean_rank = first + 0.5 * (sizes + 1)
    ranks[order] = mean_rank[np.cumsum(starts) - 1]
    return ranks
