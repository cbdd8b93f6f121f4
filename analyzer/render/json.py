"""A :class:`Diagnosis` as plain JSON data, and back.

The field names are those of the dataclasses in :mod:`analyzer.model.findings` (the shared
contract with the gRPC messages and the clients). Spellings outside Python:

- codes travel as their string values (``"OVERFITTING"``), severities as their lower-case
  labels (``"warning"``), verdicts as their values (``"needs_attention"``);
- a number that is unknown (NaN, or None in an optional field) is ``null``; infinities are the
  strings ``"Infinity"`` / ``"-Infinity"``, as in protobuf's JSON mapping (JSON has no inf).

``diagnosis_from_dict(diagnosis_to_dict(d))`` rebuilds ``d`` exactly, except that NaN in an
optional field (a p-value a test could not compute) comes back as None: both mean "unknown".
The document the CLI prints wraps diagnoses in :func:`document`; its JSON Schema is
``docs/schema/analyzer-cli.schema.json``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from analyzer.errors import InputError
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

#: Version of the CLI's JSON document. Adding fields keeps it; renaming or removing bumps it.
SCHEMA_VERSION = 1

_INFINITIES = {"Infinity": math.inf, "-Infinity": -math.inf}


def json_number(value: float | None) -> float | str | None:
    """A number as JSON spells it: NaN and None are ``null`` (unknown), infinities the strings
    ``"Infinity"`` / ``"-Infinity"`` (protobuf's JSON mapping; JSON itself has no inf)."""
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float(value)


def json_float(value: Any) -> float:
    """The inverse of :func:`json_number` for a required number: ``null`` is NaN (unknown),
    ``"Infinity"`` / ``"-Infinity"`` are infinities."""
    if value is None:
        return math.nan
    return _INFINITIES[value] if isinstance(value, str) else float(value)


def _optional(value: Any) -> float | None:
    return None if value is None else json_float(value)


def evidence_to_dict(e: Evidence) -> dict[str, Any]:
    return {
        "name": e.name,
        "value": json_number(e.value),
        "description": e.description,
        "test": e.test,
        "p_value": json_number(e.p_value),
        "threshold": json_number(e.threshold),
        "comparison": e.comparison,
        "unit": e.unit,
        "threshold_on": e.threshold_on,
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": str(f.code),
        "title": f.title,
        "severity": f.severity.label,
        "confidence": json_number(f.confidence),
        "summary": f.summary,
        "explanation": f.explanation,
        "recommendations": list(f.recommendations),
        "evidence": [evidence_to_dict(e) for e in f.evidence],
        "series": list(f.series),
        "start": json_number(f.start),
        "end": json_number(f.end),
        "granularity": f.granularity,
    }


def summary_to_dict(s: Summary) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fld in dataclasses.fields(Summary):
        value = getattr(s, fld.name)
        out[fld.name] = json_number(value) if isinstance(value, float) else value
    return out


def diagnosis_to_dict(d: Diagnosis) -> dict[str, Any]:
    """JSON-ready data for ``d`` (only dicts, lists, strings, numbers, booleans and None)."""
    return {
        "verdict": str(d.verdict),
        "primary": None if d.primary is None else finding_to_dict(d.primary),
        "findings": [finding_to_dict(f) for f in d.findings],
        "summary": summary_to_dict(d.summary),
        "run_name": d.run_name,
        "source_format": d.source_format,
        "warnings": list(d.warnings),
        "failures": [{"detector": x.detector, "error": x.error} for x in d.failures],
    }


def _evidence(obj: Mapping[str, Any]) -> Evidence:
    return Evidence(
        name=obj["name"],
        value=json_float(obj["value"]),
        description=obj.get("description", ""),
        test=obj.get("test"),
        p_value=_optional(obj.get("p_value")),
        threshold=_optional(obj.get("threshold")),
        comparison=obj.get("comparison"),
        unit=obj.get("unit"),
        threshold_on=obj.get("threshold_on", "value"),
    )


def _finding(obj: Mapping[str, Any]) -> Finding:
    return Finding(
        code=Code(obj["code"]),
        title=obj["title"],
        severity=Severity[obj["severity"].upper()],
        confidence=json_float(obj["confidence"]),
        summary=obj["summary"],
        explanation=obj["explanation"],
        recommendations=tuple(obj.get("recommendations", ())),
        evidence=tuple(_evidence(e) for e in obj.get("evidence", ())),
        series=tuple(obj.get("series", ())),
        start=_optional(obj.get("start")),
        end=_optional(obj.get("end")),
        granularity=obj.get("granularity", "epoch"),
    )


def _summary(obj: Mapping[str, Any]) -> Summary:
    values: dict[str, Any] = {}
    for fld in dataclasses.fields(Summary):
        if fld.name not in obj:
            continue
        default = fld.default
        values[fld.name] = (
            json_float(obj[fld.name]) if isinstance(default, float) else obj[fld.name]
        )
    return Summary(**values)


def diagnosis_from_dict(obj: Mapping[str, Any]) -> Diagnosis:
    """The :class:`Diagnosis` that :func:`diagnosis_to_dict` turned into ``obj``.

    The primary finding is the same object as its entry in ``findings`` (as the engine makes
    it), so ``finding is diagnosis.primary`` checks keep working.
    """
    findings = tuple(_finding(f) for f in obj.get("findings", ()))
    primary = obj.get("primary")
    if primary is not None:
        rebuilt = _finding(primary)
        same = (rebuilt.code, rebuilt.summary, rebuilt.start)
        primary = next((f for f in findings if (f.code, f.summary, f.start) == same), rebuilt)
    return Diagnosis(
        verdict=Verdict(obj["verdict"]),
        primary=primary,
        findings=findings,
        summary=_summary(obj.get("summary", {})),
        run_name=obj.get("run_name"),
        source_format=obj.get("source_format", "unknown"),
        warnings=tuple(obj.get("warnings", ())),
        failures=tuple(DetectorFailure(**x) for x in obj.get("failures", ())),
    )


def error_to_dict(error: InputError) -> dict[str, Any]:
    """An input error as data: its stable reason, the message a person reads, and its parts."""
    return {
        "reason": error.reason,
        "message": str(error),
        "source": error.source,
        "line": error.line,
        "record": error.record,
        "field": error.field,
        "detail": error.detail,
    }


def document(runs: list[dict[str, Any]], *, generator: str) -> dict[str, Any]:
    """The one JSON document per CLI invocation: ``schema_version``, the generator, and one
    entry per analyzed run (``input``, ``run_name`` and either ``diagnosis`` or ``error``)."""
    return {"schema_version": SCHEMA_VERSION, "generator": generator, "runs": runs}
