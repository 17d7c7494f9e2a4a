"""``carebook conflicts list / resolve`` on a real township that has real conflicts (a village and
the township changed the same fields of a child between two syncs):

* ``resolve --keep value --value V`` takes what ``children update --set`` takes (黄色 → ``yellow``)
  and refuses what it refuses (too long, not a colour) with its one-line Chinese message, rc 1,
  nothing changed;
* ``list`` says whose file a conflict is about (the child's name and village) and shows the field's
  label and the values as words, not codes; ``--json`` keeps its keys and adds ``child_name``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from carebook.cli.main import main
from carebook.model import keys
from carebook.sync.conflicts import list_conflicts
from sync_world import PASSPHRASE, build_world


@pytest.fixture
def township(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    """The township's data folder with two open conflicts on one child (risk colour, grade);
    returns it, the child's id and name."""
    world = build_world(tmp_path / "w", 1)
    try:
        village, town = world.villages[0], world.township
        world.import_ledger(village, 2, seed=11)
        world.sync_round()
        cid = village.register.child_ids()[0]
        village.register.update_child(cid, {"risk_colour": "蓝色", "school_grade": "三年级"})
        town.register.update_child(cid, {"risk_colour": "绿色", "school_grade": "四年级"})
        world.sync_round()
        assert len(town.register.read(list_conflicts)) == 2
        name = str(town.register.child_detail(cid).fields["name"])
    finally:
        world.close()
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CAREBOOK_KEYRING", "0")
    return tmp_path / "w" / "township", cid, name


def _run(capsys: pytest.CaptureFixture[str], *args: str, rc: int = 0) -> Any:
    code = main([*args])
    captured = capsys.readouterr()
    assert code == rc, captured
    if rc:
        return captured.err
    return json.loads(captured.out) if "--json" in args else captured.out


def test_resolve_with_a_typed_value_follows_the_update_rules(
        township: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    town, _cid, _name = township
    d = str(town)
    listed = _run(capsys, "--data-dir", d, "conflicts", "list", "--json")
    by_field = {c["field"]: c for c in listed}
    colour, grade = by_field["risk_colour"]["id"], by_field["school_grade"]["id"]

    for ref, value in ((colour, "紫色"), (grade, "年" * 60)):
        err = _run(capsys, "--data-dir", d, "conflicts", "resolve", ref[:8], "--keep", "value", "--value", value, rc=1)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "年级" in err and "40" in err
    assert _run(capsys, "--data-dir", d, "conflicts", "list", "--json") == listed  # nothing changed

    done = _run(capsys, "--data-dir", d, "conflicts", "resolve", colour[:8], "--keep", "value", "--value", "黄色",
                "--json")
    assert done["status"] == "resolved" and done["decision"]["value"] == "yellow"
    done = _run(capsys, "--data-dir", d, "conflicts", "resolve", grade[:8], "--keep", "value", "--value",
                "  五年级 ", "--json")
    assert done["decision"]["value"] == "五年级"
    assert _run(capsys, "--data-dir", d, "conflicts", "list", "--json") == []


def test_list_names_the_child_the_field_and_the_values(
        township: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    town, cid, name = township
    d = str(town)
    text = _run(capsys, "--data-dir", d, "conflicts", "list")
    assert f"{name}（第1村）" in text
    assert "风险等级" in text and "年级" in text
    assert "蓝色" in text and "绿色" in text and "三年级" in text
    assert '"blue"' not in text and "risk_colour" not in text and "child/" not in text
    listed = _run(capsys, "--data-dir", d, "conflicts", "list", "--json")
    assert {c["child_name"] for c in listed} == {name} and {c["record_id"] for c in listed} == {cid}
    assert {"id", "kind", "entity", "record_id", "field", "a_value", "b_value", "winner", "status"} <= set(listed[0])
    assert {c["a_value"] for c in listed if c["field"] == "risk_colour"} <= {"blue", "green"}
