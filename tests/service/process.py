"""``analyzer-server`` as a subprocess, its JSON log lines collected as they come."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

SERVER = Path(sys.executable).with_name("analyzer-server")


class ServerProcess:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = [str(SERVER), "--address", "127.0.0.1:0", *args]
        self.env = {**os.environ, **(env or {})}
        self.records: list[dict] = []
        self._lines: queue.Queue[dict] = queue.Queue()

    def start(self, listening: int = 1, timeout: float = 60) -> ServerProcess:
        self.proc = subprocess.Popen(
            self.args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=self.env, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()
        try:
            if "--metrics-port" in self.args:
                self.metrics_port = self.wait_for("metrics", timeout)["port"]
            ports = {self.wait_for("listening", timeout)["port"] for _ in range(listening)}
            (self.port,) = ports
        except BaseException:  # a server that did not come up is not left running
            self.__exit__()
            raise
        return self

    def _read(self) -> None:
        for line in self.proc.stderr:
            try:
                record = json.loads(line)
            except ValueError:
                record = {"msg": line.rstrip()}
            self.records.append(record)
            self._lines.put(record)

    def wait_for(self, event: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.proc.poll() is not None and self._lines.empty()):
                raise TimeoutError(f"no {event!r} log line; got {self.records[-5:]}")
            try:
                record = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if record.get("event") == event:
                return record

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def terminate(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def __enter__(self) -> ServerProcess:
        return self if hasattr(self, "proc") else self.start()

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def access_records(self) -> list[dict]:
        return [r for r in self.records if r.get("logger") == "analyzer.service.access"]
