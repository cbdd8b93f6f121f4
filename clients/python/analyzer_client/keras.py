"""A Keras callback that diagnoses the run while it trains.

    from analyzer_client.keras import DiagnosisCallback

    diagnosis = DiagnosisCallback("127.0.0.1:50051", stop_on=["DIVERGENCE", "NON_FINITE_LOSS"])
    model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[diagnosis])
    print(diagnosis.diagnosis.verdict)

Each epoch's logs go to the service (or to an in-process analysis when ``server`` is None);
new findings are printed (or handed to ``on_finding``) as they appear; a finding whose code is
in ``stop_on`` sets ``model.stop_training``. The service being down, or going away mid-run,
never stops the training: see :mod:`analyzer_client.live`. Needs Keras 3 (``pip install
'loss-analyzer-client[keras]'``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import keras

from analyzer.model import Hints
from analyzer.model.findings import Code, Diagnosis, Finding
from analyzer_client.live import (
    LiveAnalysis,
    as_codes,
    as_hints,
    check_options,
    complete_hints,
    scalar_metrics,
)

_log = logging.getLogger("analyzer_client.keras")


class DiagnosisCallback(keras.callbacks.Callback):
    """Streams each epoch's logs to the analyzer and leaves the final :attr:`diagnosis`.

    ``server``: None (analyze in-process), a target such as ``"127.0.0.1:50051"``, or an
    :class:`~analyzer_client.AnalyzerClient` (for TLS and tokens). ``hints`` sharpen the
    verdict; what the model and ``fit`` know (epochs planned, optimizer, learning rate, loss)
    is filled in where not given. ``stop_on``: codes that end training. ``on_finding(finding)``
    replaces the printed line. Other keywords (``report_severity``, ``finish_timeout``,
    ``backoff``) go to :class:`~analyzer_client.live.LiveAnalysis`.

    The epochs are numbered as Keras' ``History`` and ``CSVLogger`` number them (from 0), so
    the diagnosis of a live run and of its CSV log agree.
    """

    def __init__(
        self,
        server: Any = None,
        *,
        hints: Hints | Mapping[str, Any] | None = None,
        stop_on: Iterable[Code | str] = (),
        on_finding: Callable[[Finding], object] | None = None,
        run_name: str | None = None,
        **live_options: Any,
    ) -> None:
        super().__init__()
        self.server = server
        self.hints = as_hints(hints)
        self.stop_on = as_codes(stop_on)
        self.on_finding = on_finding
        self.run_name = run_name
        self._live_options = check_options(live_options)
        #: The analysis of the current (or last) ``fit``.
        self.live: LiveAnalysis | None = None
        #: The final diagnosis, after ``fit`` returned.
        self.diagnosis: Diagnosis | None = None
        #: The finding that stopped training, if one did.
        self.stopped_by: Finding | None = None
        #: The epoch at whose end training was told to stop.
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs=None) -> None:
        # One fit is one run: a second fit with the same callback starts a new analysis.
        self.diagnosis = self.stopped_by = self.stopped_epoch = None
        self.live = LiveAnalysis(
            self.server,
            hints=self._hints(),
            stop_on=self.stop_on,
            on_finding=self.on_finding,
            run_name=self.run_name,
            **self._live_options,
        )

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.live.record(epoch, logs or {})
        if self.live.should_stop and self.stopped_by is None:
            self.stopped_by, self.stopped_epoch = self.live.stop_reason, epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        self.diagnosis = self.live.finish()

    def _hints(self) -> Hints | None:
        """The user's hints, completed with what the model and ``fit`` say about the run."""
        derived: dict[str, Any] = {"planned_epochs": (self.params or {}).get("epochs")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            derived["optimizer"] = type(optimizer).__name__.lower()  # its .name is "sgd_1"
            # A plain rate; a schedule is not one number and is left out.
            derived.update(scalar_metrics({"learning_rate": optimizer.learning_rate}))
        loss = getattr(self.model, "loss", None)
        derived["loss"] = loss if isinstance(loss, str) else getattr(loss, "name", None)
        return complete_hints(self.hints, derived)
