"""Test helper: stop a server or worker process and everything it started, by PID."""

from __future__ import annotations

import signal

import psutil


def stop(pid: int, timeout: float = 20) -> None:
    """SIGTERM a process and its children, then SIGKILL what is left after ``timeout`` seconds."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
