"""The package's boundaries (docs/ARCHITECTURE.md) as a checked contract: ``lint-imports``.

The contracts are in pyproject.toml (``[tool.importlinter]``): only ``pipeline.defs``
imports Dagster; the runtime never imports the tooling (evaluation, benchmarks); the
layers defs -> engine -> publish -> tables -> nlp -> ingest only import downwards.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO



def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (the dev extra)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([str(lint)], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


ARCHITECTURE_MD = REPO / "docs" / "ARCHITECTURE.md"


def test_architecture_page_maps_every_package_on_one_page():
    """docs/ARCHITECTURE.md names every subpackage of the runtime and every NER module, and stays one page."""
    text = ARCHITECTURE_MD.read_text(encoding="utf-8")
    packages = [p.name for p in (REPO / "pipeline").iterdir() if (p / "__init__.py").exists()]
    assert [p for p in packages if f"{p}/" not in text] == []
    ner = [p.stem for p in (REPO / "pipeline" / "nlp" / "ner").glob("*.py")
           if p.stem not in ("__init__", "clusters")]
    assert [m for m in ner if f"`{m}`" not in text] == []
    assert len(text.split()) <= 1000, "one page: move detail into the module docstrings"
