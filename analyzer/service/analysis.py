"""Analysis off the event loop, under a concurrency cap and the caller's deadline.

The engine is CPU-bound Python: it runs in a small thread pool so that the event loop keeps
serving other calls (health checks, streams) meanwhile; ``--workers N`` adds whole server
processes to use more cores, ``--analysis-processes N`` analysis processes behind this one
(:mod:`analyzer.service.processes`). At most ``max_concurrent`` analyses may be admitted
(running or queued); beyond that a call is shed at once with ``RESOURCE_EXHAUSTED``, since
queueing it would only make every caller wait longer. A call's deadline travels with it, and
the analysis checks the time left before each expensive step (parsing, then diagnosing).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TypeVar

import grpc

from analyzer.service.errors import ServiceError

T = TypeVar("T")

OVERLOADED = "OVERLOADED"
DEADLINE = "DEADLINE_EXCEEDED"


def deadline_error() -> ServiceError:
    return ServiceError(
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "the deadline passed before the analysis finished",
        reason=DEADLINE,
    )


def check_deadline(deadline: float | None) -> None:
    """Raise DEADLINE_EXCEEDED when ``deadline`` (``time.monotonic()`` based) has passed."""
    if deadline is not None and time.monotonic() >= deadline:
        raise deadline_error()


class AnalysisRunner:
    """Runs analyses in threads (or in the processes of ``executor``, a
    :class:`~analyzer.service.processes.ProcessDispatcher`), admitting at most
    ``max_concurrent`` at a time."""

    def __init__(
        self, *, max_concurrent: int, threads: int = 2, executor: Executor | None = None
    ) -> None:
        self.max_concurrent = max_concurrent
        self._executor = executor or ThreadPoolExecutor(threads, thread_name_prefix="analysis")
        self._admitted = 0

    @property
    def admitted(self) -> int:
        return self._admitted

    async def run(
        self,
        fn: Callable[..., T],
        *args,
        time_remaining: float | None,
        shed: bool = True,
    ) -> T:
        """``fn(*args, deadline=...)`` in a worker thread.

        ``time_remaining`` is the call's (``context.time_remaining()``, None without deadline).
        With ``shed`` a full runner raises RESOURCE_EXHAUSTED instead of queueing.
        """
        if shed and self._admitted >= self.max_concurrent:
            raise ServiceError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"server busy: {self._admitted} analyses in progress (limit "
                f"{self.max_concurrent}); retry with backoff",
                reason=OVERLOADED,
            )
        if time_remaining is not None and time_remaining <= 0:
            raise deadline_error()
        deadline = None if time_remaining is None else time.monotonic() + time_remaining
        loop = asyncio.get_running_loop()
        result = loop.create_future()
        self._admitted += 1
        work = self._executor.submit(fn, *args, deadline=deadline)
        work.add_done_callback(functools.partial(self._wake, loop, result))
        try:
            async with asyncio.timeout(time_remaining):
                return await result
        except TimeoutError:
            raise deadline_error() from None
        finally:
            work.cancel()  # nobody waits for it any more: dropped if still queued

    def _wake(self, loop: asyncio.AbstractEventLoop, result: asyncio.Future, work: Future) -> None:
        """In the thread that finished ``work``: one wake-up of the loop, which releases the
        slot and delivers the result (cheaper than one wake-up for each)."""
        with contextlib.suppress(RuntimeError):  # a closed loop: the server is gone
            loop.call_soon_threadsafe(self._finish, work, result)

    def _finish(self, work: Future, result: asyncio.Future) -> None:
        self._admitted -= 1
        if result.done():  # the caller gave up (deadline, cancellation)
            return
        if work.cancelled():  # dropped by shutdown while the caller still waits
            result.cancel()
            return
        error = work.exception()
        if error is None:
            result.set_result(work.result())
        else:
            result.set_exception(error)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
