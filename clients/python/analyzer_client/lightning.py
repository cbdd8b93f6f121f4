"""A Lightning callback that diagnoses the run while it trains.

    from analyzer_client.lightning import DiagnosisCallback

    diagnosis = DiagnosisCallback("127.0.0.1:50051", stop_on=["DIVERGENCE", "NON_FINITE_LOSS"])
    trainer = lightning.pytorch.Trainer(max_epochs=100, callbacks=[diagnosis])
    trainer.fit(model, train_loader, val_loader)
    print(diagnosis.diagnosis.verdict)

At the end of every training epoch (after its validation), the epoch-level metrics the module
logged (``trainer.callback_metrics``: ``self.log("train_loss", ..., on_epoch=True)``,
``self.log("val_loss", ...)``) go to the service, or to an in-process analysis when ``server``
is None. Per-step values (``*_step``) are left out: they are one batch's number, not the
epoch's. A finding whose code is in ``stop_on`` sets ``trainer.should_stop``. The same contract
as the Keras callback (:mod:`analyzer_client.keras`); only the global-zero process streams in
distributed training. Needs ``pip install 'loss-analyzer-client[lightning]'`` (install the
CPU build of torch first if you do not want the CUDA one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightning.pytorch as pl

from analyzer_client.live import CallbackCore, scalar_metrics


class DiagnosisCallback(CallbackCore, pl.Callback):
    """Streams each epoch's metrics to the analyzer and leaves the final :attr:`diagnosis`.

    Arguments and results as for :class:`analyzer_client.keras.DiagnosisCallback`; what the
    trainer knows (``max_epochs``, the first optimizer and its learning rate) completes the
    ``hints``. Epochs are numbered as ``trainer.current_epoch`` (from 0), as Lightning's CSV
    logger does.
    """

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.live = None
        if trainer.is_global_zero:
            self.begin_run(self._derived_hints(trainer))

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.live is None or trainer.sanity_checking:
            return
        if self.end_epoch(trainer.current_epoch, epoch_metrics(trainer.callback_metrics)):
            trainer.should_stop = True

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.live is not None:
            self.end_run()

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        if self.live is not None:  # the run failed for its own reasons: no final diagnosis
            self.live.close()

    @staticmethod
    def _derived_hints(trainer: pl.Trainer) -> dict[str, Any]:
        """What the trainer says about the run."""
        derived: dict[str, Any] = {}
        if trainer.max_epochs is not None and trainer.max_epochs > 0:
            derived["planned_epochs"] = trainer.max_epochs
        optimizers = getattr(trainer, "optimizers", None) or []
        if optimizers:
            derived["optimizer"] = type(optimizers[0]).__name__.lower()
            groups = getattr(optimizers[0], "param_groups", None) or [{}]
            derived.update(scalar_metrics({"learning_rate": groups[0].get("lr")}))
        return derived


def epoch_metrics(callback_metrics: Mapping[str, Any]) -> dict[str, float]:
    """The epoch's numbers: ``x_step`` is one batch's value, and ``x_epoch`` repeats ``x``
    when a metric is logged both per step and per epoch (sending both would make two
    training-loss series)."""
    metrics = scalar_metrics(callback_metrics)
    return {
        name: value
        for name, value in metrics.items()
        if not name.endswith("_step")
        and not (name.endswith("_epoch") and name.removesuffix("_epoch") in metrics)
    }
