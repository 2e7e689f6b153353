"""Files built on demand from a release, outside ``releases/`` (``python -m pipeline zip``).

A partitioned release (``parts``) keeps no zip, no CSV and no database in its
folder (they would be a second full copy of the data in every release, and every
new document would rewrite them). They are built when asked for, from the
release's own files, and can be deleted at any time:

* ``build_zip``: ``<out>/downloads/dataset-<version>.zip``: one top folder
  ``dataset-<version>/`` with every file of ``SHA256SUMS`` (the parts in their
  ``<table>/`` folders) and ``SHA256SUMS`` itself, so ``sha256sum -c SHA256SUMS``
  passes in the unzipped folder, plus ``<table>.csv`` of every table (the
  single-file release's CSV format) checked by ``CSV.SHA256SUMS``;
* ``build_sqlite``: ``<out>/serve/<version>/dataset.sqlite`` for Datasette
  (``python -m pipeline serve`` calls it).

Both are written under a temporary name and renamed: a reader never sees half a file.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import shutil

import pyarrow.parquet as pq

from pipeline import atomic, schema
from pipeline.publish import archive, checksums, files, parts, retention, sqlite
from pipeline.publish.datapackage import read_datapackage

DOWNLOADS_DIR = "downloads"
SERVE_DIR = "serve"
SQLITE_NAME = "dataset.sqlite"


def release_folder(out_dir: Path, version: str | None = None) -> Path:
    """The folder of ``version`` (default: the one ``<out>/latest`` points to)."""
    out_dir = Path(out_dir)
    folder = out_dir / "releases" / version if version else Path(os.path.realpath(out_dir / "latest"))
    if not (folder / "datapackage.json").exists():
        raise FileNotFoundError(f"no release {version or 'latest'} under {out_dir} (build one first)")
    return folder


def _created(folder: Path) -> datetime:
    created = (read_datapackage(folder) or {}).get("created")
    try:
        return datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return datetime(1980, 1, 1, tzinfo=timezone.utc)


def build_zip(out_dir: Path, version: str | None = None) -> Path:
    """The release's zip: its own when it has one, else ``<out>/downloads/dataset-<version>.zip``
    (written once; reused while it exists)."""
    folder = release_folder(out_dir, version)
    version = folder.name
    own = folder / f"dataset-{version}.zip"
    if own.exists():
        return own
    target_dir = Path(out_dir) / DOWNLOADS_DIR
    target = target_dir / f"dataset-{version}.zip"
    if target.exists():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    stage = target_dir / f".stage-{version}-{os.getpid()}"
    try:
        names = _stage(folder, stage)
        with atomic.replacing(target) as tmp:
            archive.write_zip(stage, names, version, _created(folder), target=tmp)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return target


def _stage(folder: Path, stage: Path) -> list[str]:
    """The zip's files in ``stage``: the release's (hard links) and a CSV of every table; their names."""
    names = sorted(retention.read_sums(folder)) + ["SHA256SUMS"]
    for name in names:
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(folder / name, stage / name)
        except OSError:  # another file system: a copy
            shutil.copyfile(folder / name, stage / name)
    csvs = []
    for table in schema.TABLES:
        if (stage / f"{table}.csv").exists():
            continue
        paths = parts.table_files(folder, table)
        if paths:  # part by part: one part in memory at a time
            files.write_csv_parts((files.to_arrow(table, pq.read_table(p)) for p in paths), stage / f"{table}.csv")
            csvs.append(f"{table}.csv")
    if csvs:
        # (not checksums.write_sha256sums: stage/SHA256SUMS is a hard link to the release's file)
        lines = "".join(f"{checksums.sha256_file(stage / n)}  {n}\n" for n in csvs)
        (stage / "CSV.SHA256SUMS").write_text(lines, encoding="utf-8")
        csvs.append("CSV.SHA256SUMS")
    return names + csvs


def build_sqlite(out_dir: Path, release: Path) -> Path:
    """The release's SQLite database: its own when it has one, else
    ``<out>/serve/<version>/dataset.sqlite`` built from its tables (once)."""
    own = Path(release) / SQLITE_NAME
    if own.exists():
        return own
    target = Path(out_dir) / SERVE_DIR / Path(release).name / SQLITE_NAME
    if target.exists():
        return target
    with atomic.replacing(target) as tmp:
        sqlite.write_sqlite(parts.read_release_arrow(release), tmp)
    return target


def add_out_argument(parser: argparse.ArgumentParser) -> None:
    """``--out``: the output folder of the release commands (zip, serve)."""
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("PIPELINE_OUTPUT_DIR", "outputs")),
                        help="output folder holding releases/ and latest (default: $PIPELINE_OUTPUT_DIR or outputs/)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_out_argument(parser)
    parser.add_argument("--release", default=None, help="the version to zip (default: latest)")


def run(args: argparse.Namespace) -> int:
    try:
        path = build_zip(args.out, args.release)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0
