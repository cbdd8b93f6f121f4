"""The scenario table: the articles' six example programs and the phenomenon variants."""

from __future__ import annotations

from reference_trainer import runners
from reference_trainer.scenario import Expected, Scenario

_EX2_MLP = {"hidden_layer_sizes": [10], "max_iter": 1000}


def _ex3(data: dict) -> dict:
    return {
        "data": data,
        "hidden": [[128, "relu"]],
        "optimizer": {"name": "adam"},
        "loss": "mse",
        "epochs": 100,
        "batch_size": 32,
        "validation_split": 0.2,
    }


def _ex4(scaler: str | None, validation_split: float | None) -> dict:
    return {
        "data": {"kind": "article_ex4", "scaler": scaler},
        "hidden": [[10, "relu"]],
        "optimizer": {"name": "adam"},
        "loss": "mse",
        "epochs": 100,
        "validation_split": validation_split,
    }


def _ex5(activation: str, validation_split: float | None) -> dict:
    return {
        "data": {"kind": "random_labels", "n": 100},
        "hidden": [[10, activation]],
        "output_activation": "sigmoid",
        "optimizer": {"name": "adam"},
        "loss": "binary_crossentropy",
        "metrics": ["accuracy"],
        "epochs": 100,
        "validation_split": validation_split,
    }


def _ex6(learning_rate: float, validation_split: float | None) -> dict:
    return {
        "data": {"kind": "uniform_noise", "n": 100},
        "hidden": [[10, "relu"]],
        "optimizer": {"name": "adam", "learning_rate": learning_rate},
        "loss": "mse",
        "epochs": 100,
        "validation_split": validation_split,
    }


def _variant(data: dict, hidden: list, optimizer: dict, epochs: int, **extra) -> dict:
    return {
        "data": data,
        "hidden": hidden,
        "optimizer": optimizer,
        "loss": extra.pop("loss", "mse"),
        "epochs": epochs,
        "batch_size": extra.pop("batch_size", 32),
        **extra,
    }


_REGRESSION = {"kind": "learnable_regression", "n": 800, "noise": 0.3, "val_n": 200}
_HEALTHY_DATA = {"kind": "learnable_regression", "n": 1500, "noise": 0.5, "val_n": 500}

# NOT_CONVERGED never appears next to SLOW_CONVERGENCE (the analyzer drops it as implied), so
# the slow runs require only the latter; where both a cause and its symptom show (an input
# scale that keeps the loss high and still falling), the cause is the expected primary.

#: Codes that would be plainly wrong on any run whose losses are all finite.
_FINITE = ("NON_FINITE_LOSS",)
_NO_BLOWUP = ("NON_FINITE_LOSS", "DIVERGENCE")

_RANDOM_TARGETS = (
    "targets are independent of the inputs: the best any model can do on unseen data is the "
    "constant-predictor baseline recorded under 'baseline'"
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "ex1_linear_regression_sgd",
        1,
        "LinearRegression on y = x^2 + noise (closed-form scores); curve from SGDRegressor",
        seed=1,
        params={"epochs": 100, "curve_model": "SGDRegressor() defaults, partial_fit per epoch"},
        run=runners.linear_sgd,
        expected=Expected(
            "UNDERFITTING",
            must=("UNDERFITTING",),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION", "POSSIBLE_LEAKAGE"),
            checks=("loss_last_over_baseline >= 0.95", "val_loss_min_over_baseline >= 0.95"),
            reason="a line cannot fit x^2: train MSE {loss_first:.4g} -> {loss_last:.4g} = "
            "{loss_last_over_baseline:.3f} x Var(y_train); val MSE ends at "
            "{val_loss_last_over_baseline:.3f} x its constant-predictor baseline, so val at "
            "{val_over_train_last:.2f} x train is the test split's smaller spread, not leakage",
        ),
        quirks=(
            "'normal(0, 5)' is read as per-sample noise normal(0, 5, 100); taken literally it "
            "is one scalar added to every target (no noise at all); either way a line underfits",
            "val_loss is below loss only because the 20 test points happen to spread less than "
            "the 80 training points (Var 51.6 vs 86.1), not because of leakage",
        ),
    ),
    Scenario(
        "ex2_mlp_fit",
        2,
        "MLPRegressor(10,) fit() on 16 random samples with random targets: loss_curve_ only",
        seed=2,
        params={"n": 20, "mlp": _EX2_MLP},
        run=runners.mlp_fit,
        expected=Expected(
            None,
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION"),
            checks=("loss_reversals <= 0.05", "loss_drop >= 0.5"),
            reason="training-only log: loss_curve_ falls smoothly {loss_first:.3g} -> "
            "{loss_last:.3g} over {epochs} iterations until fit()'s tolerance stops it; without "
            "validation nothing shows that this is memorization",
        ),
        quirks=(
            _RANDOM_TARGETS,
            "loss_curve_ is half the MSE plus the L2 term, not the MSE (see results.train_mse)",
            "fit() stops when the loss improves by less than tol=1e-4 for 10 iterations",
        ),
    ),
    Scenario(
        "ex2_mlp_partial_fit_val",
        2,
        "MLPRegressor(10,) via partial_fit per epoch, MSE on the 16 training and 4 test samples",
        seed=2,
        params={"n": 20, "mlp": _EX2_MLP},
        run=runners.mlp_curve,
        expected=Expected(
            "GENERALIZATION_GAP",
            must=("GENERALIZATION_GAP",),
            must_not=(*_NO_BLOWUP, "TRAIN_VAL_SIMILAR"),
            checks=("val_over_train_last >= 1.8", "val_loss_min_over_baseline >= 1.1"),
            reason="train MSE {loss_first:.3g} -> {loss_last:.3g} while val MSE stays "
            "{val_over_train_last:.2f} x train at the end and never gets below "
            "{val_loss_min_over_baseline:.2f} x the constant-predictor baseline",
        ),
        quirks=(
            _RANDOM_TARGETS,
            "runs as many epochs as the faithful fit() did (results.fit.n_iter); partial_fit "
            "follows fit()'s trajectory exactly (results.partial_fit_follows_fit_trajectory)",
            "validation is 4 samples",
        ),
    ),
    Scenario(
        "ex3_dense128_16_samples",
        3,
        "Dense(128) regression trained on example 2's 16 samples (12 fit, 4 validate)",
        seed=3,
        params=_ex3({"kind": "article_ex2_train", "n": 20}),
        run=runners.keras,
        expected=Expected(
            "GENERALIZATION_GAP",
            must=("GENERALIZATION_GAP",),
            must_not=(*_NO_BLOWUP, "TRAIN_VAL_SIMILAR"),
            checks=("val_over_train_last >= 3", "val_loss_argmin >= 90"),
            reason="loss {loss_first:.3g} -> {loss_last:.3g} on 12 samples, val_loss "
            "{val_loss_first:.3g} -> {val_loss_last:.3g} on 4 samples: val is "
            "{val_over_train_last:.1f} x train at the end, still lowest at epoch "
            "{val_loss_argmin}",
        ),
        quirks=(
            "the article trains on the previous example's 16 training samples by accident; "
            "validation_split=0.2 leaves 12 to fit and 4 to validate",
            _RANDOM_TARGETS,
        ),
    ),
    Scenario(
        "ex3_dense128_1000_samples",
        3,
        "Dense(128) regression on 1000 samples of the same kind (random targets)",
        seed=3,
        params=_ex3({"kind": "uniform_noise", "n": 1000}),
        run=runners.keras,
        expected=Expected(
            "OVERFITTING",
            must=("OVERFITTING",),
            must_not=(*_NO_BLOWUP, "TRAIN_VAL_SIMILAR"),
            checks=(
                "val_loss_argmin <= 30",
                "val_loss_last_over_min >= 1.04",
                "loss_drop >= 0.3",
                "val_loss_min_over_baseline >= 1.0",
            ),
            reason="val_loss min {val_loss_min:.4f} at epoch {val_loss_argmin}, "
            "{val_loss_last:.4f} at the end (never below the constant predictor's "
            "{val_loss_min_over_baseline:.2f}x) while loss keeps falling "
            "{loss_first:.4f} -> {loss_last:.4f}: it memorizes noise",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "ex4_unscaled",
        4,
        "Dense(10) on inputs 1000..4000, targets 1..4, no validation",
        seed=4,
        params=_ex4(None, None),
        run=runners.keras,
        expected=Expected(
            "LOSS_SCALE_ANOMALY",
            must=("LOSS_SCALE_ANOMALY", "NOT_CONVERGED"),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION", "NO_LEARNING"),
            checks=("loss_last_over_baseline >= 1000", "loss_late_drop >= 0.1"),
            reason="MSE {loss_first:.3g} -> {loss_last:.3g}, falling smoothly "
            "({loss_late_drop:.0%} over the last 10 epochs) but still "
            "{loss_last_over_baseline:.3g} x Var(y) = 1.25: the scale of the inputs, not the "
            "task, sets the loss (the cause; not having converged is its symptom)",
        ),
        quirks=("four samples, one batch per epoch: 100 epochs are 100 Adam steps",),
    ),
    Scenario(
        "ex4_unscaled_val",
        4,
        "as ex4_unscaled with validation_split=0.25 (the last sample, x=4000, validates)",
        seed=4,
        params=_ex4(None, 0.25),
        run=runners.keras,
        expected=Expected(
            "LOSS_SCALE_ANOMALY",
            must=("LOSS_SCALE_ANOMALY", "NOT_CONVERGED"),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION", "NO_LEARNING"),
            checks=(
                "loss_last_over_baseline >= 1000",
                "loss_late_drop >= 0.1",
                "val_loss_late_drop >= 0.1",
            ),
            reason="loss {loss_first:.3g} -> {loss_last:.3g} and val_loss {val_loss_first:.3g} "
            "-> {val_loss_last:.3g}, both still falling ~{loss_late_drop:.0%} per 10 epochs, "
            "but {loss_last_over_baseline:.3g} x the training Var(y): the input scale first",
        ),
        quirks=("validation is one sample outside the training range (extrapolation)",),
    ),
    Scenario(
        "ex4_minmax",
        4,
        "Dense(10) on MinMax-scaled inputs, no validation",
        seed=4,
        params=_ex4("minmax", None),
        run=runners.keras,
        expected=Expected(
            "SLOW_CONVERGENCE",
            must=("SLOW_CONVERGENCE",),
            must_not=(
                *_NO_BLOWUP,
                "OVERFITTING",
                "OSCILLATION",
                "LOSS_SCALE_ANOMALY",
                "UNDERFITTING",
            ),
            checks=("loss_last_over_baseline >= 1.5", "loss_late_drop >= 0.04", "loss_drop <= 0.5"),
            reason="scaling fixes the loss scale but 100 Adam steps are not enough: MSE "
            "{loss_first:.3g} -> {loss_last:.3g} in a near-straight line, still "
            "{loss_last_over_baseline:.2f} x Var(y) and falling {loss_late_drop:.0%} per 10 "
            "epochs: slow, not flattened (so not underfitting)",
        ),
        quirks=("the scaler is fitted on all four rows, as in the article",),
    ),
    Scenario(
        "ex4_minmax_val",
        4,
        "as ex4_minmax with validation_split=0.25 (the last sample validates)",
        seed=4,
        params=_ex4("minmax", 0.25),
        run=runners.keras,
        expected=Expected(
            "SLOW_CONVERGENCE",
            must=("SLOW_CONVERGENCE",),
            must_not=(
                *_NO_BLOWUP,
                "OVERFITTING",
                "OSCILLATION",
                "LOSS_SCALE_ANOMALY",
                "UNDERFITTING",
            ),
            checks=(
                "loss_last_over_baseline >= 1.5",
                "loss_late_drop >= 0.04",
                "val_loss_late_drop >= 0.04",
                "loss_drop <= 0.5",
            ),
            reason="loss {loss_first:.3g} -> {loss_last:.3g} ({loss_last_over_baseline:.2f} x "
            "Var(y)) in a near-straight line, val_loss {val_loss_first:.3g} -> "
            "{val_loss_last:.3g}, both still falling: slow, not flattened",
        ),
        quirks=(
            "the scaler is fitted on all four rows including the validation row (a small leak "
            "the article has too); validation is one sample",
        ),
    ),
    Scenario(
        "ex5_sigmoid",
        5,
        "random labels, Dense(10, sigmoid) hidden layer, no validation",
        seed=5,
        params=_ex5("sigmoid", None),
        run=runners.keras,
        expected=Expected(
            "UNDERFITTING",
            must=("UNDERFITTING",),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION"),
            checks=("loss_last_over_baseline >= 0.98",),
            reason="binary cross-entropy {loss_first:.3f} -> {loss_last:.3f} = "
            "{loss_last_over_baseline:.3f} x the constant predictor's {baseline_train:.3f} (about "
            "ln 2): it learned the class balance only",
        ),
        quirks=(_RANDOM_TARGETS, "metrics=['accuracy'] added to show accuracy near 0.5"),
    ),
    Scenario(
        "ex5_sigmoid_val",
        5,
        "random labels, Dense(10, sigmoid), validation_split=0.2",
        seed=5,
        params=_ex5("sigmoid", 0.2),
        run=runners.keras,
        expected=Expected(
            "UNDERFITTING",
            must=("UNDERFITTING", "TRAIN_VAL_SIMILAR"),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "GENERALIZATION_GAP", "OSCILLATION"),
            checks=(
                "loss_last_over_baseline >= 0.98",
                "val_over_train_last <= 1.05",
                "val_over_train_last >= 0.95",
            ),
            reason="loss {loss_last:.3f} and val_loss {val_loss_last:.3f} are similar "
            "(ratio {val_over_train_last:.3f}) and both at the ln 2 level "
            "({loss_last_over_baseline:.3f} x baseline): underfitting, not memorization",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "ex5_relu",
        5,
        "random labels, Dense(10, relu) hidden layer, no validation",
        seed=5,
        params=_ex5("relu", None),
        run=runners.keras,
        expected=Expected(
            "UNDERFITTING",
            must=("UNDERFITTING",),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION"),
            checks=("loss_last_over_baseline >= 0.9",),
            reason="binary cross-entropy {loss_first:.3f} -> {loss_last:.3f}, still "
            "{loss_last_over_baseline:.3f} x the constant predictor; accuracy "
            "{accuracy_last:.2f}",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "ex5_relu_val",
        5,
        "random labels, Dense(10, relu), validation_split=0.2",
        seed=5,
        params=_ex5("relu", 0.2),
        run=runners.keras,
        expected=Expected(
            "OVERFITTING",
            must=("OVERFITTING",),
            must_not=(*_NO_BLOWUP, "OSCILLATION"),
            checks=("val_loss_argmin <= 40", "val_loss_last_over_min >= 1.05", "loss_drop >= 0.1"),
            reason="val_loss min {val_loss_min:.4f} at epoch {val_loss_argmin}, "
            "{val_loss_last:.4f} at the end while loss keeps falling {loss_first:.4f} -> "
            "{loss_last:.4f}: 80 random labels being memorized",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "ex6_lr_1e-4",
        6,
        "random targets, Adam(1e-4), no validation",
        seed=6,
        params=_ex6(1e-4, None),
        run=runners.keras,
        expected=Expected(
            "NOT_CONVERGED",
            must=("NOT_CONVERGED",),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION", "UNDERFITTING"),
            checks=(
                "loss_late_drop >= 0.05",
                "loss_last_over_baseline >= 1.5",
                "loss_reversals <= 0.05",
            ),
            reason="MSE falls smoothly {loss_first:.3g} -> {loss_last:.3g} "
            "({loss_late_drop:.0%} over the last 10 epochs) and is still "
            "{loss_last_over_baseline:.2f} x Var(y): too slow to even reach the mean, and "
            "still falling, so not underfitting",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "ex6_lr_1e-4_val",
        6,
        "random targets, Adam(1e-4), validation_split=0.2",
        seed=6,
        params=_ex6(1e-4, 0.2),
        run=runners.keras,
        expected=Expected(
            "STOPPED_WHILE_IMPROVING",
            must=("STOPPED_WHILE_IMPROVING", "NOT_CONVERGED"),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION", "UNDERFITTING"),
            checks=(
                "loss_late_drop >= 0.05",
                "val_loss_late_drop >= 0.05",
                "val_loss_argmin >= 95",
                "loss_last_over_baseline >= 1.5",
            ),
            reason="loss {loss_first:.3g} -> {loss_last:.3g}, val_loss {val_loss_first:.3g} -> "
            "{val_loss_last:.3g} (lowest at the last epoch), both falling smoothly and still "
            "above the constant predictor ({loss_last_over_baseline:.2f}x, "
            "{val_loss_last_over_baseline:.2f}x)",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "ex6_lr_0.1",
        6,
        "random targets, Adam(0.1), no validation",
        seed=6,
        params=_ex6(0.1, None),
        run=runners.keras,
        expected=Expected(
            "UNDERFITTING",
            must=("UNDERFITTING",),
            must_not=(*_NO_BLOWUP, "OSCILLATION"),
            checks=("loss_last_over_baseline >= 0.85", "loss_max_jump <= 1.5"),
            reason="no oscillation, whatever the article says: loss drops {loss_first:.3g} -> "
            "~{loss_last:.3g} within 10 epochs and then wanders within a few percent of the "
            "constant predictor ({loss_last_over_baseline:.2f} x Var(y))",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "ex6_lr_0.1_val",
        6,
        "random targets, Adam(0.1), validation_split=0.2",
        seed=6,
        params=_ex6(0.1, 0.2),
        run=runners.keras,
        expected=Expected(
            "UNDERFITTING",
            must=("UNDERFITTING",),
            must_not=(*_NO_BLOWUP, "OVERFITTING"),
            checks=("loss_last_over_baseline >= 0.85", "val_loss_last_over_baseline >= 0.8"),
            reason="loss {loss_last:.3g} and val_loss {val_loss_last:.3g} settle at the "
            "constant-predictor level ({loss_last_over_baseline:.2f}x, "
            "{val_loss_last_over_baseline:.2f}x baseline): nothing to learn, nothing learned",
        ),
        quirks=(_RANDOM_TARGETS,),
    ),
    Scenario(
        "var_healthy",
        "variant",
        "Dense(32) on 1500 learnable noisy samples (noise var 0.25), Adam 3e-3, 40 epochs",
        seed=10,
        params=_variant(
            _HEALTHY_DATA,
            [[32, "relu"]],
            {"name": "adam", "learning_rate": 3e-3},
            40,
            batch_size=64,
        ),
        run=runners.keras,
        expected=Expected(
            None,
            must_not=(
                *_NO_BLOWUP,
                "OVERFITTING",
                "OSCILLATION",
                "NO_LEARNING",
                "UNDERFITTING",
                "POSSIBLE_LEAKAGE",
                "LOSS_SCALE_ANOMALY",
            ),
            checks=(
                "val_loss_argmin >= 35",
                "val_over_train_last <= 1.3",
                "val_loss_last_over_baseline <= 0.3",
            ),
            reason="loss {loss_first:.3g} -> {loss_last:.3g} and val_loss {val_loss_first:.3g} "
            "-> {val_loss_last:.3g} (noise floor 0.25) fall together, val lowest at epoch "
            "{val_loss_argmin}, ratio {val_over_train_last:.2f}",
        ),
    ),
    Scenario(
        "var_overfitting",
        "variant",
        "128x128 network on 50 noisy samples (noise var 1), 200 epochs",
        seed=11,
        params=_variant(
            {"kind": "learnable_regression", "n": 50, "noise": 1.0, "val_n": 500},
            [[128, "relu"], [128, "relu"]],
            {"name": "adam", "learning_rate": 1e-3},
            200,
            batch_size=16,
        ),
        run=runners.keras,
        expected=Expected(
            "OVERFITTING",
            must=("OVERFITTING",),
            must_not=(*_NO_BLOWUP, "UNDERFITTING", "NO_LEARNING", "TRAIN_VAL_SIMILAR"),
            checks=(
                "val_loss_argmin <= 40",
                "val_loss_last_over_min >= 1.2",
                "loss_last <= 0.001",
            ),
            reason="val_loss min {val_loss_min:.3g} at epoch {val_loss_argmin}, "
            "{val_loss_last:.3g} after {epochs} epochs ({val_loss_last_over_min:.2f}x) while loss "
            "falls to {loss_last:.2g}",
        ),
    ),
    Scenario(
        "var_oscillation",
        "variant",
        "full-batch gradient descent at lr 0.4: edge-of-stability period-2 oscillation",
        seed=12,
        params=_variant(
            {"kind": "learnable_regression", "n": 500, "noise": 0.3, "val_n": 200},
            [[64, "relu"]],
            {"name": "sgd", "learning_rate": 0.4},
            72,
            batch_size=500,
        ),
        run=runners.keras,
        expected=Expected(
            "OSCILLATION",
            must=("OSCILLATION",),
            must_not=(*_FINITE, "OVERFITTING"),
            checks=("loss_late_reversals >= 0.9", "loss_max_jump >= 1.3"),
            reason="from epoch ~44 the loss alternates up and down every epoch (last 20 epochs: "
            "{loss_late_reversals:.0%} reversals) between about 0.6 and 0.9; spikes to "
            "{loss_max:.3g} on the way",
        ),
        quirks=(
            "one batch per epoch: Keras' training loss is the loss before that epoch's single "
            "update, val_loss the loss after it, so the two alternate out of phase",
        ),
    ),
    Scenario(
        "var_divergence_nan",
        "variant",
        "linear model, full-batch SGD at lr 2.5 (past 2/curvature): grows, overflows, NaN",
        seed=13,
        params=_variant(
            {"kind": "learnable_regression", "n": 500, "noise": 0.3, "val_n": 200},
            [],
            {"name": "sgd", "learning_rate": 2.5},
            64,
            batch_size=500,
        ),
        run=runners.keras,
        expected=Expected(
            "NON_FINITE_LOSS",
            must=("NON_FINITE_LOSS", "DIVERGENCE"),
            must_not=("OVERFITTING", "UNDERFITTING", "TRAIN_VAL_SIMILAR"),
            checks=("loss_max_jump >= 10", "loss_n_nonfinite >= 10", "loss_argmin == 0"),
            reason="loss grows from {loss_first:.3g} (its minimum) by up to {loss_max_jump:.3g}x "
            "per epoch to {loss_max:.3g}, is inf from epoch {loss_first_nonfinite} and NaN "
            "later ({loss_n_nonfinite} non-finite epochs)",
        ),
    ),
    Scenario(
        "var_low_lr",
        "variant",
        "Adam 1e-5 on learnable data: still falling steadily after 100 epochs",
        seed=14,
        params=_variant(_REGRESSION, [[64, "relu"]], {"name": "adam", "learning_rate": 1e-5}, 100),
        run=runners.keras,
        expected=Expected(
            "SLOW_CONVERGENCE",
            must=("SLOW_CONVERGENCE",),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION", "PLATEAU"),
            checks=(
                "loss_reversals <= 0.05",
                "loss_late_drop >= 0.03",
                "loss_last_over_baseline >= 0.5",
            ),
            reason="loss {loss_first:.3g} -> {loss_last:.3g} in a smooth line, still falling "
            "{loss_late_drop:.1%} per 10 epochs and at {loss_last_over_baseline:.2f} x Var(y), "
            "where the noise floor is 0.09/Var(y) ~ 0.07",
        ),
    ),
    Scenario(
        "var_deep_sigmoid_stall",
        "variant",
        "10 sigmoid layers of 32, SGD 0.01, on linearly separable labels: stuck at ln 2",
        seed=15,
        params=_variant(
            {"kind": "learnable_labels", "n": 800, "val_n": 200},
            [[32, "sigmoid"]] * 10,
            {"name": "sgd", "learning_rate": 0.01},
            100,
            loss="binary_crossentropy",
            output_activation="sigmoid",
            metrics=["accuracy"],
        ),
        run=runners.keras,
        expected=Expected(
            "NO_LEARNING",
            must=("NO_LEARNING",),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "OSCILLATION"),
            checks=(
                "loss_last_over_baseline >= 0.99",
                "val_loss_last_over_baseline >= 0.99",
                "val_accuracy_max <= 0.6",
            ),
            reason="loss {loss_first:.4f} -> {loss_last:.4f} = {loss_last_over_baseline:.4f} x "
            "the constant predictor, val accuracy at most {val_accuracy_max:.2f} on labels a "
            "logistic regression separates: consistent with vanishing gradients",
        ),
    ),
    Scenario(
        "var_early_stop_impatient",
        "variant",
        "EarlyStopping(val_loss, patience=2) stops a run that was still improving",
        seed=16,
        params=_variant(
            _REGRESSION,
            [[64, "relu"]],
            {"name": "sgd", "learning_rate": 0.005},
            100,
            batch_size=8,
            early_stopping={"monitor": "val_loss", "patience": 2},
        ),
        run=runners.keras,
        expected=Expected(
            "STOPPED_WHILE_IMPROVING",
            must=("STOPPED_WHILE_IMPROVING",),
            must_not=(*_NO_BLOWUP, "OVERFITTING", "NO_LEARNING", "WASTED_EPOCHS"),
            checks=("epochs <= 20", "loss_argmin >= 10", "val_loss_last_over_min <= 1.02"),
            reason="stopped after {epochs} epochs on a val_loss uptick of "
            "{val_loss_last_over_min:.3f}x while loss was still falling ({loss_first:.3g} -> "
            "{loss_last:.3g}); the same run without the callback reaches a lower val_loss "
            "(results.without_early_stopping)",
        ),
    ),
)


def by_name(name: str) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    raise KeyError(name)
