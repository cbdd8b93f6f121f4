"""Live diagnosis of a run while it trains: the framework-free core of the Keras and Lightning
callbacks.

:class:`LiveAnalysis` keeps the whole history of epochs and feeds it to a diagnosis stream:
the service's ``StreamAnalyze`` through a :class:`~analyzer_client.AnalyzerClient` when a
server is given, or :class:`LocalStream` (the same session and engine the server runs,
in-process) when not. The training loop only ever calls :meth:`LiveAnalysis.record`, which
appends to memory and to a queue and returns at once: everything that can wait on the network
or on an analysis runs on one background worker thread.

Why the worker replays: the service keeps nothing between streams (a session lives in its
call), so when a stream breaks, or the server is not up yet, the only way to lose nothing is to
open a new stream and send the whole history again. Reconnection attempts back off
exponentially (0.5 s doubling to 30 s, with jitter), so a dead server costs the training loop
nothing but a list append per epoch, and the worker one failed call per back-off period.

Updates (a diagnosis whenever the findings change) are handed to the training thread, which
reports codes it has not seen before (``on_finding``, or a printed line) and decides a stop
when one of ``stop_on`` appears. A stop is therefore decided at the first epoch end after the
finding arrived, usually the epoch after the one that showed it.

A service that refuses the run for good (a wrong token, invalid hints) is not retried: the
worker says why, once, and analyzes in-process from then on. If the service cannot give the
final diagnosis, :meth:`LiveAnalysis.finish` computes it in-process and says so in the
diagnosis' warnings: the caller always gets one.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

import grpc
from pydantic import ValidationError

from analyzer.engine import diagnose
from analyzer.ingest import IngestLimits
from analyzer.model import Granularity, Hints
from analyzer.model.findings import Code, Diagnosis, Finding, Severity
from analyzer.service.streaming import StreamSession
from analyzer_client.requests import as_hints

_log = logging.getLogger("analyzer_client.live")

#: Status codes after which retrying the same stream cannot succeed.
PERMANENT_CODES = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.FAILED_PRECONDITION,
    }
)

#: Codes that judge a run that has ended: mid-run they only say that training goes on, so they
#: are reported from the final diagnosis only.
END_OF_RUN_CODES = frozenset({Code.NOT_CONVERGED, Code.STOPPED_WHILE_IMPROVING})


class Stream(Protocol):
    """What the worker needs of a diagnosis stream (a client ``LiveStream`` or a
    :class:`LocalStream`)."""

    def send(self, step: float, metrics: Mapping[str, float]) -> None: ...

    def updates(self) -> list[Diagnosis]: ...

    def finish(self, timeout: float | None = None) -> Diagnosis: ...

    def cancel(self) -> None: ...


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnection attempts: ``initial * factor**(failures - 1)``, capped at
    ``maximum``, each spread by up to ``jitter`` (a fraction) so that many trainers cut off by
    the same outage do not all come back in the same instant."""

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.maximum and self.factor >= 1 and 0 <= self.jitter < 1):
            raise ValueError(
                "Backoff needs 0 < initial <= maximum, factor >= 1 and 0 <= jitter < 1"
            )

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after ``failures`` consecutive failed attempts (``failures >= 1``)."""
        exponent = min(failures - 1, 64)  # beyond this the cap has long been reached
        base = min(self.maximum, self.initial * self.factor**exponent)
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return base * (1 + spread)


class LocalStream:
    """A diagnosis stream analyzed in this process, with the service's own
    :class:`~analyzer.service.streaming.StreamSession`: the same name normalization, the same
    re-analysis schedule (every point on short runs, then whenever the run grew by 5 %, so the
    total work stays O(n log n) over a long run) and the same rule for when an update is due.

    Points are only stored by :meth:`send`; the analysis runs in :meth:`updates`, so a batch
    of points sent together costs one analysis.
    """

    def __init__(
        self,
        *,
        run_name: str | None = None,
        hints: Hints | None = None,
        granularity: Granularity = Granularity.EPOCH,
    ) -> None:
        self._session = StreamSession(
            run_name=run_name, hints=hints, granularity=granularity, limits=IngestLimits()
        )

    def send(self, step: float, metrics: Mapping[str, float]) -> None:
        self._session.add([(step, dict(metrics))])

    def updates(self) -> list[Diagnosis]:
        if self._session.points_received == 0 or not self._session.due():
            return []
        diagnosis = self._analyze()
        return [diagnosis] if self._session.changed(diagnosis) else []

    def finish(self, timeout: float | None = None) -> Diagnosis:
        return self._analyze()

    def cancel(self) -> None:
        """Nothing to release: the session is garbage once dropped."""

    def _analyze(self) -> Diagnosis:
        return diagnose(self._session.log(), hints=self._session.hints)


def complete_hints(given: Hints | None, derived: Mapping[str, Any]) -> Hints | None:
    """``given`` completed with what the framework knows about the run (epochs planned,
    optimizer, ...): the user's values win, and a derived value the hints reject (a loss the
    analyzer has no family for) is left out rather than failing the training."""
    values = given.model_dump(exclude_none=True) if given else {}
    for name, value in derived.items():
        if name in values or value is None:
            continue
        try:
            Hints(**{name: value})
        except ValidationError:
            continue
        values[name] = value
    return Hints(**values) if values else None


def as_codes(codes: Iterable[Code | str]) -> frozenset[Code]:
    """Finding codes from their names; an unknown name is a ValueError listing the valid ones."""
    if isinstance(codes, str | Code):
        codes = [codes]
    result = set()
    for code in codes:
        try:
            result.add(Code(str(code).upper()))
        except ValueError:
            valid = ", ".join(c.value for c in Code)
            raise ValueError(f"unknown finding code {code!r}; valid codes: {valid}") from None
    return frozenset(result)


def scalar_metrics(values: Mapping[str, Any]) -> dict[str, float]:
    """The entries that are numbers (Python, NumPy or 0-d tensors), as floats; NaN and
    infinities are kept (they are the evidence of a diverged run), anything else is left out."""
    metrics: dict[str, float] = {}
    for name, value in values.items():
        if isinstance(value, bool | str | bytes):
            continue
        try:
            metrics[str(name)] = float(value)
        except (TypeError, ValueError, RuntimeError):  # lists, non-scalar tensors, ...
            continue
    return metrics


def print_finding(finding: Finding, step: float) -> None:
    """The default reporter: one line per new finding."""
    print(
        f"[loss-analyzer] epoch {step:g}: {finding.code.value} "
        f"({finding.severity.label}): {finding.summary}",
        flush=True,
    )


_FINISH = object()


class LiveAnalysis:
    """Diagnoses a run epoch by epoch; see the module docstring for the why.

    ``server`` is None (analyze in-process), a target such as ``"127.0.0.1:50051"``, or a
    client (anything with ``open_stream``: an :class:`~analyzer_client.AnalyzerClient`).
    ``stop_on`` holds finding codes that should end training; ``on_finding(finding)`` receives
    each new finding of at least ``report_severity`` and each stop code (default: print a
    line), on the training thread.
    ``finish_timeout`` bounds how long :meth:`finish` waits for the service's final diagnosis.
    """

    def __init__(
        self,
        server: Any = None,
        *,
        hints: Hints | Mapping[str, Any] | None = None,
        stop_on: Iterable[Code | str] = (),
        on_finding: Callable[[Finding], object] | None = None,
        run_name: str | None = None,
        report_severity: Severity = Severity.WARNING,
        finish_timeout: float = 10.0,
        backoff: Backoff | None = None,
    ) -> None:
        self.hints = as_hints(hints)
        self.stop_on = as_codes(stop_on)
        self.run_name = run_name
        self.report_severity = Severity(report_severity)
        self.finish_timeout = finish_timeout
        self._on_finding = on_finding
        self._history: list[tuple[float, dict[str, float]]] = []
        self._seen: set[Code] = set()
        self._inbox: list[Diagnosis] = []
        self._lock = threading.Lock()
        #: The latest diagnosis received (the final one after :meth:`finish`).
        self.diagnosis: Diagnosis | None = None
        #: The finding that decided a stop, once one of ``stop_on`` appeared.
        self.stop_reason: Finding | None = None
        self._finished = False
        self._worker = _Worker(self, server, backoff or Backoff())
        self._worker.start()

    # -- the training thread ------------------------------------------------------------

    def record(self, step: float, metrics: Mapping[str, Any]) -> list[Finding]:
        """Add one epoch's metrics (non-numbers are left out) and hand them to the worker;
        returns the new findings reported since the last call. Never waits on the network."""
        if self._finished:
            raise RuntimeError("this run is finished; start a new LiveAnalysis")
        step = float(step)
        if not math.isfinite(step):
            raise ValueError(f"step {step} is not a finite number")
        if self._history and not step > self._history[-1][0]:
            raise ValueError(
                f"step {step:g} does not follow the previous step {self._history[-1][0]:g}; "
                "steps must increase"
            )
        values = scalar_metrics(metrics)
        if values:
            self._history.append((step, values))
            self._worker.wake()
        return self.poll()

    def poll(self) -> list[Finding]:
        """Take the updates that arrived: report new codes, decide a stop; returns the
        findings reported."""
        with self._lock:
            updates, self._inbox = self._inbox, []
        reported: list[Finding] = []
        for diagnosis in updates:
            self.diagnosis = diagnosis
            reported.extend(self._take(diagnosis))
        return reported

    def _take(self, diagnosis: Diagnosis, *, final: bool = False) -> list[Finding]:
        step = self._history[-1][0] if self._history else math.nan
        reported = []
        for finding in diagnosis.findings:
            if finding.code in self.stop_on and self.stop_reason is None:
                self.stop_reason = finding
            if finding.code in self._seen or (finding.code in END_OF_RUN_CODES and not final):
                continue
            self._seen.add(finding.code)
            if finding.severity >= self.report_severity or finding.code in self.stop_on:
                reported.append(finding)
                try:
                    if self._on_finding is None:
                        print_finding(finding, step)
                    else:
                        self._on_finding(finding)
                except Exception:  # a broken reporter must not take the training down
                    _log.exception("on_finding raised for %s", finding.code.value)
        return reported

    @property
    def should_stop(self) -> bool:
        return self.stop_reason is not None

    @property
    def history(self) -> list[tuple[float, dict[str, float]]]:
        """Every recorded epoch as ``(step, {metric: value})``, in order."""
        return list(self._history)

    def finish(self, timeout: float | None = None) -> Diagnosis | None:
        """The final diagnosis of the whole history (waits at most ``timeout``, default
        ``finish_timeout``, for the service; then analyzes in-process), or None when no epoch
        was recorded (or, a bug, the analysis failed: it is logged). Stops the worker; calling
        it again returns the same diagnosis."""
        if self._finished:
            return self.diagnosis
        self._finished = True
        timeout = self.finish_timeout if timeout is None else timeout
        self.poll()
        final = self._worker.finish(timeout)
        if final is None and self._history:
            try:
                final = self.analyze_locally(
                    "the service could not give the final diagnosis; analyzed in-process"
                )
            except Exception:  # the end of training must not fail because of the analyzer
                _log.exception("the in-process analysis of the run failed")
        self.diagnosis = final
        if final is not None:
            self._take(final, final=True)
        return final

    def close(self) -> None:
        """Stop the worker without a final diagnosis (training ended by an exception)."""
        self._finished = True
        self._worker.stop()

    def analyze_locally(self, warning: str | None = None) -> Diagnosis | None:
        """A diagnosis of the history computed in this process (None before any epoch)."""
        history = list(self._history)
        if not history:
            return None
        stream = LocalStream(run_name=self.run_name, hints=self.hints)
        for step, values in history:
            stream.send(step, values)
        diagnosis = stream.finish()
        if warning:
            diagnosis = replace(diagnosis, warnings=(*diagnosis.warnings, warning))
        return diagnosis

    # -- called by the worker -------------------------------------------------------------

    def _deliver(self, updates: list[Diagnosis]) -> None:
        if updates:
            with self._lock:
                self._inbox.extend(updates)


class CallbackCore:
    """What the Keras and Lightning callbacks share: their arguments, one :class:`LiveAnalysis`
    per ``fit``, and the outcome (:attr:`diagnosis`, :attr:`stopped_by`, :attr:`stopped_epoch`).

    ``server``, ``hints``, ``stop_on``, ``on_finding`` and ``run_name`` are those of
    :class:`LiveAnalysis`, and so are the other keywords (``report_severity``,
    ``finish_timeout``, ``backoff``); everything is checked here, when the callback is made.
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
        super().__init__()  # the framework's Callback, next in the callback class' MRO
        self.server = server
        self.hints = as_hints(hints)
        self.stop_on = as_codes(stop_on)
        self.on_finding = on_finding
        self.run_name = run_name
        inspect.signature(LiveAnalysis).bind(None, **live_options)  # TypeError on a typo
        self._live_options = live_options
        #: The analysis of the current (or last) ``fit``.
        self.live: LiveAnalysis | None = None
        #: The final diagnosis, after ``fit`` returned.
        self.diagnosis: Diagnosis | None = None
        #: The finding that stopped training, if one did.
        self.stopped_by: Finding | None = None
        #: The epoch at whose end training was told to stop.
        self.stopped_epoch: int | None = None

    def begin_run(self, derived_hints: Mapping[str, Any]) -> None:
        """A new run (one ``fit``): ``derived_hints`` are what the framework knows about it."""
        self.diagnosis = self.stopped_by = self.stopped_epoch = None
        self.live = LiveAnalysis(
            self.server,
            hints=complete_hints(self.hints, derived_hints),
            stop_on=self.stop_on,
            on_finding=self.on_finding,
            run_name=self.run_name,
            **self._live_options,
        )

    def end_epoch(self, epoch: int, metrics: Mapping[str, Any]) -> bool:
        """Record an epoch; True when training should stop now (the first time only)."""
        self.live.record(epoch, metrics)
        if self.live.should_stop and self.stopped_by is None:
            self.stopped_by, self.stopped_epoch = self.live.stop_reason, epoch
            return True
        return False

    def end_run(self) -> None:
        self.diagnosis = self.live.finish()


