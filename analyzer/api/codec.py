"""The only translator between the domain types and the protobuf messages of ``analyzer.api.v1``.

Both directions are exact: ``diagnosis_from_proto(diagnosis_to_proto(d)) == d`` (NaN compared
as NaN), so a client gets back the very :class:`~analyzer.model.findings.Diagnosis` the server
computed; likewise ``comparison_from_proto`` for an :class:`analyzer.compare.Comparison`.
Conventions (see ``proto/analyzer/api/v1/diagnosis.proto`` and ``comparison.proto``):

- codes travel as their string values; Severity and Verdict as ``SEVERITY_*`` / ``VERDICT_*``,
  the comparison's enums as ``COMPARISON_VERDICT_*``, ``CRITERION_*`` and ``OUTCOME_*``;
- a domain float that may be NaN (``Summary`` numbers, ``Evidence.value``) is an
  ``optional double``, absent when NaN; a domain ``float | None`` is absent when None (a NaN
  there travels as NaN, so that it survives the round trip).

Requests are decoded into plain domain inputs (``Hints``, raw series columns) here; building a
``TrainingLog`` from them is the service's job.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import Enum

import numpy as np
from pydantic import ValidationError

from analyzer.api.v1 import analyzer_service_pb2 as service_pb
from analyzer.api.v1 import comparison_pb2 as compare_pb
from analyzer.api.v1 import diagnosis_pb2 as pb
from analyzer.compare import model as compare_model
from analyzer.errors import InputError
from analyzer.model import Granularity, Split
from analyzer.model.findings import (
    Code,
    DetectorFailure,
    Diagnosis,
    Evidence,
    Finding,
    Severity,
    Summary,
    Verdict,
)
from analyzer.model.hints import Hints

_SEVERITY_TO_PB = {
    Severity.INFO: pb.SEVERITY_INFO,
    Severity.WARNING: pb.SEVERITY_WARNING,
    Severity.CRITICAL: pb.SEVERITY_CRITICAL,
}
_SEVERITY_FROM_PB = {v: k for k, v in _SEVERITY_TO_PB.items()}
_VERDICT_TO_PB = {
    Verdict.HEALTHY: pb.VERDICT_HEALTHY,
    Verdict.NEEDS_ATTENTION: pb.VERDICT_NEEDS_ATTENTION,
    Verdict.FAILING: pb.VERDICT_FAILING,
    Verdict.INSUFFICIENT_DATA: pb.VERDICT_INSUFFICIENT_DATA,
}
_VERDICT_FROM_PB = {v: k for k, v in _VERDICT_TO_PB.items()}
_SPLIT_FROM_PB = {
    service_pb.SPLIT_UNSPECIFIED: None,
    service_pb.SPLIT_TRAIN: Split.TRAIN,
    service_pb.SPLIT_VALIDATION: Split.VALIDATION,
    service_pb.SPLIT_TEST: Split.TEST,
}
_SPLIT_TO_PB = {v: k for k, v in _SPLIT_FROM_PB.items()}
_GRANULARITY_FROM_PB = {
    service_pb.GRANULARITY_UNSPECIFIED: None,
    service_pb.GRANULARITY_EPOCH: Granularity.EPOCH,
    service_pb.GRANULARITY_STEP: Granularity.STEP,
}
_GRANULARITY_TO_PB = {v: k for k, v in _GRANULARITY_FROM_PB.items()}

#: Summary fields that are numbers the log may not tell (NaN in the domain, absent on the wire).
_SUMMARY_FLOATS = tuple(
    f.name for f in fields(Summary) if f.name not in ("epochs", "granularity", "window")
)


def severity_to_proto(severity: Severity) -> int:
    return _SEVERITY_TO_PB[severity]


def severity_from_proto(value: int) -> Severity:
    return _SEVERITY_FROM_PB[value]


def _nan_to_absent(value: float) -> float | None:
    return None if math.isnan(value) else value


def _absent_to_nan(message, name: str) -> float:
    return getattr(message, name) if message.HasField(name) else math.nan


def _optional(message, name: str):
    return getattr(message, name) if message.HasField(name) else None


# --- Diagnosis -----------------------------------------------------------------------------


def evidence_to_proto(evidence: Evidence) -> pb.Evidence:
    return pb.Evidence(
        name=evidence.name,
        value=_nan_to_absent(evidence.value),
        description=evidence.description,
        test=evidence.test,
        p_value=evidence.p_value,
        threshold=evidence.threshold,
        comparison=evidence.comparison,
        unit=evidence.unit,
        threshold_on=evidence.threshold_on,
    )


def evidence_from_proto(message: pb.Evidence) -> Evidence:
    return Evidence(
        name=message.name,
        value=_absent_to_nan(message, "value"),
        description=message.description,
        test=_optional(message, "test"),
        p_value=_optional(message, "p_value"),
        threshold=_optional(message, "threshold"),
        comparison=_optional(message, "comparison"),
        unit=_optional(message, "unit"),
        threshold_on=message.threshold_on,
    )


def finding_to_proto(finding: Finding) -> pb.Finding:
    return pb.Finding(
        code=str(finding.code),
        title=finding.title,
        severity=severity_to_proto(finding.severity),
        confidence=finding.confidence,
        summary=finding.summary,
        explanation=finding.explanation,
        recommendations=finding.recommendations,
        evidence=[evidence_to_proto(e) for e in finding.evidence],
        series=finding.series,
        start=finding.start,
        end=finding.end,
        granularity=finding.granularity,
    )


def finding_from_proto(message: pb.Finding) -> Finding:
    return Finding(
        code=Code(message.code),
        title=message.title,
        severity=severity_from_proto(message.severity),
        confidence=message.confidence,
        summary=message.summary,
        explanation=message.explanation,
        recommendations=tuple(message.recommendations),
        evidence=tuple(evidence_from_proto(e) for e in message.evidence),
        series=tuple(message.series),
        start=_optional(message, "start"),
        end=_optional(message, "end"),
        granularity=message.granularity,
    )


def summary_to_proto(summary: Summary) -> pb.Summary:
    return pb.Summary(
        epochs=summary.epochs,
        granularity=summary.granularity,
        window=summary.window,
        **{name: _nan_to_absent(getattr(summary, name)) for name in _SUMMARY_FLOATS},
    )


def summary_from_proto(message: pb.Summary) -> Summary:
    return Summary(
        epochs=message.epochs,
        granularity=message.granularity,
        window=message.window,
        **{name: _absent_to_nan(message, name) for name in _SUMMARY_FLOATS},
    )


def diagnosis_to_proto(diagnosis: Diagnosis) -> pb.Diagnosis:
    return pb.Diagnosis(
        verdict=_VERDICT_TO_PB[diagnosis.verdict],
        primary=None if diagnosis.primary is None else finding_to_proto(diagnosis.primary),
        findings=[finding_to_proto(f) for f in diagnosis.findings],
        summary=summary_to_proto(diagnosis.summary),
        run_name=diagnosis.run_name,
        source_format=diagnosis.source_format,
        warnings=diagnosis.warnings,
        failures=[
            pb.DetectorFailure(detector=f.detector, error=f.error) for f in diagnosis.failures
        ],
    )


def diagnosis_from_proto(message: pb.Diagnosis) -> Diagnosis:
    findings = tuple(finding_from_proto(f) for f in message.findings)
    primary = None
    if message.HasField("primary"):
        decoded = finding_from_proto(message.primary)
        # The primary finding is one of the findings: share the object, as the engine does.
        primary = next((f for f in findings if f == decoded), decoded)
    return Diagnosis(
        verdict=_VERDICT_FROM_PB[message.verdict],
        primary=primary,
        findings=findings,
        summary=summary_from_proto(message.summary),
        run_name=_optional(message, "run_name"),
        source_format=message.source_format,
        warnings=tuple(message.warnings),
        failures=tuple(DetectorFailure(f.detector, f.error) for f in message.failures),
    )


# --- Comparison ----------------------------------------------------------------------------
#
# The Comparison messages mirror the dataclasses of analyzer.compare.model field by field, so
# one walk over the dataclass fields translates them: a nested dataclass is its message, an enum
# its table entry, a float NaN an absent `optional double`, None an absent optional string.


def _enum_table(domain: type[Enum], message_enum, prefix: str) -> dict[Enum, int]:
    return {member: message_enum.Value(prefix + member.name) for member in domain}


_COMPARE_ENUMS_TO_PB: dict[type[Enum], dict[Enum, int]] = {
    compare_model.Verdict: _enum_table(
        compare_model.Verdict, compare_pb.ComparisonVerdict, "COMPARISON_VERDICT_"
    ),
    compare_model.Criterion: _enum_table(
        compare_model.Criterion, compare_pb.Criterion, "CRITERION_"
    ),
    compare_model.Outcome: _enum_table(compare_model.Outcome, compare_pb.Outcome, "OUTCOME_"),
}
_COMPARE_ENUMS_FROM_PB = {
    kind: {v: k for k, v in table.items()} for kind, table in _COMPARE_ENUMS_TO_PB.items()
}
_COMPARE_MESSAGES = {
    compare_model.Comparison: compare_pb.Comparison,
    compare_model.Alignment: compare_pb.Alignment,
    compare_model.RunResult: compare_pb.RunResult,
    compare_model.Measures: compare_pb.Measures,
    compare_model.Estimate: compare_pb.Estimate,
    compare_model.Difference: compare_pb.Difference,
}


def _value_to_proto(value, optional: bool):
    if isinstance(value, Diagnosis):
        return diagnosis_to_proto(value)
    if isinstance(value, Enum):
        return _COMPARE_ENUMS_TO_PB[type(value)][value]
    if dataclasses.is_dataclass(value):
        return _dataclass_to_proto(value)
    if isinstance(value, tuple):
        return [_value_to_proto(item, False) for item in value]
    if optional and isinstance(value, float):
        return _nan_to_absent(value)
    return value


def _dataclass_to_proto(obj):
    message = _COMPARE_MESSAGES[type(obj)]
    by_name = message.DESCRIPTOR.fields_by_name
    return message(
        **{
            f.name: _value_to_proto(getattr(obj, f.name), by_name[f.name].has_presence)
            for f in fields(obj)
        }
    )


def _value_from_proto(kind, value):
    if kind is Diagnosis:
        return diagnosis_from_proto(value)
    if kind in _COMPARE_MESSAGES:
        return _dataclass_from_proto(kind, value)
    if kind in _COMPARE_ENUMS_FROM_PB:
        return _COMPARE_ENUMS_FROM_PB[kind][value]
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_value_from_proto(item, v) for v in value)
    return value


def _dataclass_from_proto(cls, message):
    kinds = typing.get_type_hints(cls, vars(compare_model))
    values = {}
    for f in fields(cls):
        kind = kinds[f.name]
        if typing.get_origin(kind) in (typing.Union, types.UnionType):  # ``str | None``
            values[f.name] = _optional(message, f.name)
        elif kind is float and message.DESCRIPTOR.fields_by_name[f.name].has_presence:
            values[f.name] = _absent_to_nan(message, f.name)
        else:
            values[f.name] = _value_from_proto(kind, getattr(message, f.name))
    return cls(**values)


def comparison_to_proto(comparison: compare_model.Comparison) -> compare_pb.Comparison:
    return _dataclass_to_proto(comparison)


def comparison_from_proto(message: compare_pb.Comparison) -> compare_model.Comparison:
    return _dataclass_from_proto(compare_model.Comparison, message)


def criterion_from_proto(value: int) -> compare_model.Criterion:
    """A request's criterion; unspecified is BEST."""
    if value == compare_pb.CRITERION_UNSPECIFIED:
        return compare_model.Criterion.BEST
    return _COMPARE_ENUMS_FROM_PB[compare_model.Criterion][value]


