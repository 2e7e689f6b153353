"""The per-document work on Dask (``PIPELINE_DASK_ADDRESS``, ``pipeline.executors``), for real.

Every build here is ``python -m pipeline build`` in a subprocess with its own
``DAGSTER_HOME`` and output folder, ``PIPELINE_WORKERS=2``, and the pool
threshold lowered (``PIPELINE_MIN_CHARS_FOR_POOL``) so that small corpora go
through the executor too. A build with the stdlib process pool is the
reference; every published table of a Dask build must equal it:

* ``local``: a ``LocalCluster`` on 127.0.0.1 (the small corpus; the >= 500,000
  character slice of ``../shared/corpus/xwlb.jsonl`` is the ``slow`` variant,
  skipped without it or set ``PIPELINE_TEST_CORPUS``);
* a real TCP cluster: ``dask scheduler`` + two ``dask worker`` subprocesses on
  127.0.0.1 started with ``DASK_CONFIG=deploy/dask.yaml``, joined by address and
  by the scheduler's file; one worker process is killed by PID half-way through
  a build, which still succeeds;
* incremental under Dask: one new record, exactly one unit processed.

The small corpus is made from the repo's sample article (its sentences
shuffled into records), so the module needs nothing outside the repo. Skipped
where ``distributed`` is not installed (the ``dask`` extra). Every process
started here is stopped by its PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.workdir import Workdir
from sample_corpus import synthetic_records, write_jsonl
from processes import stop
from conftest import REPO, free_port

distributed = pytest.importorskip("distributed", reason="distributed is not installed (pip install -e '.[dask]')")
psutil = pytest.importorskip("psutil")

DASK_YAML = REPO / "deploy" / "dask.yaml"
BUILD_TIMEOUT = 600
EXTRACTIONS_DIR = "document_extractions"


def build_env(home: Path, address: str | None, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PIPELINE_DASK_ADDRESS", "DAGSTER_HOME")}
    env.update({
        "PYTHONPATH": str(REPO),
        "DAGSTER_HOME": str(home),
        "PIPELINE_WORKERS": "2",
        "PIPELINE_MIN_CHARS_FOR_POOL": "0",
    })
    if address:
        env["PIPELINE_DASK_ADDRESS"] = address
    env.update(extra)
    return env


def build_cmd(raw: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "build", "--raw", str(raw), "--out", str(out), "--no-progress"]


def build(raw: Path, base: Path, address: str | None, out: Path | None = None) -> Path:
    """Build ``raw`` into ``base/out`` (or ``out``); returns the output folder."""
    home, out = base / "home", out or base / "out"
    home.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(build_cmd(raw, out), cwd=REPO, env=build_env(home, address),
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, f"build ({address or 'pool'}) failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return out


def published_tables(out: Path) -> dict:
    latest = (out / "latest").resolve()
    return {name: pq.read_table(latest / f"{name}.parquet") for name in schema.TABLES}


def assert_tables_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        ta, tb = a[name].replace_schema_metadata(None), b[name].replace_schema_metadata(None)
        assert ta.num_rows == tb.num_rows, (name, ta.num_rows, tb.num_rows)
        assert ta.equals(tb), f"table {name} differs"
    assert a["documents"].num_rows > 0 and a["mentions"].num_rows > 0


def units_written(out: Path, since: float) -> set[str]:
    """Units whose extraction results were (re)computed after ``since`` (per-unit files, or the
    time the chunk index keeps for each unit)."""
    folder = out / "work" / EXTRACTIONS_DIR
    loose = {f.name.split(".mentions.parquet")[0] for f in folder.glob("*.mentions.parquet")
             if f.stat().st_mtime >= since}
    entries = Workdir(out).chunks(EXTRACTIONS_DIR).entries()
    return loose | {k for k, e in entries.items() if e.made >= since * 1e9}


# ---- the executor alone ----------------------------------------------------------


def _worker_state(arg):
    env = os.environ.get
    return os.getpid(), env("MALLOC_TRIM_THRESHOLD_"), env("OPENBLAS_NUM_THREADS"), env("PIPELINE_TEST_WARMED"), arg


def _mark_warm(value):
    os.environ["PIPELINE_TEST_WARMED"] = value


def test_no_address_is_the_stdlib_pool(monkeypatch):
    from concurrent.futures import ProcessPoolExecutor

    from pipeline import executors

    monkeypatch.delenv("PIPELINE_DASK_ADDRESS", raising=False)
    with executors.executor(1) as ex:
        assert type(ex) is ProcessPoolExecutor


def test_bad_address_is_a_clear_error(monkeypatch, tmp_path):
    from pipeline import executors

    monkeypatch.setenv("PIPELINE_DASK_ADDRESS", str(tmp_path / "no-such-scheduler.json"))
    with pytest.raises(ValueError, match="scheduler file"):
        executors.make_executor(1)


def test_local_cluster_warms_up_workers_without_malloc_trim(monkeypatch):
    from concurrent.futures import as_completed

    from pipeline import executors

    monkeypatch.setenv("PIPELINE_DASK_ADDRESS", "local")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    with executors.executor(2, _mark_warm, ("yes",), remote_args=lambda x: x + 1) as ex:
        assert isinstance(ex, executors.DaskExecutor)
        futures = [ex.submit(_worker_state, i) for i in range(8)]
        states = [f.result(timeout=120) for f in as_completed(futures, timeout=120)]
        cluster_pids = {p.pid for p in psutil.Process().children(recursive=True)}
    pids = {s[0] for s in states}
    assert pids <= cluster_pids and os.getpid() not in pids  # ran in the cluster's worker processes
    assert {s[1:4] for s in states} == {(None, "1", "yes")}  # no malloc trim, one BLAS thread, warmed up
    assert sorted(s[4] for s in states) == list(range(1, 9))  # remote_args applied before sending
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ  # the nanny did not poison this process either


# ---- builds ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A raw folder of 60 synthetic records and the pool's build of it (the reference)."""
    base = tmp_path_factory.mktemp("dask-small")
    raw = base / "raw"
    write_jsonl(raw / "news.jsonl", synthetic_records(60))
    out = build(raw, base / "pool", None)
    return {"raw": raw, "base": base, "tables": published_tables(out)}


