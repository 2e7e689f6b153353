"""The Celery deployment sample (``deploy/dagster-celery.yaml``), run for real on loopback.

Starts a throw-away PostgreSQL (as ``tests/test_postgres.py``), a
``redis-server`` broker, one ``dagster-celery worker`` exactly as
``docs/deployment.md`` says (``-- -P solo``) and ``dagster-daemon``, all on
127.0.0.1, with the shipped ``deploy/dagster-celery.yaml`` as the instance's
``dagster.yaml``. The daemon's sensor finds the raw folder's sources and
requests a run; the run queue hands it to the ``CeleryRunLauncher``; the
worker executes it, with the per-document work in the pipeline's process pool
(the pool threshold is lowered so that the small corpus uses it). The run
must succeed in PostgreSQL, carry the Celery task id, and publish a release.

Skipped, with the reason, where PostgreSQL's ``initdb``, ``redis-server``
(``apt-get install redis-server``), ``dagster-celery`` or ``redis`` (the Python
client) is missing. Every process is stopped by its PID; bounded in time.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sample_corpus import synthetic_records, write_jsonl
from test_postgres import PG_DB, PG_PASSWORD, PG_USER, PostgresServer, _pg_bin
from processes import stop as _stop
from conftest import REPO, free_port

CELERY_YAML = REPO / "deploy" / "dagster-celery.yaml"
WORKER_YAML = REPO / "deploy" / "celery-worker.yaml"
VENV_BIN = Path(sys.executable).parent
RUN_TIMEOUT = 480

pytestmark = pytest.mark.slow


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    for module in ("dagster_celery", "dagster_postgres", "redis", "psutil"):
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[postgres,celery]')")
    if not (VENV_BIN / "dagster-celery").exists() or not (VENV_BIN / "celery").exists():
        pytest.skip("the dagster-celery / celery commands are not installed next to this Python")
    base = tmp_path_factory.mktemp("celery")
    pg = PostgresServer(bin_dir)
    redis_proc = None
    try:
        try:
            pg.start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"could not start a PostgreSQL server on loopback: {exc}")
        with pg.connect("postgres") as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {PG_DB}")
        redis_port = free_port()
        redis_proc = subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(base)],
            stdout=open(base / "redis.log", "wb"), stderr=subprocess.STDOUT,
        )
        if not _wait_port(redis_port, 30):
            pytest.skip("redis-server did not start on loopback")
        yield {"pg": pg, "redis_port": redis_port, "base": base}
    finally:
        if redis_proc is not None:
            _stop(redis_proc.pid)
        pg.stop()


def test_celery_sample_runs_a_build(services):
    import psycopg2

    base: Path = services["base"]
    home, raw, out, logs = base / "home", base / "raw", base / "out", base / "compute_logs"
    for d in (home, logs):
        d.mkdir()
    shutil.copy(CELERY_YAML, home / "dagster.yaml")
    write_jsonl(raw / "news.jsonl", synthetic_records(12))
    redis = f"redis://127.0.0.1:{services['redis_port']}"
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO),
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(services["pg"].port),
        "DAGSTER_PG_USER": PG_USER,
        "DAGSTER_PG_PASSWORD": PG_PASSWORD,
        "DAGSTER_PG_DB": PG_DB,
        "DAGSTER_CELERY_BROKER_URL": f"{redis}/0",
        "DAGSTER_CELERY_BACKEND_URL": f"{redis}/1",
        "DAGSTER_COMPUTE_LOG_DIR": str(logs),
        "PIPELINE_RAW_DIR": str(raw),
        "PIPELINE_OUTPUT_DIR": str(out),
        "PIPELINE_WORKERS": "2",
        "PIPELINE_MIN_CHARS_FOR_POOL": "0",  # the small corpus goes through the process pool
    }
    env.pop("PIPELINE_DASK_ADDRESS", None)
    worker_log, daemon_log = base / "worker.log", base / "daemon.log"
    # the worker command of deploy/dagster-celery.yaml and docs/deployment.md
    worker = subprocess.Popen(
        [str(VENV_BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(WORKER_YAML),
         "-q", "dagster", "--", "-P", "solo"],
        cwd=REPO, env=env, stdout=open(worker_log, "wb"), stderr=subprocess.STDOUT,
    )
    daemon = subprocess.Popen(
        [str(VENV_BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO, env=env, stdout=open(daemon_log, "wb"), stderr=subprocess.STDOUT,
    )
    runs: list = []
    try:
        deadline = time.time() + RUN_TIMEOUT
        while time.time() < deadline:
            assert worker.poll() is None, worker_log.read_text(errors="replace")[-3000:]
            assert daemon.poll() is None, daemon_log.read_text(errors="replace")[-3000:]
            try:
                with services["pg"].connect(PG_DB) as conn, conn.cursor() as cur:
                    cur.execute("SELECT run_id, status FROM runs")
                    runs = cur.fetchall()
            except psycopg2.Error:  # the daemon has not created its tables yet
                runs = []
            if any(status in ("SUCCESS", "FAILURE", "CANCELED") for _, status in runs):
                break
            time.sleep(2)
    finally:
        _stop(daemon.pid)
        _stop(worker.pid)
    logs_text = worker_log.read_text(errors="replace")[-4000:] + "\n--- daemon ---\n" + daemon_log.read_text(errors="replace")[-3000:]
    assert runs, f"no run was created within {RUN_TIMEOUT} s:\n{logs_text}"
    finished = [(r, s) for r, s in runs if s in ("SUCCESS", "FAILURE", "CANCELED")]
    assert finished and all(s == "SUCCESS" for _, s in finished), f"{runs}\n{logs_text}"
    run_id = finished[0][0]
    with services["pg"].connect(PG_DB) as conn, conn.cursor() as cur:
        cur.execute("SELECT key, value FROM run_tags WHERE run_id = %s", (run_id,))
        tags = dict(cur.fetchall())
    assert "dagster-celery/task_id" in tags, tags  # it went through the broker to the worker
    assert "daemonic processes" not in worker_log.read_text(errors="replace")
    releases = [p for p in (out / "releases").iterdir() if p.is_dir()] if (out / "releases").is_dir() else []
    assert releases and (out / "latest").exists(), logs_text
    import pyarrow.parquet as pq

    assert pq.read_table(out / "latest" / "documents.parquet").num_rows == 12
