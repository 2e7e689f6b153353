"""Benchmark of the front door: a build from the Dagster UI against ``make run``, and disk use.

``python -m tooling.bench.front_door times --raw DIR [--raw DIR ...]``: for each raw
folder, a cold build with ``python -m pipeline build`` (what ``make run`` runs) and a
cold build launched in a real ``dagster-webserver`` the way "Materialize all" does
(GraphQL ``launchRun`` of ``build_all``, the run in its own process as under
``make ui``), each into a fresh output folder and instance; wall seconds from the
command's start, or from the launch, to the end of the run.

``python -m tooling.bench.front_door disk --raw DIR --add FILE``: a build of DIR,
then of DIR plus FILE (one more document); the bytes of the release against the raw
folder's, and the bytes the second release added to the disk (files shared with the
first release through hard links counted once). For a partitioned release, also the
seconds and bytes of the zip and the SQLite built on demand (outside ``releases/``).

Prints a JSON report; ``--json PATH`` also writes it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTANCE_YAML = ("run_coordinator:\n  module: dagster._core.run_coordinator.default_run_coordinator\n"
                 "  class: DefaultRunCoordinator\ntelemetry:\n  enabled: false\n")


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _env(home: Path, raw: Path, out: Path) -> dict:
    return {**os.environ, "DAGSTER_HOME": str(home), "PIPELINE_RAW_DIR": str(raw),
            "PIPELINE_OUTPUT_DIR": str(out), "PYTHONPATH": str(REPO)}


def _fresh(base: Path, name: str) -> tuple[Path, Path]:
    home, out = base / f"{name}-home", base / f"{name}-out"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(INSTANCE_YAML, encoding="utf-8")
    return home, out


def time_cli(raw: Path, base: Path) -> float:
    home, out = _fresh(base, "cli")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipeline", "build", "--no-progress", "--raw", str(raw),
                           "--out", str(out)], env=_env(home, raw, out), cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return seconds


def _gql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())["data"]


def time_ui(raw: Path, base: Path) -> dict:
    home, out = _fresh(base, "ui")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(base / "webserver.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("dagster-webserver")), "-w",
                             str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
                            cwd=REPO, env=_env(home, raw, out), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 180
        while True:
            try:
                _gql(port, "{ version }")
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("webserver did not start")
                time.sleep(0.5)
        selector = {"repositoryLocationName": "pipeline.definitions", "repositoryName": "__repository__",
                    "jobName": "build_all"}
        started = time.perf_counter()
        launched = _gql(port, "mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {"
                        " __typename ... on LaunchRunSuccess { run { runId } } } }",
                        {"p": {"selector": selector, "runConfigData": {}}})["launchRun"]
        run_id = launched["run"]["runId"]
        while True:
            run = _gql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status startTime endTime } } }",
                       {"id": run_id})["runOrError"]
            if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
                break
            time.sleep(0.2)
        wall = time.perf_counter() - started
        if run["status"] != "SUCCESS":
            raise RuntimeError(f"UI run {run_id} ended {run['status']}")
        return {"wall_s": round(wall, 2), "run_s": round(run["endTime"] - run["startTime"], 2)}
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)
        log.close()


def times(raws: list[Path]) -> list[dict]:
    report = []
    for raw in raws:
        with tempfile.TemporaryDirectory(prefix="bench-front-") as tmp:
            base = Path(tmp)
            cli = time_cli(raw, base)
            ui = time_ui(raw, base)
            report.append({"raw": str(raw), "raw_bytes": _tree_bytes(raw), "make_run_s": round(cli, 2),
                           "ui_wall_s": ui["wall_s"], "ui_run_s": ui["run_s"],
                           "ui_over_make_run": round(ui["wall_s"] / cli, 2)})
    return report


def _entry_bytes(release: Path) -> dict[str, int]:
    """Bytes per top-level entry of a release folder (a partitioned table's folder: all its parts)."""
    out = {}
    for p in sorted(release.iterdir()):
        out[p.name] = (sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir()
                       else p.stat().st_size)
    return out


def _on_demand(out: Path, release: Path) -> dict:
    """Seconds and bytes of the zip and the SQLite a partitioned release builds on demand (else {})."""
    from pipeline.publish import downloads, parts

    if not parts.is_partitioned_release(release):
        return {}
    started = time.perf_counter()
    zip_path = downloads.build_zip(out, release.name)
    zipped = time.perf_counter()
    db = downloads.build_sqlite(out, release)
    done = time.perf_counter()
    return {"zip_on_demand_bytes": zip_path.stat().st_size, "zip_on_demand_s": round(zipped - started, 1),
            "sqlite_on_demand_bytes": db.stat().st_size, "sqlite_on_demand_s": round(done - zipped, 1)}


def disk(raw: Path, add: Path, work: Path | None = None) -> dict:
    from pipeline.defs.headless import build_release
    from tooling.bench.runstats import open_instance
    from pipeline.publish.retention import disk_usage

    with tempfile.TemporaryDirectory(prefix="bench-disk-", dir=work) as tmp:
        base = Path(tmp)
        raw_copy, out = base / "raw", base / "out"
        shutil.copytree(raw, raw_copy)
        with open_instance(base / "home") as instance:
            first = build_release(raw_copy, out, instance=instance, progress=False)
            assert first.success and first.published, first.failures
            release = Path(first.release_path)
            files = _entry_bytes(release)
            before = disk_usage(out)["stored"]
            shutil.copy(add, raw_copy / f"added-{add.name}")
            second = build_release(raw_copy, out, instance=instance, progress=False)
            assert second.success and second.published, second.failures
            after = disk_usage(out)["stored"]
            on_demand = _on_demand(out, Path(second.release_path))
            second_files = {p.relative_to(second.release_path).as_posix(): (p.stat().st_size, p.stat().st_nlink > 1)
                            for p in Path(second.release_path).rglob("*") if p.is_file()}
        raw_bytes = _tree_bytes(raw)
        release_bytes = sum(files.values())
        return {
            "raw": str(raw), "raw_bytes": raw_bytes, "release_bytes": release_bytes,
            "release_over_raw": round(release_bytes / raw_bytes, 2), "files": files,
            "first_build_s": round(first.seconds, 1), "second_build_s": round(second.seconds, 1),
            "bytes_added_by_one_document": after - before,
            "added_over_release": round((after - before) / release_bytes, 3),
            **on_demand,
            "second_release_files": len(second_files),
            "second_release_shared_files": sum(1 for _, shared in second_files.values() if shared),
            "second_release_new_files": sorted(n for n, (_, shared) in second_files.items() if not shared),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.bench.front_door", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["times", "disk"])
    parser.add_argument("--raw", type=Path, action="append", required=True)
    parser.add_argument("--add", type=Path, help="disk: the one document added for the second build")
    parser.add_argument("--work", type=Path, default=None, help="disk: where the builds go (default: temp)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = times(args.raw) if args.what == "times" else disk(args.raw[0], args.add, args.work)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