def test_local_cluster_build_equals_pool(small):
    out = build(small["raw"], small["base"] / "local", "local")
    assert_tables_equal(published_tables(out), small["tables"])


def _corpus_path() -> Path | None:
    for cand in (os.environ.get("PIPELINE_TEST_CORPUS"), REPO.parent / "shared" / "corpus" / "xwlb.jsonl"):
        if cand and Path(cand).is_file():
            return Path(cand)
    return None


@pytest.mark.slow
def test_local_cluster_equals_pool_on_half_a_million_characters(tmp_path):
    corpus = _corpus_path()
    if corpus is None:
        pytest.skip("../shared/corpus/xwlb.jsonl is not here (or set PIPELINE_TEST_CORPUS)")
    lines, chars = [], 0
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            if chars >= 500_000:
                break
            lines.append(line)
            chars += len(json.loads(line).get("text", ""))
    assert chars >= 500_000, f"the corpus has only {chars} characters"
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "xwlb.jsonl").write_text("".join(lines), encoding="utf-8")
    pool = published_tables(build(raw, tmp_path / "pool", None))
    local = published_tables(build(raw, tmp_path / "local", "local"))
    assert_tables_equal(local, pool)
    assert local["documents"].num_rows == len(lines)


class TcpCluster:
    """``dask scheduler`` and ``dask worker`` subprocesses on 127.0.0.1 (workers with deploy/dask.yaml)."""

    def __init__(self, base: Path, n_workers: int = 2):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.base = base
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "DASK_CONFIG": str(DASK_YAML)}
        self.env.pop("PIPELINE_DASK_ADDRESS", None)
        self.scheduler_file = base / "scheduler.json"
        self.scheduler = self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                                   "--scheduler-file", str(self.scheduler_file), "--no-dashboard"])
        self.workers = [
            self._start(f"worker{i}", ["worker", self.address, "--host", "127.0.0.1", "--nworkers", "1",
                                       "--nthreads", "1", "--memory-limit", "0", "--no-dashboard"])
            for i in range(n_workers)
        ]
        with distributed.Client(self.address, timeout=60) as client:
            client.wait_for_workers(n_workers, timeout=120)

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.base / f"{name}.log", "wb")
        return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=self.base, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)

    def worker_processes(self, i: int) -> list:
        """The worker process(es) that the nanny ``dask worker`` number ``i`` spawned: not the
        nanny's multiprocessing resource tracker, which is its child too (and has neither the
        workers' environment nor their tasks)."""
        procs = []
        for p in psutil.Process(self.workers[i].pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                if any("spawn_main" in arg for arg in p.cmdline()):
                    procs.append(p)
        return procs

    def stop(self) -> None:
        for p in [*self.workers, self.scheduler]:
            stop(p.pid)


@pytest.fixture(scope="module")
def tcp_cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("dask-tcp")
    cluster = None
    try:
        cluster = TcpCluster(base)
        yield cluster
    except (OSError, TimeoutError) as exc:
        pytest.skip(f"could not start a Dask cluster on loopback: {exc}")
    finally:
        if cluster is not None:
            cluster.stop()


def test_tcp_cluster_workers_have_deploy_settings(tcp_cluster):
    for i in range(len(tcp_cluster.workers)):
        procs = tcp_cluster.worker_processes(i)
        assert procs, "the nanny has no worker process"
        for p in procs:
            env = p.environ()
            assert "MALLOC_TRIM_THRESHOLD_" not in env, env.get("MALLOC_TRIM_THRESHOLD_")
            assert env.get("OPENBLAS_NUM_THREADS") == "1"


def test_scheduler_file_joins_the_same_cluster(tcp_cluster, monkeypatch):
    """``PIPELINE_DASK_ADDRESS=<scheduler file>`` (``dask scheduler --scheduler-file``) reaches the same workers."""
    from pipeline import executors

    assert tcp_cluster.scheduler_file.is_file()
    monkeypatch.setenv("PIPELINE_DASK_ADDRESS", str(tcp_cluster.scheduler_file))
    with executors.executor(2) as ex:
        assert isinstance(ex, executors.DaskExecutor) and ex.cluster is None  # joined, not started
        pid = ex.submit(os.getpid).result(timeout=120)
    workers = {p.pid for i in range(len(tcp_cluster.workers)) for p in tcp_cluster.worker_processes(i)}
    assert pid in workers


def test_tcp_cluster_build_equals_pool_then_one_record_is_one_unit(small, tcp_cluster, tmp_path):
    raw = tmp_path / "raw"
    records = synthetic_records(60)
    write_jsonl(raw / "news.jsonl", records)
    out = build(raw, tmp_path, tcp_cluster.address)
    assert_tables_equal(published_tables(out), small["tables"])

    # incremental: one record appended, exactly that unit is processed again
    write_jsonl(raw / "news.jsonl", records + synthetic_records(1, start=60))
    since = time.time() - 0.01
    time.sleep(0.05)
    build(raw, tmp_path, tcp_cluster.address, out=out)
    written = units_written(out, since)
    assert len(written) == 1 and "s00060" in next(iter(written)), written
    tables = published_tables(out)
    assert tables["documents"].num_rows == 61


def test_tcp_cluster_survives_a_killed_worker(tcp_cluster, tmp_path):
    raw = tmp_path / "raw"
    n = 240
    write_jsonl(raw / "news.jsonl", synthetic_records(n, seed=7))
    reference = published_tables(build(raw, tmp_path / "pool", None))

    out, home = tmp_path / "dask" / "out", tmp_path / "dask" / "home"
    home.mkdir(parents=True)
    log = open(tmp_path / "build.log", "wb")
    proc = subprocess.Popen(build_cmd(raw, out), cwd=REPO, env=build_env(home, tcp_cluster.address),
                            stdout=log, stderr=subprocess.STDOUT)
    killed = None
    try:
        deadline = time.time() + BUILD_TIMEOUT
        folder = out / "work" / EXTRACTIONS_DIR
        while proc.poll() is None and time.time() < deadline:
            done = len(list(folder.glob("*.mentions.parquet"))) if folder.is_dir() else 0
            if done >= n // 5:  # some of the units done, most still to do: kill one worker process
                (victim,) = tcp_cluster.worker_processes(0)  # the one worker process of the first nanny
                killed = (victim.pid, done)
                os.kill(victim.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        rc = proc.wait(timeout=max(1, deadline - time.time()))
    finally:
        if proc.poll() is None:
            stop(proc.pid)
    output = (tmp_path / "build.log").read_text(errors="replace")
    assert killed is not None, f"the build ended before a worker could be killed:\n{output[-2000:]}"
    assert killed[1] < n, killed
    assert rc == 0, f"build failed after worker {killed[0]} was killed:\n{output[-4000:]}"
    assert_tables_equal(published_tables(out), reference)
    # the nanny restarted the killed worker process, and it rejoined
    with distributed.Client(tcp_cluster.address, timeout=30) as client:
        client.wait_for_workers(2, timeout=120)
    assert killed[0] not in {p.pid for p in tcp_cluster.worker_processes(0)}


def _executor_kind_in_daemon(conn) -> None:
    from pipeline import executors

    with executors.executor(2, _mark_warm, ("yes",)) as ex:
        conn.send((type(ex).__name__, ex.submit(_worker_state, 0).result()[3]))


@pytest.mark.parametrize("address", ["", "local"])
def test_daemonic_process_falls_back_to_threads(address, monkeypatch):
    """A Celery prefork child is daemonic and may not start processes: threads instead of a crash."""
    import multiprocessing

    monkeypatch.setenv("PIPELINE_DASK_ADDRESS", address)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_executor_kind_in_daemon, args=(child,), daemon=True)
    proc.start()
    try:
        assert parent.poll(120), "no answer from the daemonic process"
        assert parent.recv() == ("ThreadPoolExecutor", "yes")
    finally:
        proc.join(30)
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)