def criterion_to_proto(criterion: compare_model.Criterion | str) -> int:
    return _COMPARE_ENUMS_TO_PB[compare_model.Criterion][compare_model.Criterion(criterion)]


_ALIGNMENT_FROM_PB = {
    service_pb.ALIGNMENT_MODE_UNSPECIFIED: "common",
    service_pb.ALIGNMENT_MODE_COMMON: "common",
    service_pb.ALIGNMENT_MODE_FULL: "full",
}


def alignment_from_proto(value: int) -> str:
    """A request's alignment mode as :func:`analyzer.compare.compare` takes it."""
    return _ALIGNMENT_FROM_PB[value]


def alignment_to_proto(mode: str) -> int:
    """``"common"`` or ``"full"`` as an AlignmentMode (ValueError for anything else)."""
    if mode not in ("common", "full"):
        raise ValueError(f"alignment must be 'common' or 'full', got {mode!r}")
    return service_pb.AlignmentMode.Value("ALIGNMENT_MODE_" + mode.upper())


# --- Requests ------------------------------------------------------------------------------

_HINT_FIELDS = tuple(service_pb.Hints.DESCRIPTOR.fields_by_name)


def hints_to_proto(hints: Hints | None) -> service_pb.Hints:
    if hints is None:
        return service_pb.Hints()
    values = hints.model_dump(exclude_none=True)
    return service_pb.Hints(**{k: str(v) if k == "loss" else v for k, v in values.items()})


