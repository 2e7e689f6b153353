"""What made a release: project version, git commit, code version, model and data files.

``provenance()`` is written into ``datapackage.json`` and ``releases.json``:

* ``project_version``: the version in ``pyproject.toml`` (or of the installed
  distribution);
* ``git_commit``: ``git rev-parse HEAD`` of the checkout the code runs from, with
  ``git_dirty`` when files differ from it; absent when there is no git checkout;
* ``code_version``: the sha256 (first 16 hex) of every Python module of the
  runtime package (``pipeline/**/*.py``): the code that shaped the tables;
* ``data_files``: path (relative to ``pipeline/``) -> sha256 of every model and
  data file under ``pipeline/data/`` (lexicons, gazetteer, metric vocabulary, the
  NER model), without the documentation and training reports beside them.
"""

from __future__ import annotations

import hashlib
import subprocess
import tomllib
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from pipeline.shaping import shaping_files

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # pipeline/
REPO_DIR = PACKAGE_DIR.parent
DISTRIBUTION = "cn-tech-city-dataset"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=1)
def project_version() -> str | None:
    pyproject = REPO_DIR / "pyproject.toml"
    if pyproject.exists():
        return tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("version")
    try:
        return version(DISTRIBUTION)
    except Exception:  # not installed: no version to record
        return None


def git_commit() -> tuple[str | None, bool]:
    """(commit, dirty) of the checkout holding this code; (None, False) outside git."""
    try:
        head = subprocess.run(["git", "-C", str(REPO_DIR), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(REPO_DIR), "status", "--porcelain", "--untracked-files=no",
                                 "--", "pipeline"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None, False
    return (head or None), bool(status.strip())


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 (first 16 hex) of the runtime's Python modules."""
    h = hashlib.sha256()
    for f in shaping_files(["."], PACKAGE_DIR):
        if f.suffix == ".py":
            h.update(f.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(_sha256(f).encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def data_files() -> dict[str, str]:
    """``data/<path>`` -> sha256 of every model and data file that shapes the tables."""
    return {f.relative_to(PACKAGE_DIR).as_posix(): _sha256(f)
            for f in shaping_files(["data"], PACKAGE_DIR) if f.suffix != ".py"}


def provenance() -> dict:
    """The provenance block of a release (see the module docstring)."""
    commit, dirty = git_commit()
    out: dict = {"project_version": project_version()}
    if commit:
        out["git_commit"] = commit
        out["git_dirty"] = dirty
    out["code_version"] = code_version()
    out["data_files"] = data_files()
    return out


def data_digest(made_by: dict | None = None) -> str:
    """One sha256 over ``data_files`` (what the release fingerprint includes)."""
    files = (made_by or provenance())["data_files"]
    return hashlib.sha256("\n".join(f"{k}\t{v}" for k, v in sorted(files.items())).encode()).hexdigest()[:16]
