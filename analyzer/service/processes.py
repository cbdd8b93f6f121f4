"""Analyses in separate processes, each call handed to whichever process is free.

``--workers N`` runs N whole servers on one port (``SO_REUSEPORT``): the kernel spreads
*connections* over them, so a client with one channel is served by one process, and a few
connections split unevenly leave one process with more calls than the other (the tail latency
of ``bench/service.py`` at concurrency 16 comes from that). With ``--analysis-processes K`` one
server process keeps the gRPC work and this executor sends each analysis to the first free of K
analysis processes, so every call finds the least busy one whatever connection it came on.

It is a ``concurrent.futures.Executor``, the same interface as the thread pool it replaces in
:class:`~analyzer.service.analysis.AnalysisRunner`, kept lean where ``ProcessPoolExecutor`` is
not (a queue feeder and a manager thread per pool, each contending for the GIL with the event
loop; measured 13 % fewer calls per second than threads): a call is pickled and written to an
idle process's pipe by the submitting thread, and one reader thread waits on all pipes, hands
each result to its future and the process its next call. A process that dies (killed, out of
memory) fails its call with :class:`AnalysisProcessDied` and is replaced.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import pickle
import signal
import threading
from concurrent.futures import Executor, Future
from multiprocessing import connection


class AnalysisProcessDied(RuntimeError):
    """The process running a call exited before answering (the server replaced it)."""


def _serve_calls(conn: connection.Connection) -> None:
    """An analysis process: run each pickled ``(fn, args, kwargs)`` and send back
    ``(True, result)`` or ``(False, exception)`` until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    # the imports the first call would otherwise pay
    import analyzer.engine
    import analyzer.ingest  # noqa: F401

    while True:
        try:
            call = conn.recv_bytes()
        except (EOFError, OSError):  # the server closed the pipe or died: nothing more to do
            return
        try:
            fn, args, kwargs = pickle.loads(call)
            outcome = (True, fn(*args, **kwargs))
        except BaseException as exc:  # the caller's to handle, as from a thread
            outcome = (False, exc)
        try:
            data = pickle.dumps(outcome)
        except Exception as exc:  # e.g. a result holding something that cannot be pickled
            data = pickle.dumps((False, RuntimeError(f"unpicklable outcome: {exc!r}")))
        try:
            conn.send_bytes(data)
        except OSError:  # the server is gone (shut down while this call ran)
            return


class _Process:
    """One analysis process, its end of the pipe and the calls sent to it, oldest first (it
    answers them in order)."""

    def __init__(self, context) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve_calls, args=(child,), name="analysis", daemon=True
        )
        self.process.start()
        child.close()
        self.calls: collections.deque[Future] = collections.deque()
        # Sends come from the event loop and from the reader thread: one at a time, each with
        # its future queued first, so that answers (in order) meet their calls.
        self.sending = threading.Lock()
        self.dead = False


#: Calls sent to a process before it answered the first: the second waits in its pipe, so the
#: process starts it at once instead of idling until the server's reader thread, which shares
#: the GIL with the event loop, has sent it (one measured 20 % more calls per second).
CALLS_PER_PROCESS = 2


class ProcessDispatcher(Executor):
    """``processes`` analysis processes; each submitted call goes to a process with a free
    slot (``CALLS_PER_PROCESS`` each), else waits for the first slot freed."""

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise ValueError("analysis processes must be at least 1")
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._pending: collections.deque = collections.deque()
        self._closed = False
        self._processes = [_Process(self._context) for _ in range(processes)]
        # free slots, one entry per call a process can take; the last freed is used first
        self._idle = [p for p in self._processes for _ in range(CALLS_PER_PROCESS)]
        self._stop_read, self._stop_write = self._context.Pipe(duplex=False)
        self._reader = threading.Thread(target=self._read_results, name="analysis-results")
        self._reader.daemon = True
        self._reader.start()

    @property
    def pids(self) -> list[int]:
        return [p.process.pid for p in self._processes]

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit after shutdown")
            if not self._idle:
                self._pending.append((future, fn, args, kwargs))
                return future
            worker = self._idle.pop()
        if future.set_running_or_notify_cancel():
            self._start(worker, future, fn, args, kwargs)
        return future

    def _start(self, worker: _Process, future: Future, fn, args, kwargs) -> None:
        """Send a call to ``worker`` (reserved for it), or take the next one if it cannot go."""
        try:
            data = pickle.dumps((fn, args, kwargs))
        except Exception as exc:
            future.set_exception(exc)
            self._next(worker)
            return
        with worker.sending:
            if worker.dead:  # it died after this slot was taken
                future.set_exception(AnalysisProcessDied("the analysis process exited"))
                return
            worker.calls.append(future)
            # a process dying now: the reader sees its pipe close and fails the call
            with contextlib.suppress(OSError):
                worker.conn.send_bytes(data)

    def _next(self, worker: _Process) -> None:
        """Give ``worker`` the oldest call still wanted, or mark it idle."""
        while True:
            with self._lock:
                if not self._pending or self._closed:
                    self._idle.append(worker)
                    return
                future, fn, args, kwargs = self._pending.popleft()
            if future.set_running_or_notify_cancel():  # False: the caller gave up meanwhile
                self._start(worker, future, fn, args, kwargs)
                return

    def _read_results(self) -> None:
        """The reader thread: each answer to its future, each freed slot its next call."""
        while True:
            by_conn = {p.conn: p for p in self._processes}
            ready = connection.wait([*by_conn, self._stop_read])
            if self._stop_read in ready:
                return
            for conn in ready:
                worker = by_conn[conn]
                try:
                    data = conn.recv_bytes()
                except (EOFError, OSError):
                    self._replace(worker)
                    continue
                try:
                    ok, value = pickle.loads(data)
                except Exception as exc:  # e.g. an exception type that cannot be rebuilt
                    ok, value = False, RuntimeError(f"unreadable analysis outcome: {exc!r}")
                future = worker.calls.popleft()
                (future.set_result if ok else future.set_exception)(value)
                self._next(worker)

    def _replace(self, dead: _Process) -> None:
        """Fail the calls of a process that died, and start another in its place."""
        dead.process.join(timeout=1)
        code = dead.process.exitcode
        with dead.sending:
            dead.dead = True
            dead.conn.close()
            died = f"the analysis process exited (code {code}) during the call"
            for future in dead.calls:
                future.set_exception(AnalysisProcessDied(died))
        with self._lock:
            self._idle = [slot for slot in self._idle if slot is not dead]
            if self._closed:
                self._processes.remove(dead)
                return
        fresh = _Process(self._context)
        self._processes[self._processes.index(dead)] = fresh
        for _ in range(CALLS_PER_PROCESS):
            self._next(fresh)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking calls, cancel the queued ones (no process will take them, whatever
        ``cancel_futures`` says) and close the pipes, which ends each process after its current
        call; ``wait`` waits for that, else the processes are terminated."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pending = list(self._pending)
            self._pending.clear()
        for future, *_ in pending:
            future.cancel()
        self._stop_write.send_bytes(b"")
        self._reader.join()
        for worker in self._processes:
            worker.conn.close()
        for worker in self._processes:
            worker.process.join(timeout=None if wait else 0)
            if worker.process.is_alive() and not wait:
                worker.process.terminate()
