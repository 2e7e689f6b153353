"""Instance storage on PostgreSQL, for real: the path past one machine (issue 6).

Starts a throw-away PostgreSQL server on loopback (Debian's ``initdb`` and
``pg_ctl`` in a temp directory, as the ``postgres`` user when the tests run as
root), points a temp ``DAGSTER_HOME`` at it with the shipped
``deploy/dagster.yaml`` (connection read from ``DAGSTER_PG_*`` environment
variables), builds the sample release through it with
``python -m pipeline build`` in a subprocess, and checks that the release
exists and that the run and its materializations are recorded in PostgreSQL.

Skipped, with the reason, where ``/usr/lib/postgresql/*/bin/initdb`` is absent,
``dagster-postgres`` is not installed, or the server cannot be started.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE, free_port

DEPLOY_YAML = REPO / "deploy" / "dagster.yaml"
PG_USER = "dagster"
PG_PASSWORD = "bench-only-secret"
PG_DB = "dagster_test"

pytestmark = pytest.mark.slow


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A PostgreSQL cluster in a temp directory, listening on 127.0.0.1:<port>."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="pg-test-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.run_as: str | None = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run the server")
            self.run_as = "postgres"
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        os.chmod(self.base, 0o755)

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(a) for a in args]
        if self.run_as:
            runuser = shutil.which("runuser")
            if runuser:
                return [runuser, "-u", self.run_as, "--", *cmd]
            return ["su", self.run_as, "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in cmd)]
        return cmd

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout, cwd=self.base)

    def start(self) -> None:
        pwfile = self.base / "pw"
        pwfile.write_text(PG_PASSWORD + "\n")
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        pwfile.chmod(0o600)
        init = self._run(
            self.bin_dir / "initdb", "-D", self.data, "-U", PG_USER, f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C",
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off"
        start = self._run(self.bin_dir / "pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "60", "start")
        if start.returncode != 0:
            log = self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()[-300:]} {log}")

    def stop(self) -> None:
        if self.data.exists():
            self._run(self.bin_dir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)

    def connect(self, dbname: str):
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=PG_USER, password=PG_PASSWORD, dbname=dbname)
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        return contextlib.closing(conn)


@pytest.fixture(scope="module")
def postgres():
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)")
    pytest.importorskip("dagster_postgres", reason="dagster-postgres is not installed (pip install -e '.[postgres]')")
    pytest.importorskip("psycopg2", reason="psycopg2 is not installed (comes with dagster-postgres)")
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        pytest.skip(f"could not start a PostgreSQL server on loopback: {exc}")
    try:
        with server.connect("postgres") as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {PG_DB}")
        yield server
    finally:
        server.stop()


def test_sample_release_built_through_postgres_instance(postgres, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE, raw / SAMPLE.name)
    out = tmp_path / "out"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres.port),
        "DAGSTER_PG_USER": PG_USER,
        "DAGSTER_PG_PASSWORD": PG_PASSWORD,
        "DAGSTER_PG_DB": PG_DB,
        "PIPELINE_RAW_DIR": str(raw),
        "PIPELINE_OUTPUT_DIR": str(out),
    }
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--raw", str(raw), "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"

    # The release exists on disk, with the documents table holding the sample.
    releases = [p for p in (out / "releases").iterdir() if p.is_dir()]
    assert len(releases) == 1, releases
    assert (out / "latest").exists()
    assert (releases[0] / "documents.parquet").exists() or (releases[0] / "data" / "documents.parquet").exists() or any(
        releases[0].rglob("documents.parquet")
    )

    # The instance wrote nothing to local SQLite: its storage is PostgreSQL ...
    assert not list(home.rglob("*.db")), list(home.rglob("*.db"))
    with postgres.connect(PG_DB) as conn, conn.cursor() as cur:
        # ... where the run is recorded as succeeded ...
        cur.execute("SELECT run_id, status FROM runs")
        runs = cur.fetchall()
        assert runs, "no run recorded in PostgreSQL"
        assert all(status == "SUCCESS" for _, status in runs), runs
        # ... with its materializations (the sources, every table and the release).
        cur.execute(
            "SELECT DISTINCT asset_key FROM event_logs "
            "WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND run_id = ANY(%s)",
            ([r for r, _ in runs],),
        )
        keys = {k for (k,) in cur.fetchall()}
        assert any("release" in k for k in keys) and any("sources" in k for k in keys), keys
    assert time.time() - started < 600
