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
