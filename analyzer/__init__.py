"""loss-analyzer: diagnose neural-network training runs from their loss logs.

>>> import analyzer
>>> diagnosis = analyzer.analyze("history.csv", hints={"loss": "binary_crossentropy"})
>>> diagnosis.verdict, diagnosis.primary.summary
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analyzer.errors import AnalyzerError, InputError

__version__ = "0.1.0"


def analyze(
    source: Any,
    *,
    hints: Any = None,
    settings: Any = None,
    **load_options: Any,
):
    """Diagnose a training run.

    ``source`` is anything :func:`analyzer.ingest.load` takes (a path, several paths, a
    directory, bytes) or a :class:`~analyzer.model.TrainingLog`; ``load_options`` (``format``,
    ``filename``, ``names``, ``limits``) go to ``load``. ``hints`` is a
    :class:`~analyzer.model.hints.Hints` or a mapping of its fields; ``settings`` a
    :class:`~analyzer.settings.Settings` or a mapping of thresholds. Returns a
    :class:`~analyzer.model.findings.Diagnosis`.
    """
    from analyzer.engine import diagnose
    from analyzer.ingest import load
    from analyzer.model import TrainingLog
    from analyzer.model.hints import Hints
    from analyzer.settings import Settings

    log = source if isinstance(source, TrainingLog) else load(source, **load_options)
    if isinstance(hints, Mapping):
        hints = Hints(**hints)
    if isinstance(settings, Mapping):
        settings = Settings(**settings)
    return diagnose(log, hints=hints, settings=settings)


def compare(runs: Any, *, metric: str | None = None, hints: Any = None, **options: Any):
    """Compare two or more training runs: rank them and say how they differ, with tests.

    ``runs`` are paths (a directory gives one run per run inside it), ``TrainingLog`` objects
    or ``(name, source)`` pairs; see :func:`analyzer.compare.api.compare` for ``options``
    (criterion, alignment, alpha, margin, workers, ...). Returns a
    :class:`~analyzer.compare.model.Comparison`.
    """
    from analyzer.compare.api import compare as _compare

    return _compare(runs, metric=metric, hints=hints, **options)


__all__ = ["AnalyzerError", "InputError", "__version__", "analyze", "compare"]
