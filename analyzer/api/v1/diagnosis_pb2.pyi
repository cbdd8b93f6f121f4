from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]
    SEVERITY_CRITICAL: _ClassVar[Severity]

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_HEALTHY: _ClassVar[Verdict]
    VERDICT_NEEDS_ATTENTION: _ClassVar[Verdict]
    VERDICT_FAILING: _ClassVar[Verdict]
    VERDICT_INSUFFICIENT_DATA: _ClassVar[Verdict]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_INFO: Severity
SEVERITY_WARNING: Severity
SEVERITY_CRITICAL: Severity
VERDICT_UNSPECIFIED: Verdict
VERDICT_HEALTHY: Verdict
VERDICT_NEEDS_ATTENTION: Verdict
VERDICT_FAILING: Verdict
VERDICT_INSUFFICIENT_DATA: Verdict

class Evidence(_message.Message):
    __slots__ = ("name", "value", "description", "test", "p_value", "threshold", "comparison", "unit", "threshold_on")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_ON_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: float
    description: str
    test: str
    p_value: float
    threshold: float
    comparison: str
    unit: str
    threshold_on: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[float] = ..., description: _Optional[str] = ..., test: _Optional[str] = ..., p_value: _Optional[float] = ..., threshold: _Optional[float] = ..., comparison: _Optional[str] = ..., unit: _Optional[str] = ..., threshold_on: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("code", "title", "severity", "confidence", "summary", "explanation", "recommendations", "evidence", "series", "start", "end", "granularity")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    code: str
    title: str
    severity: Severity
    confidence: float
    summary: str
    explanation: str
    recommendations: _containers.RepeatedScalarFieldContainer[str]
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    series: _containers.RepeatedScalarFieldContainer[str]
    start: float
    end: float
    granularity: str
    def __init__(self, code: _Optional[str] = ..., title: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., confidence: _Optional[float] = ..., summary: _Optional[str] = ..., explanation: _Optional[str] = ..., recommendations: _Optional[_Iterable[str]] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., series: _Optional[_Iterable[str]] = ..., start: _Optional[float] = ..., end: _Optional[float] = ..., granularity: _Optional[str] = ...) -> None: ...

class Summary(_message.Message):
    __slots__ = ("epochs", "granularity", "best_epoch", "best_val_loss", "best_train_loss", "final_train_loss", "final_val_loss", "gap_at_best", "relative_gap_at_best", "final_gap", "relative_final_gap", "total_relative_improvement", "remaining_improvement", "remaining_improvement_relative", "window")
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    BEST_EPOCH_FIELD_NUMBER: _ClassVar[int]
    BEST_VAL_LOSS_FIELD_NUMBER: _ClassVar[int]
    BEST_TRAIN_LOSS_FIELD_NUMBER: _ClassVar[int]
    FINAL_TRAIN_LOSS_FIELD_NUMBER: _ClassVar[int]
    FINAL_VAL_LOSS_FIELD_NUMBER: _ClassVar[int]
    GAP_AT_BEST_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_GAP_AT_BEST_FIELD_NUMBER: _ClassVar[int]
    FINAL_GAP_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_FINAL_GAP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_RELATIVE_IMPROVEMENT_FIELD_NUMBER: _ClassVar[int]
    REMAINING_IMPROVEMENT_FIELD_NUMBER: _ClassVar[int]
    REMAINING_IMPROVEMENT_RELATIVE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    epochs: int
    granularity: str
    best_epoch: float
    best_val_loss: float
    best_train_loss: float
    final_train_loss: float
    final_val_loss: float
    gap_at_best: float
    relative_gap_at_best: float
    final_gap: float
    relative_final_gap: float
    total_relative_improvement: float
    remaining_improvement: float
    remaining_improvement_relative: float
    window: int
    def __init__(self, epochs: _Optional[int] = ..., granularity: _Optional[str] = ..., best_epoch: _Optional[float] = ..., best_val_loss: _Optional[float] = ..., best_train_loss: _Optional[float] = ..., final_train_loss: _Optional[float] = ..., final_val_loss: _Optional[float] = ..., gap_at_best: _Optional[float] = ..., relative_gap_at_best: _Optional[float] = ..., final_gap: _Optional[float] = ..., relative_final_gap: _Optional[float] = ..., total_relative_improvement: _Optional[float] = ..., remaining_improvement: _Optional[float] = ..., remaining_improvement_relative: _Optional[float] = ..., window: _Optional[int] = ...) -> None: ...

class DetectorFailure(_message.Message):
    __slots__ = ("detector", "error")
    DETECTOR_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    detector: str
    error: str
    def __init__(self, detector: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class Diagnosis(_message.Message):
    __slots__ = ("verdict", "primary", "findings", "summary", "run_name", "source_format", "warnings", "failures")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RUN_NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    primary: Finding
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    summary: Summary
    run_name: str
    source_format: str
    warnings: _containers.RepeatedScalarFieldContainer[str]
    failures: _containers.RepeatedCompositeFieldContainer[DetectorFailure]
    def __init__(self, verdict: _Optional[_Union[Verdict, str]] = ..., primary: _Optional[_Union[Finding, _Mapping]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., summary: _Optional[_Union[Summary, _Mapping]] = ..., run_name: _Optional[str] = ..., source_format: _Optional[str] = ..., warnings: _Optional[_Iterable[str]] = ..., failures: _Optional[_Iterable[_Union[DetectorFailure, _Mapping]]] = ...) -> None: ...
