"""Reading a child process's output in tests: wait, bounded, until a line shows up."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time

import pytest


class OutputReader:
    """Collects a text-mode child's stdout in a thread (``select`` on the pipe misses lines that Python has
    already buffered), so a test can wait for a pattern with a deadline and still see everything printed."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self.proc = proc
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, ""):
            self._queue.put(line)
        self._queue.put(None)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def until(self, pattern: str, seconds: float) -> re.Match[str]:
        """The first match of ``pattern`` in the output so far, waiting at most ``seconds``; fails the test
        with everything the process printed otherwise."""
        deadline = time.monotonic() + seconds
        while True:
            found = re.search(pattern, self.text)
            if found:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                line = self._queue.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
        pytest.fail(f"no {pattern!r} within {seconds:.0f}s; the process printed:\n{self.text}")

    def rest(self, seconds: float) -> str:
        """Everything printed until the process exits (at most ``seconds``)."""
        self.proc.wait(timeout=seconds)
        self._thread.join(timeout=10)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return self.text
