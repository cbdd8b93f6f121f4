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


__all__ = ["AnalyzerError", "InputError", "__version__", "analyze"]
