"""The shape of a learning curve: its noise level, smoothed versions of it, and a convergence
fit that says where it is heading and how much improvement is left.

* :func:`noise_scale`: the MAD of first differences, divided by sqrt(2) and scaled by 1.4826 so
  that it estimates sigma for Gaussian noise around a smooth curve. Differencing removes the
  slowly varying curve, subtracting the median difference removes a constant slope, and the
  MAD ignores spikes. Assumes the noise is roughly independent from point to point; positive
  autocorrelation makes it underestimate the marginal sigma (window first: see ``windowing``).
* :func:`ema`: exponential moving average as TensorBoard's smoothing slider does it (weight
  ``w = 1 - alpha``, debiased so early values are not pulled toward 0, non-finite values passed
  through and skipped), equal to pandas ``ewm(alpha, adjust=True, ignore_na=True)``.
* :func:`running_median` and :func:`hampel`: robust smoothers that one spike cannot move.
* :func:`fit_convergence`: least-squares fits of ``a + b*exp(-t/tau)`` and of the power law
  ``a + b*(t+1)^(-c)`` (the two shapes loss curves are usually described by), chosen by AICc
  (AIC with the small-sample correction; both have 3 parameters, so between them this is the
  lower residual sum of squares). A constant (1 parameter) competes too: when it has the lowest
  AICc the curve shows no convergence signal above its noise, and the result says so with
  ``model == "constant"`` and no remaining improvement, instead of extrapolating noise.
  Starting values come from a grid over the nonlinear parameter with ``a`` and ``b`` solved
  exactly by linear least squares at each grid point (variable projection: a line in the basis,
  in closed form for all grid points at once), refined on two finer grids around the best, so
  Levenberg-Marquardt (MINPACK with analytic Jacobians, called as ``curve_fit`` calls it but
  without its wrappers) starts next to the optimum, needs few iterations and rarely fails;
  when it does, the result says why instead of raising.
  Standard errors come from the covariance, inflated by the residuals' integrated
  autocorrelation time (``n / n_eff``) because loss curve residuals are rarely independent; the
  CI of the remaining improvement uses the delta method with a t quantile (df = n - 3).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg, ndimage, optimize, signal
from scipy.optimize import _minpack  # private: MINPACK lmder as leastsq calls it

from analyzer.stats.autocorr import effective_sample_size
from analyzer.stats.distributions import StudentT
from analyzer.stats.order import median

_MAD_TO_SIGMA = 1.482602218505602  # 1 / Phi^-1(3/4)
MIN_FIT_POINTS = 8


@dataclass(frozen=True)
class NoiseScale:
    """Robust estimate of the point-to-point noise sigma of a series."""

    sigma: float
    n: int
    method: str = "mad_first_differences"
    insufficient: str | None = None

    @property
    def ok(self) -> bool:
        return self.insufficient is None


def noise_scale(values: np.ndarray) -> NoiseScale:
    """``1.4826 * MAD(diff(x)) / sqrt(2)`` over the finite values (needs at least 3)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size < 3:
        return NoiseScale(math.nan, int(x.size), insufficient="fewer than 3 finite values")
    d = x[1:] - x[:-1]
    mad = median(np.abs(d - median(d)))
    return NoiseScale(_MAD_TO_SIGMA * mad / math.sqrt(2.0), int(x.size))


def ema(values: np.ndarray, *, alpha: float | None = None, span: float | None = None) -> np.ndarray:
    """Debiased exponential moving average (TensorBoard smoothing with weight ``1 - alpha``).

    Give ``alpha`` in (0, 1] or ``span`` >= 1 (``alpha = 2 / (span + 1)``, pandas' convention).
    Non-finite inputs are returned unchanged at their positions and do not enter the average.
    """
    if (alpha is None) == (span is None):
        raise ValueError("give exactly one of alpha or span")
    if span is not None:
        if span < 1:
            raise ValueError("span must be >= 1")
        alpha = 2.0 / (span + 1.0)
    if not 0.0 < alpha <= 1.0:
        raise ValueError("alpha must be in (0, 1]")
    x = np.asarray(values, dtype=np.float64).ravel()
    out = x.copy()
    finite = np.isfinite(x)
    xf = x[finite]
    if xf.size == 0:
        return out
    decay = 1.0 - alpha
    biased = signal.lfilter([alpha], [1.0, -decay], xf)
    debias = -np.expm1(np.arange(1, xf.size + 1) * math.log(decay)) if decay > 0 else 1.0
    out[finite] = biased / debias
    return out


