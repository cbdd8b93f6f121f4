from analyzer.api.v1 import diagnosis_pb2 as _diagnosis_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Criterion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CRITERION_UNSPECIFIED: _ClassVar[Criterion]
    CRITERION_BEST: _ClassVar[Criterion]
    CRITERION_FINAL: _ClassVar[Criterion]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_A_BETTER: _ClassVar[Outcome]
    OUTCOME_B_BETTER: _ClassVar[Outcome]
    OUTCOME_EQUIVALENT: _ClassVar[Outcome]
    OUTCOME_NO_SIGNIFICANT_DIFFERENCE: _ClassVar[Outcome]
    OUTCOME_NOT_TESTABLE: _ClassVar[Outcome]

class ComparisonVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPARISON_VERDICT_UNSPECIFIED: _ClassVar[ComparisonVerdict]
    COMPARISON_VERDICT_CLEAR_WINNER: _ClassVar[ComparisonVerdict]
    COMPARISON_VERDICT_TIED: _ClassVar[ComparisonVerdict]
    COMPARISON_VERDICT_EQUIVALENT: _ClassVar[ComparisonVerdict]
    COMPARISON_VERDICT_NO_SIGNIFICANT_DIFFERENCE: _ClassVar[ComparisonVerdict]
    COMPARISON_VERDICT_INSUFFICIENT_DATA: _ClassVar[ComparisonVerdict]
CRITERION_UNSPECIFIED: Criterion
CRITERION_BEST: Criterion
CRITERION_FINAL: Criterion
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_A_BETTER: Outcome
OUTCOME_B_BETTER: Outcome
OUTCOME_EQUIVALENT: Outcome
OUTCOME_NO_SIGNIFICANT_DIFFERENCE: Outcome
OUTCOME_NOT_TESTABLE: Outcome
COMPARISON_VERDICT_UNSPECIFIED: ComparisonVerdict
COMPARISON_VERDICT_CLEAR_WINNER: ComparisonVerdict
COMPARISON_VERDICT_TIED: ComparisonVerdict
COMPARISON_VERDICT_EQUIVALENT: ComparisonVerdict
COMPARISON_VERDICT_NO_SIGNIFICANT_DIFFERENCE: ComparisonVerdict
COMPARISON_VERDICT_INSUFFICIENT_DATA: ComparisonVerdict

class Estimate(_message.Message):
    __slots__ = ("value", "se", "df", "low", "high", "at", "method")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SE_FIELD_NUMBER: _ClassVar[int]
    DF_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    value: float
    se: float
    df: float
    low: float
    high: float
    at: float
    method: str
    def __init__(self, value: _Optional[float] = ..., se: _Optional[float] = ..., df: _Optional[float] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., at: _Optional[float] = ..., method: _Optional[str] = ...) -> None: ...

class Alignment(_message.Message):
    __slots__ = ("method", "unit", "start", "end", "points", "window", "description")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    method: str
    unit: str
    start: float
    end: float
    points: int
    window: float
    description: str
    def __init__(self, method: _Optional[str] = ..., unit: _Optional[str] = ..., start: _Optional[float] = ..., end: _Optional[float] = ..., points: _Optional[int] = ..., window: _Optional[float] = ..., description: _Optional[str] = ...) -> None: ...

class Measures(_message.Message):
    __slots__ = ("points", "points_dropped", "best", "final", "noise", "relative_noise", "spikes", "non_finite", "target_reached_at", "time_constant", "asymptote", "relative_gap_at_best", "relative_final_gap")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    POINTS_DROPPED_FIELD_NUMBER: _ClassVar[int]
    BEST_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    NOISE_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_NOISE_FIELD_NUMBER: _ClassVar[int]
    SPIKES_FIELD_NUMBER: _ClassVar[int]
    NON_FINITE_FIELD_NUMBER: _ClassVar[int]
    TARGET_REACHED_AT_FIELD_NUMBER: _ClassVar[int]
    TIME_CONSTANT_FIELD_NUMBER: _ClassVar[int]
    ASYMPTOTE_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_GAP_AT_BEST_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_FINAL_GAP_FIELD_NUMBER: _ClassVar[int]
    points: int
    points_dropped: int
    best: Estimate
    final: Estimate
    noise: float
    relative_noise: float
    spikes: int
    non_finite: int
    target_reached_at: Estimate
    time_constant: Estimate
    asymptote: Estimate
    relative_gap_at_best: float
    relative_final_gap: float
    def __init__(self, points: _Optional[int] = ..., points_dropped: _Optional[int] = ..., best: _Optional[_Union[Estimate, _Mapping]] = ..., final: _Optional[_Union[Estimate, _Mapping]] = ..., noise: _Optional[float] = ..., relative_noise: _Optional[float] = ..., spikes: _Optional[int] = ..., non_finite: _Optional[int] = ..., target_reached_at: _Optional[_Union[Estimate, _Mapping]] = ..., time_constant: _Optional[_Union[Estimate, _Mapping]] = ..., asymptote: _Optional[_Union[Estimate, _Mapping]] = ..., relative_gap_at_best: _Optional[float] = ..., relative_final_gap: _Optional[float] = ...) -> None: ...

