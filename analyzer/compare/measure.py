"""One run's curve measured over the aligned range: best and final level with uncertainty from
the run's own noise, convergence time constant from a fit, stability, time to a target level.

Noise model. The curve is smoothed as the detectors smooth it (:class:`Curve`: a Hampel filter
that replaces spikes, then a centred running mean of ``w`` points, about a tenth of the run).
The noise ``sigma`` is the robust scale (1.4826 MAD) of the residuals from a quadratic through
the second half of the range, and ``inflation = n / n_eff`` of those residuals (their
integrated autocorrelation time, at least 1) widens every standard error for correlated noise.
Why not the residuals around the running mean: the steep start of a run leaves smoother bias
that passes for noise, and the running mean absorbs the slow part of autocorrelated noise; on
equal synthetic runs with AR(1) noise that made the tests either far too cautious or too bold.

* ``best``: the lowest point of the smoothed curve (highest for accuracy-like metrics); its
  standard error is that of the running mean there, ``sigma * sqrt(inflation * sum(weights^2))``
  (edge padding repeats the end points, so the weights are not all 1/w at the edges). Taking a
  minimum selects favourable noise; on a long flat stretch this biases every run alike and makes
  the standard error conservative (on equal converged runs the Welch statistic's spread is
  about 0.65 instead of 1, so false claims stay well below ``alpha``; ``final`` is calibrated:
  spread 0.97, 5% false claims at alpha = 0.05, see ``bench/compare.py``).
* ``final``: a straight line through the last ``max(5, w)`` points, read at the last point
  (so a curve still falling at the end is not averaged back up), with the line's prediction
  standard error under the same ``sigma`` and inflation.
* ``time_constant``: from :func:`analyzer.stats.shape.fit_convergence`; the time to close
  1 - 1/e of the gap to the asymptote, which is ``tau`` for an exponential fit and
  ``(e^(1/c) - 1)`` steps for a power law ``(t + 1)^-c``, with the delta-method standard error
  from the fit's (autocorrelation-inflated) covariance.
* ``relative_noise``: :func:`analyzer.stats.shape.noise_scale` over the second half divided by
  the smoothed level there; ``spikes``: points at least ``spike_sigmas`` noise scales and
  ``spike_min_relative`` above the smooth curve (the thresholds of LOSS_SPIKES).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analyzer.compare.model import Estimate, Measures
from analyzer.detectors.context import Curve
from analyzer.model import Granularity
from analyzer.settings import Settings
from analyzer.stats.autocorr import effective_sample_size
from analyzer.stats.distributions import StudentT
from analyzer.stats.shape import fit_convergence, noise_scale

_MAD_TO_SIGMA = 1.482602218505602
_FINAL_MIN_POINTS = 5


@dataclass(frozen=True, eq=False)
class Smoothed:
    """A run's finite points over the aligned range, smoothed, with its noise model; kept so
    the time to a target level can be read once the comparison has chosen the target."""

    x: np.ndarray
    y: np.ndarray
    smooth: np.ndarray
    width: int
    sigma: float
    inflation: float

    @property
    def n(self) -> int:
        return int(self.y.size)

    def smooth_se(self, i: int) -> float:
        """Standard error of ``smooth[i]`` from the noise model (NaN when unknown)."""
        n, w = self.n, self.width
        half = w // 2
        counts = np.bincount(np.clip(np.arange(i - half, i + half + 1), 0, n - 1), minlength=n)
        return self.sigma * math.sqrt(self.inflation * float(np.sum(counts.astype(float) ** 2))) / w


def smoothed(x: np.ndarray, y: np.ndarray, granularity: str) -> Smoothed:
    """Smooth the finite points ``(x, y)`` and measure their noise."""
    curve = Curve("compared", x, y, Granularity(granularity))
    n = curve.n_finite
    smooth = curve.smooth
    width = curve.smooth_size if n >= 5 else 1
    sigma, inflation = math.nan, 1.0
    if n >= 5:
        # Residuals from a quadratic through the second half, not from the running mean: the
        # start of a run curves too fast for any smoother (that bias would pass for noise), and
        # a running mean absorbs the slow part of autocorrelated noise (which would hide it).
        part = slice(n // 2 if n >= 16 else 0, None)
        xs, ys = curve.x[part], curve.y[part]
        r = ys - np.polyval(np.polyfit(xs - xs[0], ys, 2 if ys.size >= 6 else 1), xs - xs[0])
        mad = float(np.median(np.abs(r - np.median(r))))
        sigma = _MAD_TO_SIGMA * mad * math.sqrt(r.size / max(r.size - 3, 1))
        inflation = max(1.0, r.size / effective_sample_size(r))
    return Smoothed(curve.x, curve.y, smooth, width, sigma, inflation)


def _interval(value: float, se: float, df: float, at: float, method: str) -> Estimate:
    if not (math.isfinite(se) and math.isfinite(df) and df > 0):
        return Estimate(value=value, se=se, df=df, at=at, method=method)
    q = StudentT(df).ppf(0.975)
    return Estimate(value, se, df, value - q * se, value + q * se, at, method)


def _best(s: Smoothed, sign: float) -> Estimate:
    if s.n == 0:
        return Estimate(method="no finite points")
    i = int(np.argmin(sign * s.smooth))
    df = max(s.n / s.inflation - 2.0, 1.0)
    method = f"extreme of the smoothed curve (running mean of {s.width})"
    return _interval(float(s.smooth[i]), s.smooth_se(i), df, float(s.x[i]), method)


def _final(s: Smoothed) -> Estimate:
    if s.n < 3:
        at = float(s.x[-1]) if s.n else math.nan
        return Estimate(float(s.y[-1]) if s.n else math.nan, at=at, method="last point")
    m = min(s.n, max(_FINAL_MIN_POINTS, s.width))
    x, y = s.x[-m:], s.y[-m:]
    xc = x - x.mean()
    slope = float(xc @ (y - y.mean()) / (xc @ xc))
    end = float(x[-1])
    value = float(y.mean()) + slope * (end - float(x.mean()))
    se = s.sigma * math.sqrt(s.inflation * (1.0 / m + (end - x.mean()) ** 2 / float(xc @ xc)))
    df = max(s.n / s.inflation - 2.0, 1.0)
    return _interval(value, se, df, end, f"line through the last {m} points, at the end")


def _time_constant(s: Smoothed) -> tuple[Estimate, Estimate]:
    """``(time constant, asymptote)`` from the convergence fit."""
    fit = fit_convergence(s.y, s.x)
    if not fit.ok:
        return Estimate(method=f"no fit: {fit.insufficient}"), Estimate(method="no fit")
    df = max(fit.n - 3.0, 1.0)
    asymptote = _interval(fit.asymptote, fit.asymptote_se, df, math.nan, f"{fit.model} fit")
    if fit.model == "exponential":
        tau = _interval(fit.tau, fit.stderr[2], df, math.nan, "exponential fit: tau")
    elif fit.model == "power":
        c, se_c = fit.params[2], fit.stderr[2]
        unit = float(np.median(np.diff(s.x)))
        growth = math.exp(1.0 / c) if 1.0 / c < 700 else math.inf
        value = (growth - 1.0) * unit
        se = growth / c**2 * unit * se_c
        tau = _interval(value, se, df, math.nan, "power-law fit: time to close 1 - 1/e")
    else:
        tau = Estimate(method="constant: no convergence signal above the noise")
    return tau, asymptote


def measure(
    x: np.ndarray,
    y: np.ndarray,
    *,
    granularity: str,
    sign: float,
    settings: Settings,
    points_dropped: int = 0,
) -> tuple[Measures, Smoothed]:
    """Measure one run's curve (``sign`` is 1 when lower is better, -1 when higher is)."""
    finite = np.isfinite(y)
    s = smoothed(x[finite], y[finite], granularity)
    tau, asymptote = _time_constant(s)
    relative_noise, spikes = math.nan, 0
    if s.n >= 6:
        half = slice(s.n // 2, None)
        level = float(np.median(np.abs(s.smooth[half])))
        jitter = noise_scale(s.y[half])
        if jitter.ok and level > 0:
            relative_noise = jitter.sigma / level
    if s.n >= 5 and s.sigma > 0:
        excess = sign * (s.y - s.smooth)  # how far a point is worse than the smooth curve
        relative = excess / np.maximum(np.abs(s.smooth), 1e-300)
        spikes = int(
            np.count_nonzero(
                (excess >= settings.spike_sigmas * s.sigma)
                & (relative >= settings.spike_min_relative)
            )
        )
    measures = Measures(
        points=s.n,
        points_dropped=int(points_dropped),
        best=_best(s, sign),
        final=_final(s),
        noise=s.sigma,
        relative_noise=relative_noise,
        spikes=spikes,
        non_finite=int(np.count_nonzero(~finite)),
        target_reached_at=Estimate(),
        time_constant=tau,
        asymptote=asymptote,
    )
    return measures, s


def reached_at(s: Smoothed, target: float, sign: float) -> Estimate:
    """When the smoothed curve first reaches ``target`` (interpolated between points), with a
    standard error from the smooth's noise over the local slope (delta method); NaN when it
    never does."""
    method = "first crossing of the smoothed curve"
    better = sign * s.smooth <= sign * target
    if not better.any():
        return Estimate(method=f"{method}: not reached")
    i = int(np.argmax(better))
    if i == 0:
        return Estimate(float(s.x[0]), 0.0, math.inf, float(s.x[0]), float(s.x[0]),
                        float(s.x[0]), f"{method}: at the first point")  # fmt: skip
    x0, x1 = float(s.x[i - 1]), float(s.x[i])
    y0, y1 = float(s.smooth[i - 1]), float(s.smooth[i])
    slope = (y1 - y0) / (x1 - x0)
    at = x0 + (target - y0) / slope if slope != 0 else x1
    se = s.smooth_se(i) / abs(slope) if slope != 0 else math.inf
    return _interval(at, se, max(s.n / s.inflation - 2.0, 1.0), at, method)