def hints_from_proto(message: service_pb.Hints, *, path: str = "hints") -> Hints | None:
    """The domain Hints, or None when no field is set; invalid values are an InputError that
    names the field (``hints.num_classes``)."""
    values = {name: getattr(message, name) for name in _HINT_FIELDS if message.HasField(name)}
    if not values:
        return None
    try:
        return Hints(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"])
        raise InputError(
            f"{error['msg']} (got {error.get('input')!r})", field=f"{path}.{name}"
        ) from None


@dataclass(frozen=True)
class SeriesColumn:
    """One series as a request states it, before names are normalized."""

    metric: str
    split: Split | None
    granularity: Granularity | None
    steps: np.ndarray
    values: np.ndarray


def series_from_proto(message: service_pb.SeriesData, *, path: str) -> SeriesColumn:
    """Decode one SeriesData; steps default to 0, 1, 2, ... when the request leaves them out."""
    values = np.asarray(message.values, dtype=np.float64)
    steps = (
        np.asarray(message.steps, dtype=np.float64)
        if len(message.steps)
        else np.arange(values.size, dtype=np.float64)
    )
    if not message.metric.strip():
        raise InputError("a series needs a metric name, e.g. 'loss'", field=f"{path}.metric")
    if steps.size != values.size:
        raise InputError(
            f"{steps.size} steps but {values.size} values; give one step per value, or none",
            field=f"{path}.steps",
        )
    return SeriesColumn(
        metric=message.metric,
        split=_SPLIT_FROM_PB.get(message.split),
        granularity=_GRANULARITY_FROM_PB.get(message.granularity),
        steps=steps,
        values=values,
    )


def series_to_proto(column: SeriesColumn) -> service_pb.SeriesData:
    return service_pb.SeriesData(
        metric=column.metric,
        split=_SPLIT_TO_PB[column.split],
        granularity=_GRANULARITY_TO_PB[column.granularity],
        steps=column.steps.tolist(),
        values=column.values.tolist(),
    )


def granularity_from_proto(value: int) -> Granularity | None:
    return _GRANULARITY_FROM_PB.get(value)


def stream_points_from_proto(
    message: service_pb.StreamPoints,
) -> Iterable[tuple[float, dict[str, float]]]:
    """The (step, {metric: value}) pairs of one batch of stream points."""
    return [(point.step, dict(point.values)) for point in message.points]


def detector_to_proto(spec) -> service_pb.DetectorInfo:
    """A :class:`~analyzer.detectors.base.DetectorSpec` as a DetectorInfo."""
    return service_pb.DetectorInfo(
        code=str(spec.code),
        title=spec.title,
        severity=severity_to_proto(spec.severity),
        what=spec.what,
        why=spec.why,
        evidence=spec.evidence,
        remedy=spec.remedy,
        superseded_by=[str(c) for c in spec.superseded_by],
    )