class RunResult(_message.Message):
    __slots__ = ("name", "source", "rank", "measures", "diagnosis")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    name: str
    source: str
    rank: int
    measures: Measures
    diagnosis: _diagnosis_pb2.Diagnosis
    def __init__(self, name: _Optional[str] = ..., source: _Optional[str] = ..., rank: _Optional[int] = ..., measures: _Optional[_Union[Measures, _Mapping]] = ..., diagnosis: _Optional[_Union[_diagnosis_pb2.Diagnosis, _Mapping]] = ...) -> None: ...

class Difference(_message.Message):
    __slots__ = ("a", "b", "outcome", "scale", "estimate", "low", "high", "ratio", "standardized", "statistic", "df", "p_value", "p_adjusted", "equivalence_p", "margin", "test")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    STANDARDIZED_FIELD_NUMBER: _ClassVar[int]
    STATISTIC_FIELD_NUMBER: _ClassVar[int]
    DF_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    P_ADJUSTED_FIELD_NUMBER: _ClassVar[int]
    EQUIVALENCE_P_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    a: str
    b: str
    outcome: Outcome
    scale: str
    estimate: float
    low: float
    high: float
    ratio: float
    standardized: float
    statistic: float
    df: float
    p_value: float
    p_adjusted: float
    equivalence_p: float
    margin: float
    test: str
    def __init__(self, a: _Optional[str] = ..., b: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., scale: _Optional[str] = ..., estimate: _Optional[float] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., ratio: _Optional[float] = ..., standardized: _Optional[float] = ..., statistic: _Optional[float] = ..., df: _Optional[float] = ..., p_value: _Optional[float] = ..., p_adjusted: _Optional[float] = ..., equivalence_p: _Optional[float] = ..., margin: _Optional[float] = ..., test: _Optional[str] = ...) -> None: ...

class Comparison(_message.Message):
    __slots__ = ("verdict", "winner", "metric", "direction", "criterion", "alignment", "runs", "differences", "target", "target_rule", "pairs", "correction", "alpha", "margin", "summary", "notes", "warnings")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    WINNER_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    ALIGNMENT_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TARGET_RULE_FIELD_NUMBER: _ClassVar[int]
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    verdict: ComparisonVerdict
    winner: str
    metric: str
    direction: str
    criterion: Criterion
    alignment: Alignment
    runs: _containers.RepeatedCompositeFieldContainer[RunResult]
    differences: _containers.RepeatedCompositeFieldContainer[Difference]
    target: float
    target_rule: str
    pairs: str
    correction: str
    alpha: float
    margin: float
    summary: str
    notes: _containers.RepeatedScalarFieldContainer[str]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, verdict: _Optional[_Union[ComparisonVerdict, str]] = ..., winner: _Optional[str] = ..., metric: _Optional[str] = ..., direction: _Optional[str] = ..., criterion: _Optional[_Union[Criterion, str]] = ..., alignment: _Optional[_Union[Alignment, _Mapping]] = ..., runs: _Optional[_Iterable[_Union[RunResult, _Mapping]]] = ..., differences: _Optional[_Iterable[_Union[Difference, _Mapping]]] = ..., target: _Optional[float] = ..., target_rule: _Optional[str] = ..., pairs: _Optional[str] = ..., correction: _Optional[str] = ..., alpha: _Optional[float] = ..., margin: _Optional[float] = ..., summary: _Optional[str] = ..., notes: _Optional[_Iterable[str]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...
