"""Fault scenarios on real builds (subprocesses): kills, a full disk, two builds at once.

Each scenario starts from the same *base* state (a raw folder of good articles
built once, its output folder and Dagster instance copied), adds one article,
and builds with a fault; then it checks what a user would see:

- ``latest`` points at a complete release (every file in its ``SHA256SUMS``
  matches, its tables pass the blocking checks) and ``releases.json`` agrees
  with it (``corrupted`` counts the opposite);
- after the fault, one ordinary build succeeds and its release equals the one
  an undisturbed build makes (same content fingerprint);
- no temporary file or incomplete release folder is left behind.

Used by ``tests/test_hostile.py`` and ``tests/hostile/report.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.hostile.cases import GOOD_TEXTS

REPO = Path(__file__).resolve().parents[2]
ADDED = "比亚迪前三季度营收5000亿元，净利润同比增长20%。比亚迪董事长王传福表示，公司将在合肥建设新基地。\n"


@dataclass
class World:
    base: Path  # raw/, out/, home/ of the base state
    reference_fingerprint: str
    reference_out: Path


@dataclass
class FaultResult:
    point: str
    returncode: int | None = None
    message: str = ""
    corrupted: int = 0  # latest not a complete, valid release, or releases.json disagreeing
    recovered_equal: bool = False  # the next build's release equals the undisturbed one
    leftovers: list[str] = field(default_factory=list)  # temporaries / incomplete folders after recovery
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def run_build(raw: Path, out: Path, home: Path, kill_at: str | None = None, env: dict | None = None,
              background: bool = False, timeout: float = 600):
    cmd = [sys.executable, "-m", "tests.hostile.faultrun", "--raw", str(raw), "--out", str(out)]
    if kill_at:
        cmd += ["--kill-at", kill_at]
    full_env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO), **(env or {})}
    if background:
        return subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout)


def _write_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")


def make_world(root: Path) -> World:
    """The base state and the reference (undisturbed) build after adding one article."""
    base = root / "base"
    (base / "raw").mkdir(parents=True)
    for i, text in enumerate(GOOD_TEXTS):
        (base / "raw" / f"a{i}.txt").write_text(text, encoding="utf-8")
    _write_home(base / "home")
    done = run_build(base / "raw", base / "out", base / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    ref = copy_state(base, root / "reference")
    (ref / "raw" / "added.txt").write_text(ADDED, encoding="utf-8")
    done = run_build(ref / "raw", ref / "out", ref / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    return World(base, latest_fingerprint(ref / "out"), ref / "out")


def copy_state(base: Path, target: Path, out_target: Path | None = None) -> Path:
    shutil.copytree(base / "raw", target / "raw", symlinks=True)
    shutil.copytree(base / "home", target / "home", symlinks=True)
    shutil.copytree(base / "out", out_target or (target / "out"), symlinks=True, dirs_exist_ok=True)
    if out_target is not None:
        (target / "out").symlink_to(out_target)
    return target


def latest_fingerprint(out: Path) -> str | None:
    try:
        return json.loads((out / "latest" / "datapackage.json").read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return None


def release_problems(out: Path) -> list[str]:
    """What is wrong with ``latest`` and ``releases.json`` (empty: a complete, valid, agreed release)."""
    from pipeline.publish import validate
    from pipeline.publish.catalog import is_consistent
    from pipeline.publish.files import read_release_arrow

    latest = out / "latest"
    if not latest.exists():
        return ["no latest release"]
    problems = []
    sums = latest / "SHA256SUMS"
    if not sums.exists():
        return ["latest has no SHA256SUMS"]
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        path = latest / name.lstrip("*")
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: missing or not matching SHA256SUMS")
    failures = validate.blocking_failures(validate.check_tables(read_release_arrow(latest)))
    problems += [f"{f.table}.{f.check}: {f.message}" for f in failures]
    if not is_consistent(out):
        problems.append("releases.json disagrees with latest")
    return problems


def leftovers(out: Path) -> list[str]:
    found = []
    for folder, dirs, names in os.walk(out):
        for n in names + dirs:
            if n.endswith(".tmp") or n.startswith(".incomplete-") or n.endswith(".part"):
                found.append(str(Path(folder, n).relative_to(out)))
    return sorted(found)


def kill_scenario(world: World, root: Path, point: str) -> FaultResult:
    """Kill the build at ``point``, then build again."""
    state = copy_state(world.base, root / point)
    (state / "raw" / "added.txt").write_text(ADDED, encoding="utf-8")
    started = time.perf_counter()
    killed = run_build(state / "raw", state / "out", state / "home", kill_at=point)
    result = FaultResult(point, killed.returncode, (killed.stdout + killed.stderr).strip()[-300:])
    problems = release_problems(state / "out")  # what a reader sees right after the crash
    result.extra["after_crash"] = problems
    result.corrupted += 1 if [p for p in problems if "releases.json" not in p] else 0
    again = run_build(state / "raw", state / "out", state / "home")
    result.extra["recovery"] = (again.stdout + again.stderr).strip()[-300:]
    result.corrupted += 1 if release_problems(state / "out") else 0
    result.recovered_equal = again.returncode == 0 and latest_fingerprint(state / "out") == world.reference_fingerprint
    result.leftovers = leftovers(state / "out")
    result.seconds = time.perf_counter() - started
    return result


def concurrent_scenario(world: World, root: Path, wait: float = 0) -> FaultResult:
    """Two builds started together on one output folder (``wait``: PIPELINE_BUILD_WAIT)."""
    name = f"concurrent_wait{int(wait)}"
    state = copy_state(world.base, root / name)
    (state / "raw" / "added.txt").write_text(ADDED, encoding="utf-8")
    started = time.perf_counter()
    env = {"PIPELINE_BUILD_WAIT": str(wait)}
    procs = [run_build(state / "raw", state / "out", state / "home", env=env, background=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    result = FaultResult(name, codes[-1], " | ".join(o.strip().splitlines()[0] if o.strip() else "" for o in outputs))
    result.extra["returncodes"] = codes
    result.extra["outputs"] = outputs
    result.corrupted = 1 if release_problems(state / "out") else 0
    result.recovered_equal = latest_fingerprint(state / "out") == world.reference_fingerprint
    result.leftovers = leftovers(state / "out")
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def small_disk(size_bytes: int):
    """A tmpfs of ``size_bytes`` (needs root); yields its path, or None when it cannot be mounted."""
    mount = Path(tempfile.mkdtemp(prefix="pipeline-fulldisk-"))
    ok = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(mount)], capture_output=True
    ).returncode == 0
    try:
        yield mount if ok else None
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        shutil.rmtree(mount, ignore_errors=True)


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def full_disk_scenario(world: World, root: Path, during: str) -> FaultResult:
    """The output folder on a disk that fills up ``during`` 'nlp' (per-document stages) or 'publish'."""
    name = f"full_disk_{during}"
    base_out = _du(world.base / "out")
    ref_growth = _du(world.reference_out) - base_out
    newest = max((p for p in (world.reference_out / "releases").iterdir() if p.is_dir()), key=lambda p: p.name)
    release_bytes = _du(newest)
    free = 16 * 1024 if during == "nlp" else max(64 * 1024, ref_growth - release_bytes // 2)
    # room for the recovery build once the filler is gone: two releases (with their SQLite and DuckDB files)
    with small_disk(base_out + free + 2 * release_bytes + 16 * 1024 * 1024) as mount:
        if mount is None:
            return FaultResult(name, None, "skipped: no tmpfs (needs root)")
        state = copy_state(world.base, root / name, out_target=mount / "out")
        (state / "raw" / "added.txt").write_text(ADDED, encoding="utf-8")
        filler = mount / "filler"
        stat = os.statvfs(mount)
        available = stat.f_bavail * stat.f_frsize
        with open(filler, "wb") as fh:
            fh.truncate(0)
            fh.write(b"\0" * max(0, available - free))
        started = time.perf_counter()
        failed = run_build(state / "raw", state / "out", state / "home")
        result = FaultResult(name, failed.returncode, summary_of(failed.stdout))
        result.extra["names_enospc"] = "ENOSPC" in result.message
        problems = release_problems(state / "out")
        result.extra["after_failure"] = problems
        result.corrupted = 1 if problems else 0
        filler.unlink()
        again = run_build(state / "raw", state / "out", state / "home")
        result.corrupted += 1 if release_problems(state / "out") else 0
        result.recovered_equal = again.returncode == 0 and latest_fingerprint(state / "out") == world.reference_fingerprint
        result.leftovers = leftovers(state / "out")
        result.seconds = time.perf_counter() - started
        return result


def summary_of(stdout: str) -> str:
    """The build's own summary (what ``faultrun`` prints last), without the run log."""
    text = stdout.strip()
    at = text.rfind("build FAILED:")
    return text[at:] if at >= 0 else text[-400:]
