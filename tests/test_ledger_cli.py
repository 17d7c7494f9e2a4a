"""``carebook ledger import`` on a real encrypted register, through ``main()`` (and once as a
subprocess for the exit code and the absence of a traceback)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from carebook.cli.ledger_cmd import parse_mappings
from carebook.cli.main import main
from carebook.model import keys
from carebook.model.errors import CarebookError
from carebook.model.register import Register
from carebook.model.schema import metadata

PASSPHRASE = "ledger-cli-test-passphrase"
SAMPLE = Path(__file__).parent / "data" / "ledger" / "village-ledger-sample.xlsx"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAREBOOK_DATA_DIR", raising=False)
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)  # test speed; the cost is stored in keyinfo.json


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    d = tmp_path / "village"
    code, _out, err = run(
        capsys, "--data-dir", str(d), "init", "--role", "village", "--org-code", "610402100200",
        "--org-name", "东湾村", "--parent-code", "610402100", "--parent-name", "幸福镇",
    )  # fmt: skip
    assert code == 0, err
    return d


def content_hash(data_dir: Path) -> str:
    """SHA-256 over every row of every table (the file itself changes with WAL checkpoints)."""
    reg = Register.open(data_dir, passphrase=PASSPHRASE)
    try:
        with reg.reading() as session:
            h = hashlib.sha256()
            for table in metadata.sorted_tables:
                h.update(table.name.encode())
                for row in sorted(repr(tuple(r)) for r in session.execute(select(table)).all()):
                    h.update(row.encode())
            return h.hexdigest()
    finally:
        reg.close()


def test_skip_bad_imports_good_rows_and_a_second_run_adds_nobody(
    village: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--data-dir", str(village), "ledger", "import", str(SAMPLE), "--skip-bad", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["file"] == str(SAMPLE) and data["dry_run"] is False and data["written"] is True
    assert {6, 11, 12} <= set(data["bad_rows"])
    assert data["imported"] == data["data_rows"] - len(data["bad_rows"])
    assert data["updated"] == 0 and data["unchanged"] == 0
    errors = {(e["row"], e["column"], e["field"]) for e in data["errors"]}
    assert {(6, "E", "id_number"), (11, "F", "date_of_birth"), (12, "E", "id_number")} <= errors
    assert all(set(e) == {"row", "column", "field", "reason"} for e in data["errors"])
    assert [s["row"] for s in data["skipped_rows"]] == [15, 45, 46, 47]

    code, out, _ = run(capsys, "--data-dir", str(village), "children", "list", "--json")
    listed = json.loads(out)
    assert len(listed) == data["imported"]

    before = content_hash(village)
    code, out, err = run(
        capsys, "--data-dir", str(village), "ledger", "import", str(SAMPLE), "--skip-bad", "--json"
    )
    assert code == 0, err
    again = json.loads(out)
    assert again["imported"] == 0 and again["updated"] == 0
    assert again["unchanged"] == data["imported"]
    assert content_hash(village) == before


def test_without_skip_bad_nothing_is_written(village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = content_hash(village)
    code, out, err = run(capsys, "--data-dir", str(village), "ledger", "import", str(SAMPLE), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["written"] is False and data["imported"] == 0
    assert {6, 11, 12} <= set(data["bad_rows"])
    assert "--skip-bad" in err and "Traceback" not in err
    assert content_hash(village) == before

    code, out, err = run(capsys, "--data-dir", str(village), "ledger", "import", str(SAMPLE))
    assert code == 1
    assert "第 6 行 E 列（身份证号）" in out
    assert "没有导入任何数据" in out
    assert content_hash(village) == before


def test_dry_run_and_mapping_from_the_command_line(village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = content_hash(village)
    code, out, err = run(
        capsys, "--data-dir", str(village), "ledger", "import", str(SAMPLE), "--skip-bad", "--dry-run",
        "--map", "I=registered_address", "--map", "AA=",
    )  # fmt: skip
    assert code == 0, err
    assert "试运行" in out
    assert content_hash(village) == before


def test_parse_mappings() -> None:
    assert parse_mappings([]) is None
    assert parse_mappings(["I=registered_address", "aa=", "3=sex"]) == {
        8: "registered_address",
        26: None,
        2: "sex",
    }
    for bad in ["I", "=name", "0=name", "I=nickname", "1a=name"]:
        with pytest.raises(CarebookError):
            parse_mappings([bad])


def test_broken_file_is_one_line_and_exit_1(village: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(SAMPLE.read_bytes()[:3000])
    env = {**os.environ, "CAREBOOK_KEYRING": "off", "CAREBOOK_PASSPHRASE": PASSPHRASE}
    done = subprocess.run(
        [sys.executable, "-m", "carebook", "--data-dir", str(village), "ledger", "import", str(broken)],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("carebook: Excel 文件 broken.xlsx 已损坏")
    assert len(done.stderr.strip().splitlines()) == 1
