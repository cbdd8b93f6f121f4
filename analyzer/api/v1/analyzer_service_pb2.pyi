from analyzer.api.v1 import comparison_pb2 as _comparison_pb2
from analyzer.api.v1 import diagnosis_pb2 as _diagnosis_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Split(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPLIT_UNSPECIFIED: _ClassVar[Split]
    SPLIT_TRAIN: _ClassVar[Split]
    SPLIT_VALIDATION: _ClassVar[Split]
    SPLIT_TEST: _ClassVar[Split]

class Granularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANULARITY_UNSPECIFIED: _ClassVar[Granularity]
    GRANULARITY_EPOCH: _ClassVar[Granularity]
    GRANULARITY_STEP: _ClassVar[Granularity]

class AlignmentMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALIGNMENT_MODE_UNSPECIFIED: _ClassVar[AlignmentMode]
    ALIGNMENT_MODE_COMMON: _ClassVar[AlignmentMode]
    ALIGNMENT_MODE_FULL: _ClassVar[AlignmentMode]
SPLIT_UNSPECIFIED: Split
SPLIT_TRAIN: Split
SPLIT_VALIDATION: Split
SPLIT_TEST: Split
GRANULARITY_UNSPECIFIED: Granularity
GRANULARITY_EPOCH: Granularity
GRANULARITY_STEP: Granularity
ALIGNMENT_MODE_UNSPECIFIED: AlignmentMode
ALIGNMENT_MODE_COMMON: AlignmentMode
ALIGNMENT_MODE_FULL: AlignmentMode

class Hints(_message.Message):
    __slots__ = ("loss", "num_classes", "baseline_loss", "target_variance", "train_size", "val_size", "learning_rate", "optimizer", "batch_size", "planned_epochs", "early_stopping_patience")
    LOSS_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    BASELINE_LOSS_FIELD_NUMBER: _ClassVar[int]
    TARGET_VARIANCE_FIELD_NUMBER: _ClassVar[int]
    TRAIN_SIZE_FIELD_NUMBER: _ClassVar[int]
    VAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    EARLY_STOPPING_PATIENCE_FIELD_NUMBER: _ClassVar[int]
    loss: str
    num_classes: int
    baseline_loss: float
    target_variance: float
    train_size: int
    val_size: int
    learning_rate: float
    optimizer: str
    batch_size: int
    planned_epochs: int
    early_stopping_patience: int
    def __init__(self, loss: _Optional[str] = ..., num_classes: _Optional[int] = ..., baseline_loss: _Optional[float] = ..., target_variance: _Optional[float] = ..., train_size: _Optional[int] = ..., val_size: _Optional[int] = ..., learning_rate: _Optional[float] = ..., optimizer: _Optional[str] = ..., batch_size: _Optional[int] = ..., planned_epochs: _Optional[int] = ..., early_stopping_patience: _Optional[int] = ...) -> None: ...

class LogFile(_message.Message):
    __slots__ = ("name", "content")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    content: bytes
    def __init__(self, name: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class AnalyzeLogRequest(_message.Message):
    __slots__ = ("files", "format", "hints")
    FILES_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    HINTS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[LogFile]
    format: str
    hints: Hints
    def __init__(self, files: _Optional[_Iterable[_Union[LogFile, _Mapping]]] = ..., format: _Optional[str] = ..., hints: _Optional[_Union[Hints, _Mapping]] = ...) -> None: ...

class AnalyzeLogResponse(_message.Message):
    __slots__ = ("diagnosis",)
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    diagnosis: _diagnosis_pb2.Diagnosis
    def __init__(self, diagnosis: _Optional[_Union[_diagnosis_pb2.Diagnosis, _Mapping]] = ...) -> None: ...

class SeriesData(_message.Message):
    __slots__ = ("metric", "split", "granularity", "steps", "values")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    metric: str
    split: Split
    granularity: Granularity
    steps: _containers.RepeatedScalarFieldContainer[float]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, metric: _Optional[str] = ..., split: _Optional[_Union[Split, str]] = ..., granularity: _Optional[_Union[Granularity, str]] = ..., steps: _Optional[_Iterable[float]] = ..., values: _Optional[_Iterable[float]] = ...) -> None: ...

class AnalyzeSeriesRequest(_message.Message):
    __slots__ = ("series", "run_name", "hints")
    SERIES_FIELD_NUMBER: _ClassVar[int]
    RUN_NAME_FIELD_NUMBER: _ClassVar[int]
    HINTS_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedCompositeFieldContainer[SeriesData]
    run_name: str
    hints: Hints
    def __init__(self, series: _Optional[_Iterable[_Union[SeriesData, _Mapping]]] = ..., run_name: _Optional[str] = ..., hints: _Optional[_Union[Hints, _Mapping]] = ...) -> None: ...

class AnalyzeSeriesResponse(_message.Message):
    __slots__ = ("diagnosis",)
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    diagnosis: _diagnosis_pb2.Diagnosis
    def __init__(self, diagnosis: _Optional[_Union[_diagnosis_pb2.Diagnosis, _Mapping]] = ...) -> None: ...

class StreamStart(_message.Message):
    __slots__ = ("run_name", "hints", "granularity")
    RUN_NAME_FIELD_NUMBER: _ClassVar[int]
    HINTS_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    run_name: str
    hints: Hints
    granularity: Granularity
    def __init__(self, run_name: _Optional[str] = ..., hints: _Optional[_Union[Hints, _Mapping]] = ..., granularity: _Optional[_Union[Granularity, str]] = ...) -> None: ...

class StreamPoint(_message.Message):
    __slots__ = ("step", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    STEP_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    step: float
    values: _containers.ScalarMap[str, float]
    def __init__(self, step: _Optional[float] = ..., values: _Optional[_Mapping[str, float]] = ...) -> None: ...

class StreamPoints(_message.Message):
    __slots__ = ("points",)
    POINTS_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[StreamPoint]
    def __init__(self, points: _Optional[_Iterable[_Union[StreamPoint, _Mapping]]] = ...) -> None: ...

class StreamAnalyzeRequest(_message.Message):
    __slots__ = ("start", "points")
    START_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    start: StreamStart
    points: StreamPoints
    def __init__(self, start: _Optional[_Union[StreamStart, _Mapping]] = ..., points: _Optional[_Union[StreamPoints, _Mapping]] = ...) -> None: ...

class StreamAnalyzeResponse(_message.Message):
    __slots__ = ("diagnosis", "final", "points_received", "last_step")
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    POINTS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    LAST_STEP_FIELD_NUMBER: _ClassVar[int]
    diagnosis: _diagnosis_pb2.Diagnosis
    final: bool
    points_received: int
    last_step: float
    def __init__(self, diagnosis: _Optional[_Union[_diagnosis_pb2.Diagnosis, _Mapping]] = ..., final: _Optional[bool] = ..., points_received: _Optional[int] = ..., last_step: _Optional[float] = ...) -> None: ...

class ListDetectorsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DetectorInfo(_message.Message):
    __slots__ = ("code", "title", "severity", "what", "why", "evidence", "remedy", "superseded_by")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    WHAT_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REMEDY_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    code: str
    title: str
    severity: _diagnosis_pb2.Severity
    what: str
    why: str
    evidence: str
    remedy: str
    superseded_by: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, code: _Optional[str] = ..., title: _Optional[str] = ..., severity: _Optional[_Union[_diagnosis_pb2.Severity, str]] = ..., what: _Optional[str] = ..., why: _Optional[str] = ..., evidence: _Optional[str] = ..., remedy: _Optional[str] = ..., superseded_by: _Optional[_Iterable[str]] = ...) -> None: ...

class ListDetectorsResponse(_message.Message):
    __slots__ = ("detectors",)
    DETECTORS_FIELD_NUMBER: _ClassVar[int]
    detectors: _containers.RepeatedCompositeFieldContainer[DetectorInfo]
    def __init__(self, detectors: _Optional[_Iterable[_Union[DetectorInfo, _Mapping]]] = ...) -> None: ...

class RunInput(_message.Message):
    __slots__ = ("name", "files", "series", "format", "source")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    files: _containers.RepeatedCompositeFieldContainer[LogFile]
    series: _containers.RepeatedCompositeFieldContainer[SeriesData]
    format: str
    source: str
    def __init__(self, name: _Optional[str] = ..., files: _Optional[_Iterable[_Union[LogFile, _Mapping]]] = ..., series: _Optional[_Iterable[_Union[SeriesData, _Mapping]]] = ..., format: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class CompareRunsRequest(_message.Message):
    __slots__ = ("runs", "metric", "hints", "criterion", "alignment", "alpha", "margin")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    HINTS_FIELD_NUMBER: _ClassVar[int]
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    ALIGNMENT_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[RunInput]
    metric: str
    hints: Hints
    criterion: _comparison_pb2.Criterion
    alignment: AlignmentMode
    alpha: float
    margin: float
    def __init__(self, runs: _Optional[_Iterable[_Union[RunInput, _Mapping]]] = ..., metric: _Optional[str] = ..., hints: _Optional[_Union[Hints, _Mapping]] = ..., criterion: _Optional[_Union[_comparison_pb2.Criterion, str]] = ..., alignment: _Optional[_Union[AlignmentMode, str]] = ..., alpha: _Optional[float] = ..., margin: _Optional[float] = ...) -> None: ...

class CompareRunsResponse(_message.Message):
    __slots__ = ("comparison",)
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    comparison: _comparison_pb2.Comparison
    def __init__(self, comparison: _Optional[_Union[_comparison_pb2.Comparison, _Mapping]] = ...) -> None: ...
