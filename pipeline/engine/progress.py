"""Progress of long per-document work: run-log lines at intervals, and listeners.

A stage loop creates a :class:`Progress` and calls ``update`` for every
document (source unit) done; every ``interval`` seconds (and at the end) it logs
``<stage>: <done>/<total> documents (<k> unchanged), <n> chars, <chars/s> chars/s``. Listeners
registered with :func:`add_listener` (the headless build's progress bar) are
called on every update in the same process.
"""

from __future__ import annotations

import time
from typing import Callable

Listener = Callable[[str, int, int, int], None]  # (stage, done, total, chars)
_listeners: list[Listener] = []


def add_listener(fn: Listener) -> None:
    _listeners.append(fn)


def remove_listener(fn: Listener) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


class Progress:
    def __init__(self, stage: str, total: int, log: Callable[[str], None], interval: float = 10.0):
        self.stage, self.total, self.log, self.interval = stage, total, log, interval
        self.done = self.chars = self.skipped = 0
        self.started = self.last = time.perf_counter()
        for fn in _listeners:
            fn(stage, 0, total, 0)

    def update(self, chars: int, skipped: bool = False, n: int = 1) -> None:
        self.done += n
        self.skipped += n if skipped else 0
        self.chars += 0 if skipped else chars
        now = time.perf_counter()
        if now - self.last >= self.interval and self.done < self.total:
            self.last = now
            self.log(self.line())
        for fn in _listeners:
            fn(self.stage, self.done, self.total, self.chars)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"{self.stage}: {self.done}/{self.total} documents ({self.skipped} unchanged, skipped), "
            f"{self.chars:,} chars processed, {self.chars_per_second:,.0f} chars/s"
        )

    def finish(self) -> str:
        line = self.line() + f", {self.seconds:.1f} s"
        self.log(line)
        return line
