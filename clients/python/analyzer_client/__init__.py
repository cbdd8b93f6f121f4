"""Python client of the loss-analyzer gRPC service (``analyzer-server``).

    from analyzer_client import AnalyzerClient

    with AnalyzerClient("127.0.0.1:50051") as client:
        diagnosis = client.analyze_files("history.csv")   # analyzer.model.findings.Diagnosis
        comparison = client.compare_runs(["lr_0.1/log.csv", "lr_1e-4/log.csv"])  # .winner
        with client.open_stream(run_name="exp-7") as stream:
            for epoch, logs in training():
                stream.send(epoch, logs)
                for update in stream.updates():
                    print(update.verdict, update.codes())
        final = stream.finish()

Answers are the library's own domain objects (decoded by :mod:`analyzer.api.codec`), so code
written against ``analyzer.analyze`` works unchanged. Needs neither TensorFlow nor torch.
Settings: arguments or ``ANALYZER_*`` environment variables (:mod:`analyzer_client.config`).
"""

from analyzer_client.aio import AsyncAnalyzerClient, AsyncLiveStream
from analyzer_client.client import AnalyzerClient, LiveStream
from analyzer_client.config import ClientConfig
from analyzer_client.errors import FieldViolation, ServiceError

__all__ = [
    "AnalyzerClient",
    "AsyncAnalyzerClient",
    "AsyncLiveStream",
    "ClientConfig",
    "FieldViolation",
    "LiveStream",
    "ServiceError",
]
