"""Domain types. No I/O, no protobuf, no judgement."""

from analyzer.model.hints import Hints
from analyzer.model.names import NormalizedName, normalize_name, series_name
from analyzer.model.series import Direction, Granularity, Metric, Series, Split, TrainingLog

__all__ = [
    "Direction",
    "Granularity",
    "Hints",
    "Metric",
    "NormalizedName",
    "Series",
    "Split",
    "TrainingLog",
    "normalize_name",
    "series_name",
]
