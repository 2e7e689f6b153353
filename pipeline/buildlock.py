"""One build at a time per output folder, and the leftovers of interrupted ones.

Belongs here: ``build_lock``, an exclusive ``fcntl.flock`` on
``<out>/.build.lock`` held for a whole build (listing, per-document work,
tables, checks, release). A second build on the same output folder waits up
to ``PIPELINE_BUILD_WAIT`` seconds (default 0) for the first to finish, then
gives up with ``BuildLocked``, whose message names the holder (pid, start
time). The lock is released by the kernel when its holder dies (``kill -9``
included), so a crash never leaves a stale lock. The release step keeps its
own lock (``publish.release``: ``.publish.lock``) for callers that publish
without a build.

``clean_temporaries`` removes the temporary files (``.<name>.<pid>.tmp``) that
a process killed mid-write left in the output folder, the work folder and
their subfolders, when that process is no longer alive.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

LOCK_NAME = ".build.lock"
_TMP = re.compile(r"^\..+\.(\d+)\.(tmp|old)$")


class BuildLocked(RuntimeError):
    """Another build holds the output folder."""


def _env_seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default


@contextmanager
def build_lock(out_dir: str | os.PathLike, wait: float | None = None, on_wait=None):
    """Hold ``<out>/.build.lock`` for the block; wait up to ``wait`` s (default ``$PIPELINE_BUILD_WAIT``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wait = _env_seconds("PIPELINE_BUILD_WAIT", 0.0) if wait is None else wait
    path = out / LOCK_NAME
    fh = open(path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise BuildLocked(
                        f"another build is running on {out} ({holder}); this one did not start. "
                        f"Run it again when that one is done, or set PIPELINE_BUILD_WAIT=<seconds> to wait for it"
                    ) from None
                if on_wait is not None and not told:
                    on_wait(f"another build is running on {out} ({holder}); waiting up to {wait:g} s")
                    told = True
                time.sleep(0.2)
        try:  # who holds it, for the message of a second build (best effort: the disk may be full)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}\n")
            fh.flush()
        except OSError:
            pass
        yield
    finally:
        fh.close()  # releases the lock


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "pid unknown"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_temporaries(out_dir: str | os.PathLike, own: bool = False) -> list[Path]:
    """Remove ``.<name>.<pid>.tmp`` (and ``.old``) files of dead processes under the output folder.

    ``own``: also those of this process (after a failed build). Release folders are not entered.
    """
    out = Path(out_dir)
    removed = []
    for folder, dirs, names in os.walk(out):
        if Path(folder) == out / "releases":
            dirs[:] = []  # releases are read-only and never hold temporaries (incomplete ones are the publisher's)
        for name in names + [d for d in dirs if _TMP.match(d)]:
            m = _TMP.match(name)
            if not m:
                continue
            pid = int(m.group(1))
            if (pid == os.getpid() and not own) or (pid != os.getpid() and _alive(pid)):
                continue
            path = Path(folder) / name
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed
