"""Noise scale, smoothers and convergence fits of analyzer.stats.shape."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from analyzer.stats import shape
from analyzer.stats.shape import (
    ema,
    fit_convergence,
    hampel,
    noise_scale,
    running_median,
)


def test_noise_scale_estimates_sigma_of_gaussian_noise_around_a_trend():
    rng = np.random.default_rng(1)
    t = np.arange(20_000)
    for sigma in (0.01, 0.5, 3.0):
        y = 5 * np.exp(-t / 4000) + 0.001 * t + rng.normal(0, sigma, t.size)
        assert noise_scale(y).sigma == pytest.approx(sigma, rel=0.03)


def test_noise_scale_ignores_spikes_and_nan():
    rng = np.random.default_rng(2)
    y = rng.normal(0, 1.0, 5000)
    y[::100] += 50.0
    y[::77] = np.nan
    assert noise_scale(y).sigma == pytest.approx(1.0, rel=0.06)
    assert np.std(y[np.isfinite(y)]) > 4  # the plain sd would be fooled
    assert not noise_scale(np.array([1.0, np.nan])).ok


def test_ema_matches_pandas_and_tensorboard_recursion():
    rng = np.random.default_rng(3)
    x = rng.normal(size=500)
    x[[10, 11, 200]] = np.nan
    x[300] = np.inf
    ref = pd.Series(np.where(np.isfinite(x), x, np.nan)).ewm(alpha=0.2, ignore_na=True).mean()
    out = ema(x, alpha=0.2)
    fin = np.isfinite(x)
    np.testing.assert_allclose(out[fin], ref.to_numpy()[fin], rtol=1e-10, atol=1e-14)
    assert np.isnan(out[[10, 11, 200]]).all() and out[300] == np.inf  # passed through
    # TensorBoard's loop: last = last * w + (1 - w) * x; smoothed = last / (1 - w^k)
    w, last, tb = 0.8, 0.0, []
    for k, v in enumerate(x[fin], start=1):
        last = last * w + (1 - w) * v
        tb.append(last / (1 - w**k))
    np.testing.assert_allclose(out[fin], tb, rtol=1e-10)
    span9 = ema(x, span=9)[fin]  # alpha = 2 / (9 + 1)
    np.testing.assert_allclose(span9, ref.to_numpy()[fin], rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError):
        ema(x, alpha=0.2, span=3)


def test_running_median_and_hampel_resist_spikes():
    rng = np.random.default_rng(4)
    t = np.arange(400)
    clean = 1 + np.exp(-t / 80)
    y = clean + rng.normal(0, 0.01, t.size)
    spikes = [50, 51, 180, 333]
    y[spikes] += 5.0
    y[90] = np.nan
    med = running_median(y, 9)
    assert np.nanmax(np.abs(med - clean)) < 0.05 and np.isnan(med[90])
    h = hampel(y, 9)
    assert np.max(np.abs(h[spikes] - clean[spikes])) < 0.05
    untouched = np.setdiff1d(np.arange(t.size), [*spikes, 90])
    changed = np.flatnonzero(h[untouched] != y[untouched])
    assert changed.size < 0.1 * t.size  # a 9-point MAD is noisy: some 3-"sigma" points move
    assert np.max(np.abs(h[untouched] - y[untouched])) < 0.05  # ... but only to nearby values
    ema_out = ema(y, alpha=0.3)
    assert abs(ema_out[180] - clean[180]) > 0.5  # what the robust smoothers protect against


def test_exponential_fit_recovers_parameters():
    rng = np.random.default_rng(5)
    t = np.arange(120.0)
    a, b, tau = 0.35, 2.0, 25.0
    y = a + b * np.exp(-t / tau) + rng.normal(0, 0.02, t.size)
    f = fit_convergence(y)
    assert f.ok and f.model == "exponential"
    assert f.asymptote == pytest.approx(a, abs=0.02)
    assert f.tau == pytest.approx(tau, rel=0.05)
    assert f.t90 == pytest.approx(f.tau * math.log(10))
    truth = b * math.exp(-119 / tau)
    assert f.remaining == pytest.approx(truth, abs=3 * f.remaining_se + 1e-3)
    assert f.fitted_last == pytest.approx(f.asymptote + f.remaining)
    assert f.remaining_relative == pytest.approx(f.remaining / f.fitted_last)
    assert f.aic["exponential"] < f.aic["power"]


def test_power_law_fit_recovers_parameters_and_steps_as_time():
    rng = np.random.default_rng(6)
    epochs = np.arange(150.0)
    a, b, c = 0.2, 1.5, 0.8
    y = a + b * (epochs + 1) ** -c + rng.normal(0, 0.01, epochs.size)
    f = fit_convergence(y, t=1000 + 50 * epochs)  # steps: 50 per epoch, starting at 1000
    assert f.ok and f.model == "power"
    assert f.params[2] == pytest.approx(c, rel=0.1)
    assert f.asymptote == pytest.approx(a, abs=0.03)
    assert math.isnan(f.tau)
    assert f.t90 == pytest.approx(50 * (10 ** (1 / c) - 1), rel=0.3)  # in steps


def test_remaining_improvement_ci_covers_the_truth_in_most_repetitions():
    rng = np.random.default_rng(7)
    t = np.arange(80.0)
    covered, reps = 0, 60
    truth = 1.5 * math.exp(-79 / 30)
    for _ in range(reps):
        y = 0.5 + 1.5 * np.exp(-t / 30) + rng.normal(0, 0.03, t.size)
        f = fit_convergence(y)
        covered += f.remaining_ci[0] <= truth <= f.remaining_ci[1]
    assert covered / reps >= 0.85


def test_flat_noise_and_degenerate_input_never_raise():
    rng = np.random.default_rng(8)
    for seed in range(5):
        noise = 0.7 + np.random.default_rng(seed).normal(0, 0.05, 60)
        f = fit_convergence(noise)
        assert f.ok
        lo, hi = f.remaining_ci
        assert lo <= 0.0 <= hi or abs(f.remaining) < 0.05
    f = fit_convergence(0.7 + rng.normal(0, 0.05, 60))
    if f.model == "constant":
        assert f.remaining == 0.0 and f.asymptote == pytest.approx(0.7, abs=0.05)
    flat = fit_convergence(np.full(50, 0.3))
    assert not flat.ok and flat.insufficient == "constant series" and math.isnan(flat.remaining)
    assert not fit_convergence(np.array([1.0, 0.5, 0.4])).ok
    assert not fit_convergence(np.full(30, np.nan)).ok
    huge = fit_convergence(np.array([1e300, -1e300] * 10))
    assert not huge.ok and "range" in huge.insufficient


def test_a_very_shallow_power_law_reports_an_infinite_t90_instead_of_overflowing():
    from analyzer.testing.synthetic import case

    c = case("loss_spikes", 1601993554, noise=0.05, length=50)
    train = c.log.get("loss")
    fit = fit_convergence(train.values, train.steps)
    assert fit.t90 > 0  # finite or inf, never an OverflowError


def _lstsq_grid_start(basis, grid, y):
    """The previous grid start, kept as the reference: one np.linalg.lstsq per grid value."""
    best = None
    for g in grid:
        phi = basis(g)
        design = np.column_stack([np.ones_like(phi), phi])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        rss = float(np.sum((y - design @ coef) ** 2))
        if best is None or rss < best[0]:
            best = (rss, float(coef[0]), float(coef[1]), float(g))
    return best


@pytest.mark.parametrize("cells", [shape._GRID_CELLS, 1000])  # one block, or several
def test_closed_form_grid_equals_least_squares_at_every_grid_value(monkeypatch, cells):
    monkeypatch.setattr(shape, "_GRID_CELLS", cells)
    rng = np.random.default_rng(9)
    u = np.linspace(0.0, 1.0, 150)
    for y in (1 + 2 * np.exp(-u / 0.2), 0.3 + (u * 149 + 1) ** -0.7, np.sin(9 * u)):
        y = y + rng.normal(0, 0.05, u.size)
        for basis, grid in (
            (lambda k: np.exp(-u / k), np.geomspace(0.01, 10.0, 40)),
            (lambda c: np.power(149 * u + 1.0, -c), np.geomspace(0.02, 5.0, 40)),
        ):
            ref = _lstsq_grid_start(basis, grid, y)
            got = shape._best_on_grid(basis, grid, y)
            assert got[3] == ref[3]  # the same grid value wins
            np.testing.assert_allclose(got[:3], ref[:3], rtol=1e-9, atol=1e-12)
            # the zoomed start is at least as good as the coarse grid's best
            a, b, g = shape._grid_start(basis, grid, y)
            assert np.sum((y - a - b * basis(g)) ** 2) <= ref[0] * (1 + 1e-12)


def _seeded_curve(seed):
    """Exponential and power-law decays, a decay then a linear rise (overfitting), and a
    learning-rate drop, at three noise levels and 30 to 400 points."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 400))
    t = np.arange(n, dtype=float)
    y = [
        rng.uniform(0.1, 1) + rng.uniform(0.5, 3) * np.exp(-t / rng.uniform(n / 20, n / 2)),
        rng.uniform(0.1, 1) + rng.uniform(0.5, 3) * (t + 1) ** -rng.uniform(0.3, 1.5),
        0.4 + 1.5 * np.exp(-t / (n / 8)) + 0.004 * np.maximum(0, t - n / 2),
        np.where(t < n / 2, 0.6 + 1.5 * np.exp(-t / (n / 8)), 0.3 + 0.2 * np.exp(-(t - n / 2) / 5)),
    ][seed % 4]
    return y + rng.normal(0, rng.choice([0.005, 0.02, 0.05]), n)


def _bounded_trust_region_fit(model, jac, u, y, p0, upper):
    """The previous optimizer: scipy's bounded trust-region method only."""
    bounds = ([-np.inf, -np.inf, 1e-3], [np.inf, np.inf, upper])
    return optimize.curve_fit(model, u, y, p0=p0, jac=jac, bounds=bounds, maxfev=5000)


@pytest.mark.parametrize("seed", range(40))
def test_fit_equals_the_previous_implementation(monkeypatch, seed):
    """The vectorized, zoomed grid start, the analytic Jacobians and Levenberg-Marquardt change
    the path to the optimum, not the optimum: compare with the previous path (lstsq grid,
    finite-difference Jacobians, bounded trust-region method). Parameters differ by the
    optimizer's tolerance, far below their standard error (a tolerance in units of it also
    covers the ill-determined fits, whose parameters wander along a flat valley)."""
    y = _seeded_curve(seed)
    new = fit_convergence(y)
    with monkeypatch.context() as m:
        m.setattr(shape, "_grid_start", lambda *a: _lstsq_grid_start(*a)[1:])
        m.setattr(shape, "_exp_jac", "2-point")
        m.setattr(shape, "_power_jac", "2-point")
        m.setattr(shape, "_curve_fit", _bounded_trust_region_fit)
        old = fit_convergence(y)
    assert new.ok and old.ok and new.model == old.model
    for name in old.aic:
        assert new.aic[name] == pytest.approx(old.aic[name], abs=1e-3)
    se = np.array(old.stderr)
    assert np.all(np.abs(np.subtract(new.params, old.params)) <= 1e-3 * se)
    assert abs(new.remaining - old.remaining) <= 1e-3 * old.remaining_se
    assert new.fitted_last == pytest.approx(old.fitted_last, rel=1e-4)
    assert new.residual_sigma == pytest.approx(old.residual_sigma, rel=1e-6)
    assert new.inflation == pytest.approx(old.inflation, rel=1e-3)
    np.testing.assert_allclose(new.stderr, old.stderr, rtol=1e-2)
    assert new.remaining_se == pytest.approx(old.remaining_se, rel=1e-2)


def _rss(model, u, y, popt) -> float:
    return float(np.sum((y - model(u, *popt)) ** 2))


@pytest.mark.parametrize(
    ("model", "jac", "curve", "p0", "upper"),
    [
        # A straight decline: the exponential's time scale runs to its cap.
        (shape._exp_model, shape._exp_jac, lambda u: 1.0 - 0.3 * u, (1.0, 1.0, 50.0), 100.0),
        # A slow exponential: the power law flattens to its lowest exponent.
        (
            shape._power_model,
            shape._power_jac,
            lambda u: 2.0 * np.exp(-u / 60.0),
            (1.0, 1.0, 0.05),
            20.0,
        ),
    ],
)
def test_an_optimum_on_a_bound_matches_the_bounded_method(model, jac, curve, p0, upper):
    """Levenberg-Marquardt leaves the allowed range; the closed-form fit on the bound agrees
    with scipy's bounded trust-region method (which stops just inside it), fits at least as
    well, and has its covariance."""
    u = np.linspace(0.0, 1.0, 60) if model is shape._exp_model else np.arange(100.0)
    y = curve(u) + np.random.default_rng(0).normal(0, 1e-3, u.size)
    try:
        unbounded, _ = optimize.curve_fit(model, u, y, p0=p0, jac=jac, method="lm", maxfev=100)
        assert not 1e-3 <= unbounded[2] <= upper
    except RuntimeError:
        pass  # wandered off without converging
    popt, pcov = shape._curve_fit(model, jac, u, y, p0, upper)
    expected, expected_cov = _bounded_trust_region_fit(model, jac, u, y, p0, upper)
    assert popt[2] in (1e-3, upper)
    assert _rss(model, u, y, popt) <= _rss(model, u, y, expected) * (1 + 1e-9)
    np.testing.assert_allclose(popt, expected, rtol=1e-3)
    np.testing.assert_allclose(np.sqrt(np.diag(pcov)), np.sqrt(np.diag(expected_cov)), rtol=1e-2)


