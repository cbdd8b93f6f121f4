"""DiagnosisCallback in real, tiny, seeded Lightning fits on the CPU against a real server on
127.0.0.1: overfitting reported while training runs, and a stop on a diverging run."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from analyzer_client.lightning import DiagnosisCallback, epoch_metrics  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from analyzer.model.findings import Code  # noqa: E402

STOP = ("DIVERGENCE", "NON_FINITE_LOSS")
# Lightning 2.6's own use of a torch pytree name that torch 2.13 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:.*isinstance.treespec, LeafSpec")


@pytest.fixture(autouse=True)
def quiet_and_seeded():
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    torch.manual_seed(0)


def noisy_points(n: int, d: int = 5, noise: float = 0.8, seed: int = 0):
    """A few noisy samples of a smooth function of ``d`` inputs, and 200 held-out ones."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 1, (d, 1))

    def sample(m):
        x = rng.uniform(-1, 1, (m, d)).astype("float32")
        y = (np.sin(3 * x @ w) + rng.normal(0, noise, (m, 1))).astype("float32")
        return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))

    return sample(n), sample(200)


class Regression(pl.LightningModule):
    def __init__(self, net: nn.Module, optimizer) -> None:
        super().__init__()
        self.net = net
        self.make_optimizer = optimizer

    def training_step(self, batch, index):
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, index):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return self.make_optimizer(self.parameters())


def fit(module, callback, *, epochs: int, train, val, batch_size: int) -> pl.Trainer:
    trainer = pl.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        deterministic=True,
        callbacks=[callback],
    )
    trainer.fit(
        module, DataLoader(train, batch_size=batch_size), DataLoader(val, batch_size=len(val))
    )
    return trainer


def overfitting_fit(callback, epochs: int = 40) -> pl.Trainer:
    """A 2x256 network on 16 noisy points: validation loss bottoms out near epoch 10 and
    rises as the network memorizes the noise."""
    train, val = noisy_points(16)
    net = nn.Sequential(
        nn.Linear(5, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1)
    )
    module = Regression(net, lambda params: torch.optim.Adam(params, lr=0.003))
    return fit(module, callback, epochs=epochs, train=train, val=val, batch_size=16)


def diverging_fit(callback, epochs: int = 100) -> pl.Trainer:
    """Linear regression with plain SGD at a learning rate of 20: the loss grows geometrically
    and overflows to inf."""
    train, val = noisy_points(16, noise=0.1)
    module = Regression(nn.Linear(5, 1), lambda params: torch.optim.SGD(params, lr=20.0))
    return fit(module, callback, epochs=epochs, train=train, val=val, batch_size=4)


def test_overfitting_is_reported_live_by_the_server(server):
    seen: dict[Code, int] = {}
    callback = DiagnosisCallback(
        server.target,
        run_name="lightning-overfit",
        on_finding=lambda f: seen.setdefault(f.code, len(callback.live.history)),
    )
    overfitting_fit(callback, epochs=40)
    assert Code.OVERFITTING in seen and seen[Code.OVERFITTING] < 40  # live, not at the end
    diagnosis = callback.diagnosis
    assert Code.OVERFITTING in diagnosis.codes() and not diagnosis.warnings
    assert diagnosis.run_name == "lightning-overfit" and diagnosis.summary.epochs == 40
    history = callback.live.history
    assert [step for step, _ in history] == list(range(40))
    # One training-loss series (train_loss, not also train_loss_epoch) and the validation loss.
    assert all(values.keys() == {"train_loss", "val_loss"} for _, values in history)
    val = [values["val_loss"] for _, values in history]
    assert diagnosis.summary.best_epoch == float(np.argmin(val))
    assert min(val) < val[-1]  # the data really overfits


def test_divergence_stops_training_early(server):
    callback = DiagnosisCallback(server.target, stop_on=STOP, on_finding=lambda f: None)
    trainer = diverging_fit(callback, epochs=100)
    epochs_run = len(callback.live.history)
    assert callback.stopped_by is not None and callback.stopped_by.code.value in STOP
    assert trainer.should_stop and epochs_run < 40  # the fit asked for 100 epochs
    assert callback.stopped_epoch == epochs_run - 1
    losses = [values["train_loss"] for _, values in callback.live.history]
    assert not all(map(math.isfinite, losses)) or losses[-1] > 100 * losses[0]
    assert {Code.DIVERGENCE, Code.NON_FINITE_LOSS} & set(callback.diagnosis.codes())
    assert callback.diagnosis.summary.epochs == epochs_run


def test_in_process_mode_and_hints_from_the_trainer():
    callback = DiagnosisCallback(stop_on=STOP, on_finding=lambda f: None, hints={"loss": "mse"})
    diverging_fit(callback, epochs=100)
    assert callback.stopped_by is not None and len(callback.live.history) < 40
    assert not callback.diagnosis.warnings
    hints = callback.live.hints
    assert hints.loss == "mse" and hints.planned_epochs == 100
    assert hints.optimizer == "sgd" and hints.learning_rate == pytest.approx(20.0)


def test_epoch_metrics_drop_per_step_values_and_repeated_epoch_names():
    metrics = epoch_metrics(
        {
            "train_loss": torch.tensor(0.5),
            "train_loss_step": torch.tensor(0.4),
            "train_loss_epoch": torch.tensor(0.5),
            "val_acc_epoch": torch.tensor(0.9),  # logged per epoch only: kept
            "weights": torch.ones(3),  # not a scalar
        }
    )
    assert metrics == {"train_loss": 0.5, "val_acc_epoch": pytest.approx(0.9)}
