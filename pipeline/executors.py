"""Where the per-document work runs: the stdlib process pool or a Dask cluster.

The engine hands each unit of per-document work to a
``concurrent.futures.Executor`` and collects the results with
``as_completed``. :func:`make_executor` chooses that executor from
``PIPELINE_DASK_ADDRESS``:

* unset or empty: a ``ProcessPoolExecutor`` (spawn) of ``workers`` processes
  (today's behaviour; needs no extra package);
* ``local``: a ``distributed.LocalCluster`` on 127.0.0.1, ``workers`` worker
  processes of one thread each, started and stopped with the executor;
* ``tcp://host:port`` (or ``tls://`` ...): an existing Dask scheduler (``dask
  scheduler`` + ``dask worker`` processes, dask-jobqueue, dask-kubernetes);
* the path of a scheduler file (``dask scheduler --scheduler-file``): the same.

On Dask (the ``dask`` extra) the executor is ``Client.get_executor()``, whose
futures are ``concurrent.futures`` futures. The differences to the pool:

* every worker runs the pool's ``initializer`` once, through a worker plugin
  (:class:`WarmUp`), also on a worker that joins or restarts later;
* little background work (a slower event-loop tick and system monitor, no
  statistical profiler): Dask's defaults cost CPU for every second a build lasts;
* one BLAS thread per worker (Dask's own nanny default) and *no*
  ``MALLOC_TRIM_THRESHOLD_``: the nanny sets it to 65536 in the workers it
  spawns, which disables glibc's dynamic mmap threshold and cost 25-45 % more
  CPU on this workload. :data:`DASK_CONFIG` unsets it for a ``local`` cluster;
  a cluster started elsewhere needs the same setting (``deploy/dask.yaml``),
  and :class:`WarmUp` warns when a worker still has it;
* ``remote_args`` (given by the engine) slims each task's arguments before they
  go to the scheduler: a worker reads the unit's documents from the shared
  work folder instead of receiving them through the scheduler;
* a task whose worker dies is re-run elsewhere by the scheduler (up to
  ``distributed.scheduler.allowed-failures`` times), and a task that raises is
  retried ``TASK_RETRIES`` times (a transient file-system error on shared storage).

Inside a daemonic process (a Celery prefork child), which may not start
processes, the pool is replaced by a thread pool with a warning: correct
results, no parallelism. Run such workers with ``-P solo`` (``docs/deployment.md``).

This module imports neither Dagster nor ``distributed`` at import time.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import warnings
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable, Iterator

ADDRESS_ENV = "PIPELINE_DASK_ADDRESS"
MIN_CHARS_ENV = "PIPELINE_MIN_CHARS_FOR_POOL"
TASK_RETRIES = 2
PLUGIN_NAME = "pipeline-warm-up"
# Dask configuration of the cluster this module starts (``local``) and, as
# deploy/dask.yaml, of clusters started elsewhere.
DASK_CONFIG: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,  # None: not set at all
    "distributed.nanny.pre-spawn-environ.OMP_NUM_THREADS": 1,
    "distributed.nanny.pre-spawn-environ.OPENBLAS_NUM_THREADS": 1,
    "distributed.nanny.pre-spawn-environ.MKL_NUM_THREADS": 1,
    # Dask's background work costs CPU for every second a build lasts: idle, a local cluster of
    # two workers used 0.13 cores by default, 0.02 with these (measured; BENCHMARKS.md). The event
    # loop's tick (default 20 ms, only used to warn about a blocked loop) is most of it, then the
    # workers' statistical profiler (every 10 ms) and the system monitor (every 500 ms).
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
}
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def dask_address() -> str:
    """``PIPELINE_DASK_ADDRESS``, stripped ("" when unset)."""
    return os.environ.get(ADDRESS_ENV, "").strip()


def min_chars_for_pool(default: int) -> int:
    """The engine's threshold below which it does not start a pool (``PIPELINE_MIN_CHARS_FOR_POOL``)."""
    value = os.environ.get(MIN_CHARS_ENV, "").strip()
    return int(value) if value else default