def _lm_evaluations(monkeypatch, y) -> list[int]:
    """Model evaluations of each Levenberg-Marquardt attempt while fitting ``y``."""
    counts: list[int] = []
    original = shape._levenberg_marquardt

    def counting(model, *args):
        calls = [0]

        def counted(*a):
            calls[0] += 1
            return model(*a)

        try:
            return original(counted, *args)
        finally:
            counts.append(calls[0])

    monkeypatch.setattr(shape, "_levenberg_marquardt", counting)
    assert fit_convergence(y).ok
    return counts


def test_levenberg_marquardt_gives_up_early_when_the_optimum_is_on_a_bound(monkeypatch):
    """A still-falling exponential makes the power law flatten towards its lower exponent
    bound, where Levenberg-Marquardt wanders for thousands of evaluations: it stops after
    LM_MAX_EVALUATIONS and the bounded method takes over."""
    t = np.arange(100.0)
    y = 2.0 * np.exp(-t / 60.0) + np.random.default_rng(1).normal(0, 0.01, t.size)
    assert max(_lm_evaluations(monkeypatch, y)) <= shape.LM_MAX_EVALUATIONS + 1
    monkeypatch.setattr(shape, "LM_MAX_EVALUATIONS", 5000)
    assert max(_lm_evaluations(monkeypatch, y)) > 10 * 100


def _sweep_curves():
    """Seeded curves of every shape the fit meets: the seeded families, a straight decline
    still falling, flat noise, a step down, a noiseless exponential, and a rise."""
    curves = [_seeded_curve(seed) for seed in range(16)]
    rng = np.random.default_rng(11)
    t = np.arange(90.0)
    curves += [
        1.0 - 0.004 * t + rng.normal(0, 0.01, t.size),
        0.7 + rng.normal(0, 0.05, t.size),
        np.where(t < 40, 1.0, 0.4) + rng.normal(0, 0.01, t.size),
        0.3 + 2.0 * np.exp(-t / 9.0),
        0.2 + 0.5 * np.log1p(t) + rng.normal(0, 0.02, t.size),
    ]
    return curves


def _curve_fit_lm(model, jac, u, y, p0):
    """The reference: curve_fit's Levenberg-Marquardt as _curve_fit called it before, None
    where it raised or warned that the covariance could not be estimated."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", optimize.OptimizeWarning)
        try:
            return optimize.curve_fit(
                model, u, y, p0=p0, jac=jac, method="lm", maxfev=shape.LM_MAX_EVALUATIONS
            )
        except (RuntimeError, optimize.OptimizeWarning):
            return None


def test_levenberg_marquardt_returns_curve_fits_floats_bit_for_bit():
    """The direct MINPACK call returns exactly what curve_fit returns (the same run, the same
    covariance arithmetic): from the grid's start, and from poor starts where MINPACK runs
    out of evaluations or converges elsewhere; and fails (None) exactly where curve_fit
    raises. Guards the private ``_minpack._lmder`` call against scipy changes."""
    outcomes = {"same fit": 0, "both failed": 0}
    for y in _sweep_curves():
        y = (y - y.mean()) / y.std()
        s = np.arange(y.size, dtype=float)
        for model, jac, u, grid, basis in (
            (shape._exp_model, shape._exp_jac, s / s[-1], shape._EXP_GRID,
             lambda u: lambda k: np.exp(-u / k)),
            (shape._power_model, shape._power_jac, s, shape._POWER_GRID,
             lambda u: lambda c: np.power(u + 1.0, -c)),
        ):  # fmt: skip
            start = shape._grid_start(basis(u), grid, y)
            for p0 in (start, (0.0, 1.0, 50.0), (5.0, -3.0, 1e-3)):
                with np.errstate(all="ignore"):
                    expected = _curve_fit_lm(model, jac, u, y, p0)
                    got = shape._levenberg_marquardt(model, jac, u, y, p0)
                if expected is None:
                    assert got is None
                    outcomes["both failed"] += 1
                else:
                    assert got is not None
                    assert np.array_equal(got[0], expected[0])
                    assert np.array_equal(got[1], expected[1])
                    outcomes["same fit"] += 1
    assert min(outcomes.values()) >= 3, outcomes
    print(outcomes)  # both branches were exercised


def test_zoom_grid_is_numpy_geomspace_bit_for_bit():
    rng = np.random.default_rng(12)
    for g in np.exp(rng.uniform(np.log(1e-4), np.log(200.0), 500)):
        ratio = float(rng.choice([shape._EXP_GRID[1] / shape._EXP_GRID[0], 1.0 + rng.random()]))
        expected = np.geomspace(g / ratio, g * ratio, 41)
        assert np.array_equal(shape._zoom_grid(g / ratio, g * ratio), expected)
