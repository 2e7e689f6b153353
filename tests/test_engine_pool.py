"""The worker pool dies with its build: ``kill -9`` of the build process leaves no orphan worker."""

import os
import signal
import subprocess
import sys
import time

from conftest import REPO

BUILD = """
import sys, time
from pipeline.engine.pool import WorkerPool

with WorkerPool(2, warm_up=False) as pool:
    for f in [pool.submit(time.sleep, 0.01) for _ in range(4)]:
        f.result()
    print(" ".join(str(p) for p in pool.worker_pids()), flush=True)
    time.sleep(600)  # a long build, killed from outside
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def test_workers_exit_when_the_build_is_killed():
    proc = subprocess.Popen([sys.executable, "-c", BUILD], cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # no clean-up code of the build runs
        proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "orphan workers left behind"


def test_pool_stops_its_workers_at_the_end_of_the_block():
    from pipeline.engine.pool import WorkerPool

    with WorkerPool(2, warm_up=False) as pool:
        assert not pool.started  # nothing submitted: no process started
        assert pool.submit(sum, [1, 2]).result() == 3
        workers = pool.worker_pids()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers and not any(_alive(p) for p in workers)


def test_a_job_sent_to_a_cluster_leaves_its_documents_behind():
    """On Dask a unit job goes without the documents the planner read (workers read the work folder)."""
    import dataclasses

    from pipeline.engine import stages
    from pipeline.engine.pool import _without_documents
    from pipeline.records import Document

    doc = Document(doc_id="d1", source_key="k#1", source_path="k", title="t", published_at=None, url=None,
                   text="文本。", sha256="0" * 64)
    job = stages.StageJob(stage=stages.SEGMENTS, output_dir="/o", raw_dir="/r", key="k#1", fused=True,
                          code_versions={"x": "1"}, documents=[doc], documents_key="ck")
    remote = _without_documents(job)
    assert remote.documents is None and remote.documents_key is None
    assert dataclasses.replace(remote, documents=job.documents, documents_key=job.documents_key) == job
    assert job.documents == [doc]  # the planner's job is unchanged
    assert _without_documents(3) == 3  # anything else goes as it is
