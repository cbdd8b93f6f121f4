"""DiagnosisCallback in real, tiny, seeded Keras fits against a real server on 127.0.0.1:
overfitting reported while training runs, a stop on divergence, a server killed and restarted
mid-run with no epoch lost, and the in-process mode."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from analyzer_client import AnalyzerClient  # noqa: E402
from analyzer_client.keras import DiagnosisCallback  # noqa: E402
from analyzer_client.live import Backoff  # noqa: E402

from analyzer.model.findings import Code  # noqa: E402
from tests.service.process import ServerProcess  # noqa: E402

STOP = ("DIVERGENCE", "NON_FINITE_LOSS")


@pytest.fixture(autouse=True)
def deterministic():
    keras.utils.set_random_seed(0)
    tf.config.experimental.enable_op_determinism()


def noisy_points(n: int, d: int = 5, noise: float = 0.8, seed: int = 0):
    """A few noisy samples of a smooth function of ``d`` inputs, and 200 held-out ones."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 1, (d, 1))

    def sample(m):
        x = rng.uniform(-1, 1, (m, d)).astype("float32")
        return x, (np.sin(3 * x @ w) + rng.normal(0, noise, (m, 1))).astype("float32")

    return sample(n), sample(200)


def overfitting_fit(callback, epochs: int = 40):
    """A 2x256 network on 16 noisy points: it memorizes the noise and validation loss rises
    from about epoch 6 on."""
    (x, y), (xv, yv) = noisy_points(16)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model.fit(
        x, y, validation_data=(xv, yv), epochs=epochs, batch_size=16, verbose=0,
        callbacks=[callback],
    )  # fmt: skip


def diverging_fit(callback, epochs: int = 100):
    """Linear regression with plain SGD at a learning rate of 20: every step multiplies the
    error, the loss grows geometrically and overflows to inf and NaN."""
    (x, y), (xv, yv) = noisy_points(16, noise=0.1)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(20.0), loss="mse")
    return model.fit(
        x, y, validation_data=(xv, yv), epochs=epochs, batch_size=4, verbose=0,
        callbacks=[callback],
    )  # fmt: skip


class Recorder:
    """on_finding that remembers at which epoch (of the fit) each finding arrived."""

    def __init__(self) -> None:
        self.callback: DiagnosisCallback | None = None
        self.seen: dict[Code, int] = {}

    def __call__(self, finding) -> None:
        self.seen.setdefault(finding.code, len(self.callback.live.history))


def test_overfitting_is_reported_live_by_the_server(server):
    recorder = Recorder()
    callback = recorder.callback = DiagnosisCallback(
        server.target, on_finding=recorder, run_name="keras-overfit"
    )
    history = overfitting_fit(callback, epochs=40)
    assert Code.OVERFITTING in recorder.seen
    assert recorder.seen[Code.OVERFITTING] < 40  # before training ended, not from the final
    diagnosis = callback.diagnosis
    assert Code.OVERFITTING in diagnosis.codes() and not diagnosis.warnings
    assert diagnosis.run_name == "keras-overfit"
    assert diagnosis.summary.epochs == 40
    val = history.history["val_loss"]
    assert diagnosis.summary.best_epoch == float(np.argmin(val))  # Keras' own numbers
    assert diagnosis.summary.best_val_loss == pytest.approx(min(val), rel=1e-6)
    assert min(val) < val[-1]  # the data really overfits: validation ends above its best


def test_divergence_stops_training_early(server):
    callback = DiagnosisCallback(server.target, stop_on=STOP, on_finding=lambda f: None)
    history = diverging_fit(callback, epochs=100)
    epochs_run = len(history.history["loss"])
    assert callback.stopped_by is not None and callback.stopped_by.code.value in STOP
    assert epochs_run < 40  # stopped, where the fit asked for 100 epochs
    assert callback.stopped_epoch == epochs_run - 1  # stopped at the epoch it was told
    losses = np.asarray(history.history["loss"])
    assert not np.isfinite(losses).all() or losses[-1] > 100 * losses[0]  # really diverged
    assert callback.diagnosis.summary.epochs == epochs_run
    assert {Code.DIVERGENCE, Code.NON_FINITE_LOSS} & set(callback.diagnosis.codes())


class KillAndRestart(keras.callbacks.Callback):
    """Kills the server (SIGKILL) after one epoch and starts a new one on the same port after a
    later one, while the fit goes on."""

    def __init__(self, server: ServerProcess, kill_after: int, restart_after: int) -> None:
        super().__init__()
        self.server, self.kill_after, self.restart_after = server, kill_after, restart_after

    def on_epoch_end(self, epoch, logs=None) -> None:
        if epoch == self.kill_after:
            self.server.proc.kill()
            self.server.proc.wait(10)
        elif epoch == self.restart_after:
            self.server = ServerProcess("--address", f"127.0.0.1:{self.server.port}").start()


def test_server_killed_and_restarted_mid_run_loses_no_epoch():
    first = ServerProcess().start()
    killer = KillAndRestart(first, kill_after=5, restart_after=14)
    client = AnalyzerClient(first.target)
    callback = DiagnosisCallback(
        client, on_finding=lambda f: None, backoff=Backoff(initial=0.1, maximum=0.5)
    )
    try:
        (x, y), (xv, yv) = noisy_points(16)
        model = keras.Sequential(
            [keras.Input((5,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)]
        )
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        history = model.fit(
            x, y, validation_data=(xv, yv), epochs=24, batch_size=16, verbose=0,
            callbacks=[killer, callback],
        )  # fmt: skip
    finally:
        client.close()
        for server in (first, killer.server):
            if server.proc.poll() is None:
                server.terminate()
    assert len(history.history["loss"]) == 24  # training was not disturbed
    assert first.proc.returncode == -9 and killer.server is not first  # it really died
    diagnosis = callback.diagnosis
    assert not diagnosis.warnings  # the final diagnosis came from the restarted server
    assert diagnosis.summary.epochs == 24  # ... and covers every epoch
    assert diagnosis.summary.final_val_loss == pytest.approx(history.history["val_loss"][-1])
    assert diagnosis.summary.best_epoch == float(np.argmin(history.history["val_loss"]))
    assert callback.live._worker.streams_opened >= 2  # a new stream, with the history replayed


def test_in_process_mode_without_a_server_stops_too():
    callback = DiagnosisCallback(stop_on=STOP, on_finding=lambda f: None)
    history = diverging_fit(callback, epochs=100)
    epochs_run = len(history.history["loss"])
    assert callback.stopped_by is not None and epochs_run < 40
    assert callback.diagnosis.summary.epochs == epochs_run and not callback.diagnosis.warnings


def test_hints_are_completed_from_the_model_and_the_fit():
    callback = DiagnosisCallback(on_finding=lambda f: None, hints={"num_classes": 3})
    diverging_fit(callback, epochs=3)
    hints = callback.live.hints
    assert hints.num_classes == 3  # the user's
    assert hints.planned_epochs == 3 and hints.optimizer == "sgd" and hints.loss == "mse"
    assert hints.learning_rate == pytest.approx(20.0)
    callback = DiagnosisCallback(on_finding=lambda f: None, hints={"optimizer": "mine"})
    diverging_fit(callback, epochs=1)
    assert callback.live.hints.optimizer == "mine"  # what the user says wins


def test_a_second_fit_is_a_new_run():
    callback = DiagnosisCallback(on_finding=lambda f: None)
    diverging_fit(callback, epochs=3)
    first = callback.diagnosis
    diverging_fit(callback, epochs=4)
    assert first.summary.epochs == 3 and callback.diagnosis.summary.epochs == 4
