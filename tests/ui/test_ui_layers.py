"""No module under ``carebook.ui`` runs SQL or opens database sessions (issue 3, acceptance 5);
the import-linter contracts in pyproject.toml hold."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "src" / "carebook" / "ui"
FORBIDDEN = ("sqlalchemy", "sqlite3", "sqlcipher3", "carebook.model.db")


def test_no_ui_module_imports_a_database_layer() -> None:
    offenders = []
    for path in UI.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith(FORBIDDEN):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "scalars", "scalar", "sessions"):
                offenders.append(f"{path.relative_to(ROOT)}: .{node.attr}")
    assert not offenders, offenders


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists() and not shutil.which("lint-imports"):
        import pytest

        pytest.skip("import-linter not installed")
    result = subprocess.run([str(exe) if exe.exists() else "lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