def running_median(values: np.ndarray, size: int) -> np.ndarray:
    """Centred running median of ``size`` points over the finite values (edges repeat the
    nearest value); non-finite inputs are returned unchanged at their positions."""
    if size < 1:
        raise ValueError("size must be >= 1")
    x = np.asarray(values, dtype=np.float64).ravel()
    out = x.copy()
    finite = np.isfinite(x)
    if finite.any():
        out[finite] = ndimage.median_filter(x[finite], size=size, mode="nearest")
    return out


def hampel(values: np.ndarray, size: int, n_sigmas: float = 3.0) -> np.ndarray:
    """Hampel filter: replace a finite value by its running median when it lies more than
    ``n_sigmas`` robust sigmas (1.4826 * running MAD) from it. Other values are kept as they
    are, so the curve is only touched where it spikes."""
    x = np.asarray(values, dtype=np.float64).ravel()
    out = x.copy()
    finite = np.isfinite(x)
    if not finite.any():
        return out
    xf = x[finite]
    med = ndimage.median_filter(xf, size=size, mode="nearest")
    mad = ndimage.median_filter(np.abs(xf - med), size=size, mode="nearest")
    spikes = np.abs(xf - med) > n_sigmas * _MAD_TO_SIGMA * mad
    out[finite] = np.where(spikes, med, xf)
    return out


@dataclass(frozen=True)
class ConvergenceFit:
    """The chosen convergence model and what it implies.

    ``params``/``stderr`` are ``(a, b, tau)`` for ``"exponential"`` and ``(a, b, c)`` for
    ``"power"``, with ``t`` measured from the first point; ``(mean, 0, nan)`` for ``"constant"``.
    ``tau`` is NaN unless the model is exponential; ``t90`` is the time from the first point by
    which 90% of the initial gap to the asymptote has closed (0 for a constant).
    ``remaining`` = fitted last value - asymptote (positive for a decreasing curve still
    improving), ``remaining_relative`` = remaining / |fitted last value|; ``remaining_ci`` is
    its ``confidence`` interval. ``inflation`` is the factor (residuals' ``n / n_eff``) the
    covariance was multiplied by.
    ``aic`` holds every model's AICc (NaN for a model that failed).
    """

    model: str
    asymptote: float
    asymptote_se: float
    tau: float
    t90: float
    fitted_last: float
    remaining: float
    remaining_se: float
    remaining_ci: tuple[float, float]
    remaining_relative: float
    params: tuple[float, float, float]
    stderr: tuple[float, float, float]
    aic: dict[str, float]
    residual_sigma: float
    inflation: float
    n: int
    confidence: float
    insufficient: str | None = None

    @property
    def ok(self) -> bool:
        return self.insufficient is None


def _failed(reason: str, n: int, confidence: float, aic: dict | None = None) -> ConvergenceFit:
    nan = math.nan
    return ConvergenceFit(
        "none", nan, nan, nan, nan, nan, nan, nan, (nan, nan), nan, (nan, nan, nan),
        (nan, nan, nan), aic or {}, nan, nan, n, confidence, insufficient=reason,
    )  # fmt: skip


