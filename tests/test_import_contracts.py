"""Architecture checks: the import-linter layer contracts of pyproject.toml are kept, the model
loads without Qt, and the PySide6 / Python 3.11 ``None`` refcount pitfall (DESIGN.md) is absent."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "importlinter.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([*command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_import_contracts_are_kept() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    names = [c["name"] for c in contracts]
    qt_free = [c for c in contracts if c["type"] == "forbidden" and "carebook.model" in c["source_modules"]]
    assert qt_free and {"PySide6", "shiboken6"} <= set(qt_free[0]["forbidden_modules"])
    output = _lint_imports()
    for name in names:
        assert f"{name} KEPT" in output, output
    assert f"Contracts: {len(names)} kept, 0 broken." in output


def test_model_sync_and_documents_load_without_qt() -> None:
    code = textwrap.dedent("""
        import importlib, pkgutil, sys
        import carebook.model, carebook.sync, carebook.documents
        for package in (carebook.model, carebook.sync, carebook.documents):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                if info.name.endswith("__main__") or ".migrations." in info.name:  # alembic scripts
                    continue
                importlib.import_module(info.name)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
        print(loaded)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_pyside6_void_calls_do_not_leak_none_references() -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to ``None`` per void Qt call and aborted
    in ``none_dealloc`` after a few thousand (DESIGN.md, pitfalls). Counted in a subprocess so a
    regression cannot crash the test run."""
    pytest.importorskip("PySide6.QtCore")
    code = textwrap.dedent("""
        import sys
        from PySide6.QtCore import QObject
        obj = QObject()
        for _ in range(100):
            obj.setObjectName("warm-up")
        before = sys.getrefcount(None)
        for i in range(5000):
            obj.setObjectName("carebook")
        after = sys.getrefcount(None)
        print(before - after)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, f"the Qt process died: {done.returncode} {done.stderr[-2000:]}"
    dropped = int(done.stdout.strip())
    assert dropped < 1000, f"{dropped} references to None lost over 5,000 void Qt calls"


def test_pyside6_pin_excludes_the_leaking_release_on_python_311() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in config["project"]["dependencies"] if d.startswith("PySide6")]
    assert any("<6.12" in d and "python_version < '3.12'" in d for d in pins), pins
    if sys.version_info < (3, 12):
        from importlib.metadata import version

        major, minor = (int(p) for p in version("PySide6-Essentials").split(".")[:2])
        assert (major, minor) < (6, 12)
