"""The one-way layers of docs/architecture.md, enforced by import-linter's contracts.

``lint-imports`` must pass on the tree, and must fail — naming the broken contract — when
a forbidden import is added: each case copies the packages into a temporary directory,
adds one bad module there and runs the linter on the copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "flows", "ingest", "python_models")
LINT = str(Path(sys.executable).with_name("lint-imports"))


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT, "--no-logo", "--no-cache", str(root / "pyproject.toml")],
                          cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_the_tree_keeps_every_contract():
    result = lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "source", "contract"), [
    ("python_models/bad.py", "from ingest.warehouse import Warehouse\n",
     "One-way layers"),
    ("python_models/bad.py", "import duckdb\n", "The numerics are pure"),
    ("ingest/bad.py", "from flows import pipeline\n", "One-way layers"),
    ("flows/bad.py", "from api import main\n", "One-way layers"),
    ("api/routes/bad.py", "from flows import steps\n",
     "The API starts batches only through api.batches"),
    ("api/bad.py", "import psycopg\n", "Database drivers stay in the warehouse platform"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, source, contract):
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("static", "__pycache__", "*.csv"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(source)
    result = lint(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert any(line.startswith(contract) for line in broken), result.stdout