def _aicc(rss: float, n: int, k: int) -> float:
    return n * math.log(max(rss, 1e-300) / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def _constant(y: np.ndarray, aic: dict, confidence: float) -> ConvergenceFit:
    """The curve is flat within its noise: asymptote = mean, nothing left to gain."""
    n = int(y.size)
    mean = float(y.mean())
    inflation = float(n / effective_sample_size(y - mean))
    se = float(y.std(ddof=1) * math.sqrt(inflation / n))
    return ConvergenceFit(
        "constant", mean, se, math.nan, 0.0, mean, 0.0, 0.0, (0.0, 0.0), 0.0,
        (mean, 0.0, math.nan), (se, 0.0, math.nan), aic, float(y.std(ddof=1)), inflation, n,
        confidence,
    )  # fmt: skip


def _exp_model(s, a, b, k):
    return a + b * np.exp(-s / k)


def _exp_jac(s, a, b, k):
    e = np.exp(-s / k)
    return _jacobian(e, b * e * s / (k * k))


def _power_model(s, a, b, c):
    return a + b * np.power(s + 1.0, -c)


def _power_jac(s, a, b, c):
    p = np.power(s + 1.0, -c)
    return _jacobian(p, -b * p * np.log1p(s))


def _jacobian(basis, rate):
    """The columns ``(1, basis, rate)`` as an (n, 3) array: ``np.column_stack``'s result at
    half its cost (Levenberg-Marquardt calls this a few times per fit)."""
    out = np.empty((basis.size, 3))
    out[:, 0] = 1.0
    out[:, 1] = basis
    out[:, 2] = rate
    return out


_GRID_CELLS = 1 << 20  # basis values evaluated at once: bounds the grid's memory on long series
_GRID_ZOOMS = 2  # finer grids around the best value: a closer start saves curve_fit iterations


def _centered(y):
    """``(mean(y), y - mean(y), sum of squares of the latter)``, which every grid shares."""
    y_mean = y.sum() / y.size  # the float y.mean() returns, without its wrapper's cost
    yc = y - y_mean
    return y_mean, yc, float(yc @ yc)


def _best_on_grid(basis, grid, y, centered=None):
    """Least-squares ``a + b * basis(g)`` for every ``g`` in ``grid``; ``(rss, a, b, g)`` of the
    best. With ``g`` fixed the model is a line in the basis: ``b = Sxy / Sxx`` and
    ``a = mean(y) - b * mean(basis)`` in closed form, for a block of grid values at once
    (``basis`` maps a column of g values to one row of basis values each). ``centered`` is
    ``_centered(y)`` when the caller has it."""
    n = y.size
    y_mean, yc, syy = centered or _centered(y)
    block = max(1, _GRID_CELLS // n)
    best = (math.inf, 0.0, 0.0, 0.0)
    for lo in range(0, grid.size, block):
        g = grid[lo : lo + block]
        phi = basis(g[:, None])
        mean = phi.sum(axis=1) / n
        pc = phi - mean[:, None]
        sxx = np.einsum("ij,ij->i", pc, pc)
        sxy = pc @ yc
        # b = 0 where the basis is constant (sxx = 0): the best line is the mean. (The basis
        # values are finite, so sxx is never NaN.)
        slope = np.divide(sxy, sxx, out=np.zeros_like(sxy), where=sxx > 0.0)
        rss = syy - slope * sxy
        i = int(rss.argmin())
        if rss[i] < best[0]:
            a = float(y_mean - slope[i] * mean[i])
            best = (float(rss[i]), a, float(slope[i]), float(g[i]))
    return best


_ZOOM_POINTS = 41
_ZOOM_STEPS = np.arange(_ZOOM_POINTS, dtype=np.float64)


def _zoom_grid(lo, hi):
    """``np.geomspace(lo, hi, 41)`` for positive ``lo < hi``, the same floats computed the same
    way (``10 ** linspace(log10(lo), log10(hi))`` with exact ends) without its generic
    wrapper, which cost more than a grid's least squares."""
    log_lo, log_hi = np.log10((lo, hi))
    grid = np.power(10.0, _ZOOM_STEPS * ((log_hi - log_lo) / (_ZOOM_POINTS - 1)) + log_lo)
    grid[0], grid[-1] = lo, hi
    return grid


def _grid_start(basis, grid, y):
    """Starting ``(a, b, g)`` for a fit of ``a + b * basis(g)``: the best of the geometric
    ``grid`` (variable projection), then of finer grids spanning one step either side of it."""
    centered = _centered(y)
    _, a, b, g = _best_on_grid(basis, grid, y, centered)
    ratio = float(grid[1] / grid[0])
    for _ in range(_GRID_ZOOMS):
        grid = _zoom_grid(g / ratio, g * ratio)
        ratio = float(grid[1] / grid[0])
        _, a, b, g = _best_on_grid(basis, grid, y, centered)
    return a, b, g


# The coarse grids of the two models' nonlinear parameter (rescaled time constant, exponent).
_EXP_GRID = np.geomspace(0.01, 10.0, 40)
_POWER_GRID = np.geomspace(0.02, 5.0, 40)


_MIN_RATE = 1e-3  # lower bound of the time-scale parameter of both models
#: Levenberg-Marquardt converges from the grid's start in a few dozen evaluations when the
#: optimum is inside the bounds; when it is not, it wanders (thousands of evaluations), so it
#: gives up early and the bounded fits of :func:`_curve_fit` take over.
LM_MAX_EVALUATIONS = 100


def _curve_fit(model, jac, u, y, p0, upper):
    """``curve_fit`` of ``a + b * basis(u; p)`` with ``_MIN_RATE <= p <= upper``.

    In order of cost:

    1. Levenberg-Marquardt (:func:`_levenberg_marquardt`, MINPACK in C): from the grid's
       start it converges in a few iterations when the optimum lies inside the bounds,
       several times faster than the bounded trust-region method, whose per-iteration Python
       cost dominated a short run's diagnosis. Both find the same least-squares optimum there.
    2. When it fails, gives up after ``LM_MAX_EVALUATIONS`` or ends outside the bounds, the
       optimum is usually on a bound: :func:`_fit_on_bound` solves that case in closed form.
    3. Otherwise scipy's bounded trust-region method."""
    fit = _levenberg_marquardt(model, jac, u, y, p0)
    if fit is not None and _MIN_RATE <= fit[0][2] <= upper:
        return fit
    on_bound = _fit_on_bound(model, jac, u, y, upper)
    if on_bound is not None:
        return on_bound
    return optimize.curve_fit(
        model, u, y, p0=p0, jac=jac, maxfev=5000,
        bounds=([-np.inf, -np.inf, _MIN_RATE], [np.inf, np.inf, upper]),
    )  # fmt: skip


_LM_TOLERANCE = 1.49012e-8  # leastsq's default ftol and xtol
_LM_SUCCESS = (1, 2, 3, 4)  # MINPACK's "converged" exit codes
_TRTRI = linalg.get_lapack_funcs("trtri", (np.empty((3, 3)),))  # inverse of a triangular matrix


def _levenberg_marquardt(model, jac, u, y, p0):
    """``(popt, pcov)`` of ``curve_fit(model, u, y, p0, jac=jac, method="lm",
    maxfev=LM_MAX_EVALUATIONS)``, or None where it would raise or warn that the covariance
    could not be estimated.

    It runs the same MINPACK ``lmder`` call with the same arguments and computes the covariance
    from its QR factors as ``leastsq`` and ``curve_fit`` do, so the floats are the same; it
    skips their wrappers (input checks, two extra evaluations of model and Jacobian, a
    memoizer, argument parsing), which cost several times MINPACK's own run from the grid's
    close start. ``_minpack._lmder`` is private scipy API: a test compares this with
    ``curve_fit`` bit for bit."""
    x, info, status = _minpack._lmder(
        lambda p: model(u, *p) - y, lambda p: jac(u, *p), np.array(p0, dtype=np.float64), (),
        1, 0, _LM_TOLERANCE, _LM_TOLERANCE, 0.0, LM_MAX_EVALUATIONS, 100, None,
    )  # fmt: skip
    if status not in _LM_SUCCESS:
        return None
    # leastsq's covariance: (R'R)^-1 from the pivoted QR of the last Jacobian, via inv(R).
    r = info["fjac"][:, :3].T.copy()  # np.triu(fjac.T[:3, :]), without np.triu's cost
    r[1, 0] = r[2, 0] = r[2, 1] = 0.0
    inv_r, trtri_status = _TRTRI(r)
    if trtri_status != 0:
        return None
    # ipvt is 0-based since scipy 1.15 (MINPACK in C); 1.14 and older return it 1-based
    inv_r[info["ipvt"]] = inv_r.copy()
    fvec = info["fvec"]
    pcov = (inv_r @ inv_r.T) * ((fvec * fvec).sum() / (fvec.size - 3))
    if np.isnan(pcov).any():
        return None
    return x, pcov


_BOUND_GRID = 64  # time-scale values between the bounds that must all fit worse than a bound


def _fit_on_bound(model, jac, u, y, upper):
    """The least-squares fit when its time scale sits on a bound, else None.

    A curve that is still falling in a straight line makes the power law flatten to its lowest
    exponent (and the exponential's time scale run to its cap), where the bounded trust-region
    method crawls (20-25 ms on 100 points). With the time scale fixed, ``a`` and ``b`` are a
    linear fit, so when a bound beats every value of a fine geometric grid between the bounds,
    the fit there is exact in closed form; the covariance is computed from the Jacobian as
    ``curve_fit`` computes it (pseudo-inverse of J'J, scaled by RSS / (n - 3))."""
    grid = np.geomspace(_MIN_RATE, upper, _BOUND_GRID)
    rss, a, b, p = _best_on_grid(lambda g: model(u, 0.0, 1.0, g), grid, y)
    if p not in (grid[0], grid[-1]) or u.size <= 3:
        return None
    popt = np.array([a, b, p])
    _, sv, vt = np.linalg.svd(jac(u, *popt), full_matrices=False)
    keep = sv > np.finfo(np.float64).eps * max(u.size, 3) * sv[0]
    pcov = (vt[keep].T / sv[keep] ** 2) @ vt[keep] * (rss / (u.size - 3))
    return popt, pcov


def _fit_one(name, s, y, span, steps_unit):
    """Fit one model on rescaled time ``s`` (0..1 for exponential); returns params in the
    caller's time units, their covariance, and the RSS, or a failure reason."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", optimize.OptimizeWarning)
        try:
            if name == "exponential":
                u = s / span
                minus_u = -u  # negated once for all grid values
                a0, b0, k0 = _grid_start(lambda k: np.exp(minus_u / k), _EXP_GRID, y)
                popt, pcov = _curve_fit(_exp_model, _exp_jac, u, y, (a0, b0, k0), 100.0)
                # back to caller's time units: tau = k * span
                jac = np.diag([1.0, 1.0, span])
                popt = popt * np.array([1.0, 1.0, span])
                pcov = jac @ pcov @ jac
            else:
                u = s / steps_unit
                u1 = u + 1.0  # shifted once for all grid values
                a0, b0, c0 = _grid_start(lambda c: np.power(u1, -c), _POWER_GRID, y)
                popt, pcov = _curve_fit(_power_model, _power_jac, u, y, (a0, b0, c0), 20.0)
        except (RuntimeError, ValueError, optimize.OptimizeWarning, np.linalg.LinAlgError) as e:
            return None, f"{name} fit failed: {e}"
    if not (np.isfinite(popt).all() and np.isfinite(pcov).all()):
        return None, f"{name} fit has no finite covariance"
    return (popt, pcov), None


def fit_convergence(
    values: np.ndarray,
    t: np.ndarray | None = None,
    *,
    confidence: float = 0.95,
) -> ConvergenceFit:
    """Fit exponential and power-law convergence to ``values`` (over ``t``, default 0..n-1),
    keep the one with the lower AIC, and report asymptote, time scale, remaining improvement.

    Non-finite values (and their times) are dropped. Fewer than 8 finite points, a constant
    series, or both fits failing give an ``insufficient`` result, never an exception.
    For the power law, ``t`` is counted in the series' median step spacing (epochs for an
    epoch-indexed log), so ``(t+1)`` means "one step after the first point".
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    tt = np.arange(y.size, dtype=np.float64) if t is None else np.asarray(t, np.float64).ravel()
    if tt.size != y.size:
        raise ValueError(f"t has {tt.size} entries, values has {y.size}")
    keep = np.isfinite(y) & np.isfinite(tt)
    y, tt = y[keep], tt[keep]
    n = int(y.size)
    if n < MIN_FIT_POINTS:
        return _failed(f"fewer than {MIN_FIT_POINTS} finite points", n, confidence)
    if (y == y[0]).all():
        return _failed("constant series", n, confidence)
    order = np.argsort(tt, kind="stable")
    y, tt = y[order], tt[order]
    s = tt - tt[0]
    span = float(s[-1])
    if span <= 0:
        return _failed("all points at the same time", n, confidence)
    unit = median(s[1:] - s[:-1]) or span / (n - 1)
    # Fit the standardized curve (well conditioned at any loss scale), then scale back.
    with np.errstate(over="ignore", invalid="ignore"):
        loc = float(y.mean())
        centered = y - loc
        scale = math.sqrt((centered * centered).sum() / n)  # y.std(), the same float, cheaper
    if not 1e-100 < scale < 1e100:
        return _failed("values outside the range a fit can handle", n, confidence)
    back = np.array([scale, scale, 1.0])
    standardized = centered / scale

    fits, aic, reasons = {}, {}, []
    for name in ("exponential", "power"):
        with np.errstate(all="ignore"):
            fit, reason = _fit_one(name, s, standardized, span, unit)
        if fit is None:
            reasons.append(reason)
            aic[name] = math.nan
            continue
        popt, pcov = fit[0] * back, fit[1] * np.outer(back, back)
        popt[0] += loc
        model = _exp_model if name == "exponential" else _power_model
        u = s if name == "exponential" else s / unit
        residual = y - model(u, *popt)
        rss = float((residual * residual).sum())
        aic[name] = _aicc(rss, n, 3)
        fits[name] = (popt, pcov, rss, u, residual)
    if not fits:
        return _failed("; ".join(reasons), n, confidence, aic)
    aic["constant"] = _aicc(float((centered * centered).sum()), n, 1)
    if aic["constant"] < min(aic[k] for k in fits):
        return _constant(y, aic, confidence)

    name = min(fits, key=lambda k: aic[k])
    popt, pcov, rss, u, residual = fits[name]
    a, b, p = (float(v) for v in popt)
    inflation = float(n / effective_sample_size(residual))
    pcov = pcov * inflation
    se = [math.sqrt(max(float(pcov[i, i]), 0.0)) for i in range(3)]

    last = float(u[-1])
    if name == "exponential":
        g = math.exp(-last / p)
        grad = np.array([0.0, g, b * g * last / p**2])
        tau, t90 = p, p * math.log(10.0)
    else:
        g = (last + 1.0) ** (-p)
        grad = np.array([0.0, g, -b * g * math.log(last + 1.0)])
        # A very shallow power law (small c) takes astronomically long to close 90%.
        exponent = 1.0 / p
        t90 = (10.0**exponent - 1.0) * unit if exponent < 300 else math.inf
        tau = math.nan
    remaining = b * g
    remaining_se = float(math.sqrt(max(float(grad @ pcov @ grad), 0.0)))
    q = StudentT(n - 3).ppf(0.5 + confidence / 2.0)
    fitted_last = a + remaining
    return ConvergenceFit(
        model=name,
        asymptote=a,
        asymptote_se=se[0],
        tau=tau,
        t90=t90,
        fitted_last=fitted_last,
        remaining=remaining,
        remaining_se=remaining_se,
        remaining_ci=(remaining - q * remaining_se, remaining + q * remaining_se),
        remaining_relative=remaining / abs(fitted_last) if fitted_last != 0 else math.nan,
        params=(a, b, p),
        stderr=(se[0], se[1], se[2]),
        aic=aic,
        residual_sigma=math.sqrt(rss / (n - 3)),
        inflation=inflation,
        n=n,
        confidence=confidence,
    )
