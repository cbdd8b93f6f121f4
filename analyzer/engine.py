"""Runs every detector over a prepared run, isolates failures, ranks the findings and
computes the summary numbers.

A detector that raises is recorded as a :class:`DetectorFailure` (and logged), never fatal:
one broken judgement must not take the others down. Findings made redundant by a stronger one
(``superseded_by`` in the spec: a gap by overfitting) are dropped.
"""

from __future__ import annotations

import logging

import numpy as np

from analyzer.detectors import DETECTORS, PRIORITY, SPECS
from analyzer.detectors.context import RunContext
from analyzer.model import TrainingLog
from analyzer.model.findings import (
    Code,
    DetectorFailure,
    Diagnosis,
    Finding,
    Severity,
    Summary,
    Verdict,
)
from analyzer.model.hints import Hints
from analyzer.settings import DEFAULT_SETTINGS, Settings

_log = logging.getLogger(__name__)


def _rank_key(finding: Finding) -> tuple[int, int, float]:
    return (-int(finding.severity), PRIORITY[finding.code], -finding.confidence)


def _verdict(findings: tuple[Finding, ...]) -> Verdict:
    if any(f.severity is Severity.CRITICAL for f in findings):
        return Verdict.FAILING
    if any(f.severity is Severity.WARNING for f in findings):
        return Verdict.NEEDS_ATTENTION
    if any(f.code is Code.INSUFFICIENT_DATA for f in findings):
        return Verdict.INSUFFICIENT_DATA
    return Verdict.HEALTHY


def summarize(ctx: RunContext) -> Summary:
    """The run in numbers: best epoch, losses, gaps, improvement, convergence estimate."""
    train, val = ctx.train, ctx.val
    values: dict[str, float] = {}
    curve = ctx.primary
    if curve is not None:
        values["epochs"] = float(curve.n)
    if train is not None and train.n_finite:
        values["final_train_loss"] = float(train.y[-1])
        first = float(train.smooth[0])
        if first > 0:
            values["total_relative_improvement"] = (first - float(np.min(train.smooth))) / first
        fit = ctx.train_fit
        if fit is not None and fit.ok:
            values["remaining_improvement"] = fit.remaining
            values["remaining_improvement_relative"] = fit.remaining_relative
    if val is not None and val.n_finite:
        best = ctx.best_val_index
        best_step = float(val.x[best])
        values.update(best_epoch=best_step, best_val_loss=float(val.y[best]),
                      final_val_loss=float(val.y[-1]))  # fmt: skip
        if train is not None and train.n_finite:
            at_best = np.flatnonzero(train.x == best_step)
            train_at_best = (
                float(train.y[at_best[0]]) if at_best.size
                else float(np.interp(best_step, train.x, train.smooth))
            )  # fmt: skip
            values["best_train_loss"] = train_at_best
            values["gap_at_best"] = float(val.y[best]) - train_at_best
            values["final_gap"] = float(val.y[-1]) - float(train.y[-1])
            if train_at_best > 0:
                values["relative_gap_at_best"] = values["gap_at_best"] / train_at_best
            if train.y[-1] > 0:
                values["relative_final_gap"] = values["final_gap"] / float(train.y[-1])
    return Summary(
        epochs=int(values.pop("epochs", 0)),
        granularity=ctx.unit,
        window=ctx.window,
        **{k: float(v) for k, v in values.items()},
    )


def run_detectors(ctx: RunContext) -> tuple[list[Finding], list[DetectorFailure]]:
    findings: list[Finding] = []
    failures: list[DetectorFailure] = []
    for detector in DETECTORS:
        try:
            findings.extend(detector.detect(ctx))
        except Exception as exc:  # a broken detector is recorded, not fatal
            _log.exception("detector %s failed", detector.spec.code)
            failures.append(
                DetectorFailure(str(detector.spec.code), f"{type(exc).__name__}: {exc}")
            )
    return drop_superseded(findings), failures


def drop_superseded(findings: list[Finding]) -> list[Finding]:
    """The findings none of whose superseding codes is itself kept: a finding that a
    stronger one made redundant no longer silences the ones it would have superseded
    (leakage dropped for underfitting lets 'validation below training' explain the gap)."""
    present = {f.code for f in findings}
    kept: dict[Code, bool] = {}

    def keep(code: Code) -> bool:
        if code not in kept:
            kept[code] = True  # provisional: the supersession table has no cycles
            kept[code] = not any(
                keep(other) for other in SPECS[code].superseded_by if other in present
            )
        return kept[code]

    return [f for f in findings if keep(f.code)]


def diagnose(
    log: TrainingLog, *, hints: Hints | None = None, settings: Settings | None = None
) -> Diagnosis:
    """Diagnose one run."""
    return diagnose_prepared(RunContext(log, hints, settings or DEFAULT_SETTINGS))


def diagnose_prepared(ctx: RunContext) -> Diagnosis:
    """Diagnose the run ``ctx`` prepared, for a caller that reads the prepared curves too
    (preparing them is most of the time on a long step log: do it once)."""
    log = ctx.log
    findings, failures = run_detectors(ctx)
    ranked = tuple(sorted(findings, key=_rank_key))
    verdict = _verdict(ranked)
    primary = next((f for f in ranked if f.severity >= Severity.WARNING), None)
    try:
        summary = summarize(ctx)
    except Exception as exc:  # the numbers are a courtesy; the findings stand without them
        _log.exception("summary failed")
        failures.append(DetectorFailure("summary", f"{type(exc).__name__}: {exc}"))
        summary = Summary()
    return Diagnosis(
        verdict=verdict,
        primary=primary,
        findings=ranked,
        summary=summary,
        run_name=log.run_name,
        source_format=log.source_format,
        warnings=(*log.warnings, *((ctx.proxy,) if ctx.proxy else ())),
        failures=tuple(failures),
    )


__all__ = ["diagnose", "diagnose_prepared", "summarize"]
