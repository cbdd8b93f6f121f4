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

from typing import Any

import keras

from analyzer_client.live import CallbackCore, scalar_metrics


class DiagnosisCallback(CallbackCore, keras.callbacks.Callback):
    """Streams each epoch's logs to the analyzer and leaves the final :attr:`diagnosis`.

    ``server``: None (analyze in-process), a target such as ``"127.0.0.1:50051"``, or an
    :class:`~analyzer_client.AnalyzerClient` (for TLS and tokens). ``hints`` sharpen the
    verdict; what the model and ``fit`` know (epochs planned, optimizer, learning rate, loss)
    is filled in where not given. ``stop_on``: codes that end training. ``on_finding(finding)``
    replaces the printed line. Other keywords (``report_severity``, ``finish_timeout``,
    ``backoff``) go to :class:`~analyzer_client.live.LiveAnalysis`. After ``fit``:
    :attr:`diagnosis`, :attr:`stopped_by` (the finding that stopped it) and
    :attr:`stopped_epoch`.

    The epochs are numbered as Keras' ``History`` and ``CSVLogger`` number them (from 0), so
    the diagnosis of a live run and of its CSV log agree.
    """

    def on_train_begin(self, logs=None) -> None:
        # One fit is one run: a second fit with the same callback starts a new analysis.
        self.begin_run(self._derived_hints())

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self.end_epoch(epoch, logs or {}):
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        self.end_run()

    def _derived_hints(self) -> dict[str, Any]:
        """What the model and ``fit`` say about the run."""
        derived: dict[str, Any] = {"planned_epochs": (self.params or {}).get("epochs")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            derived["optimizer"] = type(optimizer).__name__.lower()  # its .name is "sgd_1"
            # A plain rate; a schedule is not one number and is left out.
            derived.update(scalar_metrics({"learning_rate": optimizer.learning_rate}))
        loss = getattr(self.model, "loss", None)
        derived["loss"] = loss if isinstance(loss, str) else getattr(loss, "name", None)
        return derived
