"""Compare training runs: which is better, and how they differ, with statistics.

``analyzer.compare(runs)`` (this package is callable, so ``analyzer.compare`` is the function
whether or not the package has been imported) returns a :class:`Comparison`; see
:mod:`analyzer.compare.api` for the two phases a distributed map can split.
"""

from __future__ import annotations

import sys
import types

from analyzer.compare.api import (
    DEFAULT_MARGIN,
    Profile,
    RunSpec,
    compare,
    compare_profiles,
    profile_run,
    profile_runs,
    resolve_runs,
    with_unique_names,
)
from analyzer.compare.codec import comparison_from_dict, comparison_to_dict
from analyzer.compare.model import (
    Alignment,
    Comparison,
    Criterion,
    Difference,
    Estimate,
    Measures,
    Outcome,
    RunResult,
    Verdict,
)


class _CallableModule(types.ModuleType):
    """Importing ``analyzer.compare`` binds the package to that name on ``analyzer``; calling
    it calls :func:`compare`, so ``analyzer.compare(runs)`` works either way."""

    def __call__(self, runs, **options):
        return compare(runs, **options)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "DEFAULT_MARGIN",
    "Alignment",
    "Comparison",
    "Criterion",
    "Difference",
    "Estimate",
    "Measures",
    "Outcome",
    "Profile",
    "RunResult",
    "RunSpec",
    "Verdict",
    "compare",
    "compare_profiles",
    "comparison_from_dict",
    "comparison_to_dict",
    "profile_run",
    "profile_runs",
    "resolve_runs",
    "with_unique_names",
]
