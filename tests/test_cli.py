"""The carebook command line, run in-process through ``main()`` on real encrypted registers
(and once as a real subprocess for exit codes and the absence of tracebacks)."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from carebook.cli.main import build_parser, main
from carebook.model.idnumber import id_number_check_character, parse_id_number

PASSPHRASE = "cli-test-passphrase"
CHILD_ID = "61040220110321161" + id_number_check_character("61040220110321161")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAREBOOK_DATA_DIR", raising=False)
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    d = tmp_path / "village"
    code, out, err = run(capsys, "--data-dir", str(d), "init", "--role", "village", "--org-code", "610402100200",
                         "--org-name", "东湾村", "--parent-code", "610402100", "--parent-name", "幸福镇", "--json")
    assert code == 0, err
    assert json.loads(out)["org_code"] == "610402100200"
    return d


def test_init_twice_is_refused(village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--data-dir", str(village), "init", "--role", "village",
                          "--org-code", "610402100200", "--org-name", "东湾村")
    assert code == 1
    assert "已经初始化" in err and "Traceback" not in err


def test_update_show_close_round_trip(village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from carebook.model.register import Register

    reg = Register.open(village)
    try:
        reg.register_child({"name": "张思远", "id_number": CHILD_ID, "registration_type": "农业",
                            "father.name": "张伟", "father.status": "外出务工",
                            "mother.name": "李娜", "mother.status": "外出务工",
                            "guardian.name": "王秀兰", "guardian.relation": "祖母"})
    except Exception:
        reg.close()
        raise
    reg.close()
    d = str(village)
    code, out, _ = run(capsys, "--data-dir", d, "children", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 1
    row = rows[0]
    for key in ("id", "id_number", "name", "sex", "date_of_birth", "village_code", "categories", "closed"):
        assert key in row
    assert row["categories"] == ["left_behind"]
    assert row["guardian_name"] == "王秀兰"

    code, out, _ = run(capsys, "--data-dir", d, "children", "list", "--search", "zsy", "--json")
    assert [r["name"] for r in json.loads(out)] == ["张思远"]

    # Full-width digits and spaces find the same child.
    code, out, _ = run(capsys, "--data-dir", d, "children", "update", CHILD_ID[:6].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " " + CHILD_ID[6:],
                       "--set", "risk_colour=红色", "--set", "father.phone=188-0830-2401", "--json")
    assert code == 0
    changes = json.loads(out)["changes"]
    assert {(c["field"], c["new"]) for c in changes} == {("risk_colour", "red"), ("phone", "18808302401")}

    # Without --json the child director reads labels, not column names.
    code, out, _ = run(capsys, "--data-dir", d, "children", "update", CHILD_ID, "--set", "school_name=示范小学",
                       "--set", "mother.phone=13900001111")
    assert code == 0
    assert out.strip() == "已保存：学校名称、母亲·电话", out  # whose phone (QA: was 家庭成员·电话)

    code, _out, err = run(capsys, "--data-dir", d, "children", "update", row["id"], "--set", "sex=女")
    assert code == 1 and "身份证号" in err  # the ID number says male

    code, out, _ = run(capsys, "--data-dir", d, "children", "show", CHILD_ID, "--json")
    detail = json.loads(out)
    assert detail["fields"]["risk_colour"] == "red"
    assert {m["role"] for m in detail["members"]} == {"father", "mother", "guardian"}

    code, out, _ = run(capsys, "--data-dir", d, "children", "close", row["id"], "--reason", "moved", "--json")
    assert code == 0
    assert any(c["field"] == "closed_reason" and c["new"] == "moved" for c in json.loads(out)["changes"])
    code, out, _ = run(capsys, "--data-dir", d, "children", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "--data-dir", d, "children", "list", "--closed", "--json")
    assert json.loads(out)[0]["closed_reason"] == "moved"
    code, _out, err = run(capsys, "--data-dir", d, "children", "close", row["id"], "--reason", "moved")
    assert code == 1 and "已" in err


def test_unknown_child_and_english(village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--lang", "en", "--data-dir", str(village), "children", "show", "110101200001010011")
    assert code == 1
    assert "no child" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["children", "frobnicate"])
    assert exc.value.code == 2


def test_demo_lists_only_valid_children(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "demo")
    code, out, err = run(capsys, "--data-dir", d, "demo", "--no-open", "--children", "60", "--json")
    assert code == 0, err
    assert json.loads(out.splitlines()[-1] if not out.strip().startswith("{") else out)["children"] == 60
    code, out, _ = run(capsys, "--data-dir", d, "children", "list", "--json")
    rows = json.loads(out)
    assert len(rows) == 60
    villages = {r["village_code"] for r in rows}
    assert len(villages) == 3
    for r in rows:
        if r["id_number"]:
            info = parse_id_number(r["id_number"])
            assert info.number == r["id_number"]
            assert info.date_of_birth.isoformat() == r["date_of_birth"]
            assert info.sex.code == r["sex"]
        assert 0 <= r["age"] < 18
    # A second run reuses the workspace.
    code, out, _ = run(capsys, "--data-dir", d, "demo", "--no-open", "--json")
    assert json.loads(out) == {"data_dir": d, "created": False, "children": 60}


def test_subprocess_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "CAREBOOK_KEYRING": "off", "CAREBOOK_PASSPHRASE": PASSPHRASE}
    cmd = [sys.executable, "-m", "carebook", "--data-dir", str(tmp_path / "none"), "children", "list"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = subprocess.run([sys.executable, "-m", "carebook", "--bogus"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2


def test_every_command_is_documented() -> None:
    """Each command and subcommand of the parser has a section in docs/cli.md (the sqlite-utils
    habit: an undocumented command fails the tests)."""
    text = DOCS.read_text(encoding="utf-8")
    documented: set[str] = set()
    for heading in re.findall(r"^## (.+)$", text, flags=re.M):
        parts = [p.strip() for p in heading.split("/")]
        prefix = parts[0].split()[0]
        for part in parts:
            documented.add(part if " " in part or part == prefix else f"{prefix} {part}")
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands: list[str] = []
    for name, p in sub.choices.items():
        nested = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        commands += [f"{name} {n}" for n in nested[0].choices] if nested else [name]
    missing = [c for c in commands if c not in documented]
    assert not missing, f"document these commands in docs/cli.md: {missing}"
