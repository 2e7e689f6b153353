"""The per-document budget: how large and how slow one document may be.

Belongs here: the limits (read from the environment, documented in the README
and ``docs/reliability.md``) and the timer that turns a runaway document into
an error instead of a hung build.

- ``PIPELINE_DOC_MAX_CHARS`` (default 2,000,000): a document whose normalised
  text is longer is not analysed; it becomes an ``errors`` row of kind
  ``budget`` (0 or less: no limit).
- ``PIPELINE_DOC_SECONDS`` (default 300): the time the analysis of one document
  (NER, entities, relations, facts) may take; over it, the document becomes an
  ``errors`` row of kind ``budget`` and the build goes on (0 or less: no limit).
  The timer is a ``SIGALRM`` interval timer, so it applies in the main thread of
  a process (the worker processes, and the headless build's serial path); in
  another thread only the size limit applies.

The limits are not part of the stored results' cache keys: a document that
was over the budget is analysed again only when its source or the code changes
(or the work folder is removed).
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

DEFAULT_MAX_CHARS = 2_000_000
DEFAULT_SECONDS = 300.0


class BudgetExceeded(Exception):
    """A document went over its time or size budget; the message says which, in words."""


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        return default


def max_chars() -> int:
    """The size budget in characters (0: none)."""
    return max(0, int(_env_number("PIPELINE_DOC_MAX_CHARS", DEFAULT_MAX_CHARS)))


def max_seconds() -> float:
    """The time budget in seconds (0: none)."""
    return max(0.0, _env_number("PIPELINE_DOC_SECONDS", DEFAULT_SECONDS))


def size_problem(chars: int) -> str | None:
    """Why a text of ``chars`` characters is over the size budget, or None."""
    limit = max_chars()
    if limit and chars > limit:
        return (f"document too long: {chars:,} characters, over the per-document budget of {limit:,} "
                "(PIPELINE_DOC_MAX_CHARS); split it into several files or raise the limit")
    return None


@contextmanager
def time_limit(seconds: float | None = None, what: str = "document"):
    """Raise ``BudgetExceeded`` inside the block when it runs longer than ``seconds``.

    Only in the main thread (signals); elsewhere, and with ``seconds`` <= 0, no limit.
    """
    seconds = max_seconds() if seconds is None else seconds
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise BudgetExceeded(
            f"{what} over the per-document time budget of {seconds:g} s (PIPELINE_DOC_SECONDS); "
            "its analysis was stopped"
        )

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
