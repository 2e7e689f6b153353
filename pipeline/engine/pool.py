"""A process pool that lives and dies with one build.

``WorkerPool`` is a context manager around ``ProcessPoolExecutor`` (spawn
context): it starts its workers on the first ``submit`` only (a build with
little to do never pays for them), loads the models once per worker
(``nlp.analyse.warm_up``) and stops them when the ``with`` block ends, however
it ends. Nothing about the pool is kept between builds.

Workers die with their build even when the build cannot stop them (``kill -9``
of the build process, or of the Dagster run process): each worker watches its
parent process id and exits as soon as it changes (the parent is gone and the
worker was re-parented). A watchdog thread rather than ``PR_SET_PDEATHSIG``,
because the latter fires when the *thread* that started the worker ends, which
in a long-lived process is not the build's end.

Where the workers run is ``pipeline.executors``' choice: this machine's
processes (the default), or a Dask cluster when ``PIPELINE_DASK_ADDRESS`` is
set. On Dask the parent watchdog is not installed (a Dask worker's parent is its
nanny, and the cluster outlives one build), and a task's documents are not sent
through the scheduler: the worker reads them from the shared work folder.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor, Future

from pipeline.executors import dask_address, make_executor

PARENT_POLL_SECONDS = 0.5


def resolve_workers(workers: int) -> int:
    """``workers`` <= 0 means one per CPU core."""
    return workers if workers > 0 else (os.cpu_count() or 1)


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker as soon as its parent process is gone."""
    event = threading.Event()
    while not event.wait(PARENT_POLL_SECONDS):
        if os.getppid() != parent_pid:
            os._exit(1)


def _init_worker(parent_pid: int | None, warm_up: bool) -> None:
    """Worker initializer: the parent watchdog first (not on Dask: ``None``), then the models (seconds)."""
    if parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True).start()
    if warm_up:
        from pipeline.nlp.analyse import warm_up as load_models

        load_models()  # the segmenter's dictionary, the NER model, the lexicons


class WorkerPool:
    """``with WorkerPool(n) as pool: pool.submit(fn, arg)``; the workers stop at the block's end."""

    def __init__(self, workers: int, warm_up: bool = True):
        self.workers = resolve_workers(workers)
        self.warm_up = warm_up
        self._executor: Executor | None = None

    @property
    def started(self) -> bool:
        return self._executor is not None

    def submit(self, fn, *args) -> Future:
        if self._executor is None:
            # one BLAS thread per worker (set by executors): the pool already uses every core,
            # and BLAS threads beyond that spin against each other
            on_dask = bool(dask_address())
            self._executor = make_executor(
                self.workers,
                initializer=_init_worker,
                initargs=(None if on_dask else os.getpid(), self.warm_up),
                remote_args=_without_documents if on_dask else None,
            )
        return self._executor.submit(fn, *args)

    def worker_pids(self) -> list[int]:
        """The process ids of the running workers (for tests and diagnostics)."""
        if self._executor is None:
            return []
        return [p.pid for p in (getattr(self._executor, "_processes", None) or {}).values()]

    def close(self, cancel: bool = False) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=cancel)
            self._executor = None

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)


def _without_documents(arg):
    """A task's argument as sent to a Dask worker: a unit job without its documents (read from disk).

    The job says what it drops (``for_remote``, next to its fields), so that a renamed field
    cannot silently send every text through the scheduler again."""
    for_remote = getattr(arg, "for_remote", None)
    return for_remote() if callable(for_remote) else arg
