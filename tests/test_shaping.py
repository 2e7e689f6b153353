"""The extraction cache key and a release's provenance cover what shapes the tables, nothing else."""

import shutil
from pathlib import Path

import pytest

from pipeline.engine import stages
from pipeline.publish import provenance
from pipeline.shaping import PACKAGE_DIR

ROOT = PACKAGE_DIR.parent


def _relative(files):
    return {f.relative_to(PACKAGE_DIR).as_posix() for f in files}


@pytest.mark.parametrize("stage, path, counted", [
    (stages.EXTRACTIONS, "nlp/entities.py", True),
    (stages.EXTRACTIONS, "nlp/ner/network.py", True),
    (stages.EXTRACTIONS, "data/ner/neural.npz", True),
    (stages.EXTRACTIONS, "data/lexicon", True),          # a folder: some file under it
    (stages.DOCUMENTS, "ingest/sources.py", True),
    (stages.EXTRACTIONS, "nlp/resolve.py", False),       # the fan-in, not a per-document stage
    (stages.EXTRACTIONS, "data/SOURCES.md", False),      # documentation
    (stages.EXTRACTIONS, "data/ner/training_report_neural.json", False),  # a training report
    (stages.EXTRACTIONS, "data/ner/given_name_chars.LICENSE", False),
    (stages.EXTRACTIONS, "data/release/trust.yaml", False),  # the release README's text
    (stages.DOCUMENTS, "nlp/entities.py", False),
])
def test_stage_files(stage, path, counted):
    files = _relative(stages.stage_files(stage))
    assert any(f == path or f.startswith(path + "/") for f in files) is counted


def test_no_tooling_inside_the_runtime_key():
    assert not (PACKAGE_DIR / "bench").exists() and not (PACKAGE_DIR / "evaluation").exists()
    for stage in stages.STAGES:
        names = _relative(stages.stage_files(stage))
        assert not {n for n in names if "train" in n.split("/")[-1] or n.endswith(".md")}, stage


def _copy_package(tmp_path: Path) -> Path:
    root = tmp_path / "pipeline"
    shutil.copytree(PACKAGE_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    return root


@pytest.mark.parametrize("edit, changes", [
    ("data/SOURCES.md", False),
    ("data/ner/holdout_report_neural.json", False),
    ("data/release/trust.yaml", False),
    ("nlp/entities.py", True),
    ("data/metrics/indicators.csv", True),
])
def test_editing_a_file_changes_the_extraction_key_only_when_it_shapes_tables(tmp_path, edit, changes):
    root = _copy_package(tmp_path)
    before = stages.code_version(stages.EXTRACTIONS, root)
    with open(root / edit, "a", encoding="utf-8") as fh:
        fh.write("\n")
    stages.code_version.cache_clear()
    after = stages.code_version(stages.EXTRACTIONS, root)
    stages.code_version.cache_clear()
    assert (before != after) is changes


def test_provenance_data_files_leave_out_reports_and_docs():
    files = provenance.data_files()
    assert "data/ner/neural.npz" in files
    assert not [f for f in files if f.endswith((".md", ".LICENSE", ".py")) or "_report" in f]


@pytest.mark.parametrize("a_rows, b_rows, differs", [
    ([("p1", "甲"), ("p2", "乙")], [("p2", "乙"), ("p1", "甲")], False),  # row order does not matter
    ([("p1", "甲")], [("p1", "丙")], True),
    ([("p1", "甲")], [("p1", "甲"), ("p2", "乙")], True),
])
def test_compare_releases_table_by_table(a_rows, b_rows, differs):
    import pyarrow as pa

    from tooling.compare_releases import compare_table

    def table(rows):
        return pa.table({"region_id": [r[0] for r in rows], "name": [r[1] for r in rows]})

    assert (compare_table("regions", table(a_rows), table(b_rows)) is not None) is differs