def make_executor(
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    remote_args: Callable[[Any], Any] | None = None,
) -> Executor:
    """The executor for the per-document work (see the module docstring).

    ``workers``: processes of the pool, or workers of a ``local`` cluster (a
    cluster joined by address has its own size). ``initializer(*initargs)`` runs
    once in every worker. ``remote_args`` maps each positional argument of a task
    before it is sent to a Dask worker.
    """
    address = dask_address()
    if not address or (address == "local" and multiprocessing.current_process().daemon):
        return _process_pool(workers, initializer, initargs)
    return DaskExecutor(address, workers, initializer, initargs, remote_args)


@contextlib.contextmanager
def executor(workers: int, initializer=None, initargs: tuple = (), remote_args=None) -> Iterator[Executor]:
    """:func:`make_executor` as a context manager: shut down (pending tasks cancelled) on exit."""
    ex = make_executor(workers, initializer, initargs, remote_args)
    try:
        yield ex
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _process_pool(workers: int, initializer, initargs: tuple) -> Executor:
    # one BLAS thread per worker (the NER network's matrix products): the pool already uses every
    # core, and BLAS threads beyond that spin against each other (a full build took 4x as long)
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")
    if multiprocessing.current_process().daemon:
        warnings.warn(
            "this is a daemonic process (e.g. a Celery prefork child), which may not start worker "
            "processes: the per-document work runs in threads of this process, without parallelism. "
            "Start Celery workers with `-P solo` (docs/deployment.md) to use every core.",
            RuntimeWarning,
            stacklevel=3,
        )
        return ThreadPoolExecutor(max_workers=1, initializer=initializer, initargs=initargs)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )


class WarmUp:
    """Worker plugin: run the pool's initializer once in each Dask worker (when it joins)."""

    idempotent = False

    def __init__(self, initializer: Callable[..., None] | None, initargs: tuple = ()):
        self.initializer = initializer
        self.initargs = initargs

    def setup(self, worker=None) -> None:
        for var in BLAS_THREAD_VARS:
            os.environ.setdefault(var, "1")
        if os.environ.get("MALLOC_TRIM_THRESHOLD_"):
            logging.getLogger("distributed.worker").warning(
                "MALLOC_TRIM_THRESHOLD_=%s is set in this worker: it costs 25-45 %% more CPU on the "
                "pipeline's work; start workers with DASK_CONFIG=deploy/dask.yaml (docs/deployment.md)",
                os.environ["MALLOC_TRIM_THRESHOLD_"],
            )
        if self.initializer is not None:
            self.initializer(*self.initargs)

    def teardown(self, worker=None) -> None:
        pass


class DaskExecutor(Executor):
    """A ``concurrent.futures`` executor on a Dask cluster (started here for ``local``, else joined)."""

    def __init__(self, address: str, workers: int, initializer=None, initargs: tuple = (), remote_args=None):
        try:
            import dask
            from distributed import Client, LocalCluster, WorkerPlugin
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise RuntimeError(
                f"{ADDRESS_ENV}={address!r} needs the `dask` extra: pip install -e '.[dask]'"
            ) from exc
        self.remote_args = remote_args
        self.cluster = None
        with dask.config.set(DASK_CONFIG):
            if address == "local":
                self.cluster = LocalCluster(
                    n_workers=max(1, workers),
                    threads_per_worker=1,  # the NLP is pure Python: one thread per process
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    memory_limit=0,  # like the pool: no per-worker memory cap
                )
                self.client = Client(self.cluster)
            elif "://" in address:
                self.client = Client(address)
            elif os.path.isfile(address):
                self.client = Client(scheduler_file=address)
            else:
                raise ValueError(
                    f"{ADDRESS_ENV}={address!r}: expected 'local', a scheduler address (tcp://host:port) "
                    "or the path of an existing scheduler file"
                )
        plugin = type("PipelineWarmUp", (WarmUp, WorkerPlugin), {})(initializer, initargs)
        self.client.register_plugin(plugin, name=PLUGIN_NAME)
        self._executor = self.client.get_executor(pure=False, retries=TASK_RETRIES)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self.remote_args is not None:
            args = tuple(self.remote_args(a) for a in args)
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            self._executor.shutdown(wait=wait and not cancel_futures)  # wait=False cancels our tasks
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
                self.cluster = None
