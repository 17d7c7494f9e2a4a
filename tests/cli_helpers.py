"""Helpers for tests that drive the ``carebook`` command line in-process (``main()``) on real
encrypted registers: the environment (no keyring, a passphrase, no stray data dir, language or
font), running one command, and a village set up with ``init``."""

from __future__ import annotations

from pathlib import Path

import pytest

from carebook.cli.main import main


def cli_env(monkeypatch: pytest.MonkeyPatch, passphrase: str) -> None:
    """No OS keyring, ``passphrase`` for every register, and none of the user's settings."""
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", passphrase)
    for name in ("CAREBOOK_DATA_DIR", "CAREBOOK_LANG", "CAREBOOK_FONT"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``carebook ARGS`` in-process: (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def init_village(capsys: pytest.CaptureFixture[str], data_dir: Path, *, code: str = "610402100200",
                 name: str = "东湾村") -> Path:
    """``carebook init`` of a village of 幸福镇 (610402100) in ``data_dir``; returns it."""
    status, _out, err = run(capsys, "--data-dir", str(data_dir), "init", "--role", "village", "--org-code", code,
                            "--org-name", name, "--parent-code", "610402100", "--parent-name", "幸福镇", "--json")
    assert status == 0, err
    return data_dir