class _Worker(threading.Thread):
    """Owns the stream: opens it (lazily, with back-off), replays the history into a new one,
    sends new epochs, collects updates. Only this thread touches the network."""

    def __init__(self, owner: LiveAnalysis, server: Any, backoff: Backoff) -> None:
        super().__init__(name="loss-analyzer-live", daemon=True)
        self._owner = owner
        self._server = server
        self._backoff = backoff
        self._rng = random.Random()
        self._wakeups: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._result: queue.SimpleQueue[Diagnosis | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._client: Any = None
        self._stream: Stream | None = None
        self._local = server is None
        self._refusal: str | None = None  # why the service was given up for good
        self._sent = 0  # history entries the current stream has
        self._failures = 0  # consecutive failed attempts
        self._retry_at = 0.0
        #: Streams opened (1 for an unbroken run); how often a stream failed.
        self.streams_opened = 0
        self.errors = 0

    def wake(self) -> None:
        self._wakeups.put(None)

    def stop(self) -> None:
        self._stop.set()
        self._wakeups.put(None)

    def _drop_stream(self) -> None:
        stream, self._stream, self._sent = self._stream, None, 0
        if stream is not None:
            # It is already broken, or abandoned: cancelling is a courtesy to the server.
            with contextlib.suppress(Exception):
                stream.cancel()

    def finish(self, timeout: float) -> Diagnosis | None:
        self._wakeups.put((_FINISH, time.monotonic() + timeout))
        try:
            return self._result.get(timeout=timeout + 1.0)
        except queue.Empty:
            _log.warning("no final diagnosis from the service within %.1f s", timeout)
            return None

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    message = self._wakeups.get(timeout=self._idle_timeout())
                except queue.Empty:
                    message = None
                if isinstance(message, tuple) and message[0] is _FINISH:
                    self._result.put(self._final(deadline=message[1]))
                    return
                if not self._stop.is_set():
                    self._pump()
        finally:
            self._drop_stream()  # a finished stream ignores the cancel
            if self._client is not None and self._client is not self._server:
                self._client.close()  # the channel this worker made for a target string

    def _idle_timeout(self) -> float | None:
        """Sleep until new epochs arrive, or until the next reconnection attempt when epochs
        wait to be sent (so a long epoch does not delay the catch-up)."""
        if self._stream is not None or self._sent >= len(self._owner._history):
            return None
        return max(0.0, self._retry_at - time.monotonic())

    def _pump(self, *, force: bool = False) -> bool:
        """Send what the stream does not have yet (opening and replaying first if needed);
        True when the stream is up to date."""
        history = self._owner._history
        if len(history) == self._sent and self._stream is not None:
            return True
        if self._stream is None and not force and time.monotonic() < self._retry_at:
            return False
        try:
            if self._stream is None:
                self._stream = self._open()
                self._sent = 0
            stream, end = self._stream, len(history)
            for step, values in history[self._sent : end]:
                stream.send(step, values)
            self._sent = end
            updates = stream.updates()
        except Exception as exc:  # nothing from the analyzer may reach the training loop
            self._broken(exc)
            return False
        if updates:
            # Only an answer proves the service is back: a gRPC stream opens without one and
            # fails later, so counting the open as a success would keep the back-off short.
            if self._failures:
                _log.info("the analyzer service is back; %d epochs replayed", end)
            self._failures = 0
            self._owner._deliver(updates)
        return True

    def _open(self) -> Stream:
        owner = self._owner
        if self._local:
            stream: Stream = LocalStream(run_name=owner.run_name, hints=owner.hints)
        else:
            if self._client is None:
                self._client = _client_for(self._server)
            stream = self._client.open_stream(
                run_name=owner.run_name, hints=owner.hints, granularity="epoch"
            )
        self.streams_opened += 1
        return stream

    def _broken(self, exc: Exception) -> None:
        self.errors += 1
        self._drop_stream()
        code = getattr(exc, "code", None)
        if self._local:  # an in-process analysis failed: a bug, not an outage
            _log.exception("in-process analysis failed")
        elif code in PERMANENT_CODES:
            self._refusal = f"{getattr(code, 'name', code)}: {exc}"
            _log.warning(
                "the analyzer service refused the run (%s); analyzing in-process instead",
                self._refusal,
            )
            self._local = True
            return
        self._failures += 1
        delay = self._backoff.delay(self._failures, self._rng)
        self._retry_at = time.monotonic() + delay
        if self._failures == 1:
            _log.warning(
                "analyzer service unreachable (%s); training goes on, epochs are kept and "
                "will be replayed when it is back",
                exc,
            )

    def _final(self, *, deadline: float) -> Diagnosis | None:
        """The final diagnosis: bring the stream up to date and ``finish`` it, retrying on the
        back-off schedule until the deadline (a server restarted at the end of training, or a
        channel still waiting to reconnect, gets its chance). None when the service cannot
        give it in time."""
        if not self._owner._history:
            return None
        while True:
            if self._pump(force=True):
                try:
                    diagnosis = self._stream.finish(timeout=max(0.0, deadline - time.monotonic()))
                except Exception as exc:
                    self._broken(exc)
                else:
                    return self._noted(diagnosis)
            if self._local:  # an in-process analysis that failed will fail again
                return None
            pause = min(self._retry_at, deadline) - time.monotonic()
            if time.monotonic() >= deadline or self._stop.wait(max(0.0, pause)):
                return None

    def _noted(self, diagnosis: Diagnosis) -> Diagnosis:
        """The diagnosis, with a warning when the service was given up for an in-process
        analysis."""
        if self._refusal is None:
            return diagnosis
        note = f"the service refused the run ({self._refusal}); analyzed in-process"
        return replace(diagnosis, warnings=(*diagnosis.warnings, note))


def _client_for(server: Any) -> Any:
    """A client for a target string; anything with ``open_stream`` is used as it is."""
    if hasattr(server, "open_stream"):
        return server
    from analyzer_client import AnalyzerClient

    return AnalyzerClient(str(server))
