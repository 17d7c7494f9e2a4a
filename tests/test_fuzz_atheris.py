"""A short coverage-guided fuzzing run (atheris, libFuzzer) of ID parsing and ledger reading:
only ``CarebookError``s may escape (see ``tests/fuzz_atheris_harness.py``). Skipped where atheris
is not installed (it is a Linux-only dev dependency)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

HERE = Path(__file__).parent


def test_atheris_finds_no_crash(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(HERE / "data" / "ledger" / "village-ledger-sample.xlsx", corpus / "sample.xlsx")
    (corpus / "ledger.csv").write_bytes(
        "\x00\x00序号,姓名,性别,出生日期,身份证号\n1,王小明,男,2015.3.5,61040220150305021X\n".encode("gb18030"))
    (corpus / "id.txt").write_bytes(b"\x01610402201503050210")
    proc = subprocess.run([sys.executable, str(HERE / "fuzz_atheris_harness.py"), str(corpus), "-runs=1500",
                           "-max_total_time=12", "-rss_limit_mb=1024"], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done" in proc.stderr
