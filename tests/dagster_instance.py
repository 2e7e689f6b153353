"""A temporary Dagster instance for tests, on a RAM disk when there is one.

Dagster's SQLite event log commits (and fsyncs) every event; on a slow disk a
build of one document spends seconds on that alone. ``/dev/shm`` keeps the
same real storage code while making the test suite several times faster.
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import dagster as dg


def fast_temp_dir(prefix: str = "pipeline-test-") -> Path:
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


@contextlib.contextmanager
def temp_instance():
    home = fast_temp_dir()
    try:
        with dg.instance_for_test(temp_dir=str(home)) as instance:
            yield instance
    finally:
        shutil.rmtree(home, ignore_errors=True)
