"""AnalysisRunner: results and errors come back, slots are released exactly once, a caller that
gives up drops its queued work, and a closed loop does not break the worker thread."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import grpc
import pytest

from analyzer.service.analysis import AnalysisRunner
from analyzer.service.errors import ServiceError


def _echo(value, *, deadline):
    return value, deadline


def _fail(*, deadline):
    raise ValueError("broken")


def _wait_for(event: threading.Event, *, deadline):
    event.wait(10)
    return "done"


async def _until_released(runner: AnalysisRunner) -> None:
    limit = time.monotonic() + 5
    while runner.admitted and time.monotonic() < limit:
        await asyncio.sleep(0.01)


def test_result_and_deadline_arrive_and_the_slot_is_released():
    async def main():
        runner = AnalysisRunner(max_concurrent=4, threads=2)
        before = time.monotonic()
        value, deadline = await runner.run(_echo, 7, time_remaining=30.0)
        assert value == 7 and before + 29 < deadline < time.monotonic() + 30
        assert await runner.run(_echo, 1, time_remaining=None) == (1, None)
        await _until_released(runner)
        assert runner.admitted == 0
        runner.shutdown()

    asyncio.run(main())


def test_an_exception_in_the_thread_reaches_the_caller():
    async def main():
        runner = AnalysisRunner(max_concurrent=4, threads=1)
        with pytest.raises(ValueError, match="broken"):
            await runner.run(_fail, time_remaining=None)
        await _until_released(runner)
        assert runner.admitted == 0
        runner.shutdown()

    asyncio.run(main())


def test_a_deadline_answers_at_once_and_frees_the_slot_when_the_thread_ends():
    async def main():
        runner = AnalysisRunner(max_concurrent=4, threads=1)
        release = threading.Event()
        with pytest.raises(ServiceError) as caught:
            await runner.run(_wait_for, release, time_remaining=0.05)
        assert caught.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
        assert runner.admitted == 1  # the thread still works on it
        release.set()
        await _until_released(runner)
        assert runner.admitted == 0
        runner.shutdown()

    asyncio.run(main())


def test_a_caller_that_gives_up_drops_its_queued_work():
    ran = []

    def record(*, deadline):
        ran.append(True)

    async def main():
        runner = AnalysisRunner(max_concurrent=4, threads=1)
        release = threading.Event()
        busy = asyncio.create_task(runner.run(_wait_for, release, time_remaining=None))
        queued = asyncio.create_task(runner.run(record, time_remaining=None))
        await asyncio.sleep(0.05)
        queued.cancel()
        await asyncio.sleep(0.05)
        release.set()
        assert await busy == "done"
        await _until_released(runner)
        assert runner.admitted == 0 and ran == []
        runner.shutdown()

    asyncio.run(main())


def test_the_cap_sheds_load():
    async def main():
        runner = AnalysisRunner(max_concurrent=1, threads=1)
        release = threading.Event()
        busy = asyncio.create_task(runner.run(_wait_for, release, time_remaining=None))
        await asyncio.sleep(0.02)
        with pytest.raises(ServiceError) as caught:
            await runner.run(_echo, 1, time_remaining=None)
        assert caught.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED
        release.set()
        await busy
        runner.shutdown()

    asyncio.run(main())


def test_work_finishing_after_the_loop_closed_logs_no_error(caplog):
    release = threading.Event()
    runner = AnalysisRunner(max_concurrent=4, threads=1)

    async def main():
        with pytest.raises(ServiceError):  # the server stops waiting; the thread goes on
            await runner.run(_wait_for, release, time_remaining=0.05)

    asyncio.run(main())  # closes the loop
    with caplog.at_level(logging.ERROR):
        release.set()
        runner._executor.shutdown(wait=True)
    assert not [r for r in caplog.records if "callback" in r.getMessage()]


def test_a_call_still_queued_at_shutdown_is_cancelled_not_left_waiting():
    async def main():
        runner = AnalysisRunner(max_concurrent=4, threads=1)
        release = threading.Event()
        busy = asyncio.create_task(runner.run(_wait_for, release, time_remaining=None))
        queued = asyncio.create_task(runner.run(_echo, 1, time_remaining=None))
        await asyncio.sleep(0.05)
        runner.shutdown()  # cancels the queued work
        release.set()
        assert await busy == "done"
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(queued, 5)

    asyncio.run(main())
