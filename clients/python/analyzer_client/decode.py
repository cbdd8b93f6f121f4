"""Responses other than a Diagnosis (which :mod:`analyzer.api.codec` decodes) -> domain."""

from __future__ import annotations

from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.detectors.base import DetectorSpec
from analyzer.model.findings import Code


def detectors_from_proto(response: pb.ListDetectorsResponse) -> list[DetectorSpec]:
    """The inverse of :func:`analyzer.api.codec.detector_to_proto`."""
    return [
        DetectorSpec(
            code=Code(info.code),
            title=info.title,
            severity=codec.severity_from_proto(info.severity),
            what=info.what,
            why=info.why,
            evidence=info.evidence,
            remedy=info.remedy,
            superseded_by=tuple(Code(c) for c in info.superseded_by),
        )
        for info in response.detectors
    ]
