"""Children belong to villages: a township register refuses a ledger import (command line and
the desktop's path, :func:`carebook.documents.ledger_import.import_table`) and a new child's
file, with one message and nothing written. Real encrypted registers, synthetic people."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.cli.main import main
from carebook.documents.ledger_import import import_table
from carebook.documents.ledger_reader import read_ledger
from carebook.model import keys
from carebook.model.db import create_database, open_database
from carebook.model.enums import OrgLevel
from carebook.model.errors import CarebookError, ValidationError
from carebook.model.installation import add_org_unit, get_installation
from carebook.model.register import Register
from carebook.model.schema import metadata
from carebook.model.services.bulk import import_children
from carebook.model.services.children import clean_child_input
from model_helpers import ACTOR, PASSPHRASE, TOWNSHIP_CODE, TOWNSHIP_NAME, child_values, id_for, years_before


@pytest.fixture(scope="module")
def township_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("township") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "SCRYPT_N", 2**14)
        db = create_database(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    try:
        Register(db.sessionmaker, data_dir=data_dir).initialise(
            role="township", org_code=TOWNSHIP_CODE, org_name=TOWNSHIP_NAME, parent_code="610402",
            parent_name="新区", actor=ACTOR,
        )
    finally:
        db.close()
    return data_dir


@pytest.fixture
def township_dir(township_template: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(township_template, data_dir)
    return data_dir


@pytest.fixture
def township(township_dir: Path) -> Iterator[Register]:
    db = open_database(township_dir, passphrase=PASSPHRASE)
    reg = Register(db.sessionmaker, data_dir=township_dir, close=db.close)
    yield reg
    reg.close()


def _digest(reg: Register) -> str:
    def read(session: Session) -> str:
        h = hashlib.sha256()
        for table in metadata.sorted_tables:
            h.update(table.name.encode())
            for row in sorted(repr(tuple(r)) for r in session.execute(select(table)).all()):
                h.update(row.encode())
        return h.hexdigest()
    return reg.read(read)


def _ledger(path: Path, today: dt.date) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [["序号", "姓名", "性别", "身份证号"], ["1", "王小明", "男", id_for(years_before(today, 11))]]
    )
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


def test_ledger_import_at_a_township_is_refused_on_the_command_line(
    township_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)
    ledger = _ledger(tmp_path / "new.csv", dt.date.today())
    db = open_database(township_dir, passphrase=PASSPHRASE)
    reg = Register(db.sessionmaker, data_dir=township_dir, close=db.close)
    before = _digest(reg)
    reg.close()
    for extra in ([], ["--dry-run"], ["--skip-bad", "--json"]):
        code = main(["--data-dir", str(township_dir), "ledger", "import", str(ledger), *extra])
        out, err = capsys.readouterr()
        assert code == 1
        assert out == ""
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert "村儿童主任的电脑上导入台账" in err and "幸福镇" in err
    db = open_database(township_dir, passphrase=PASSPHRASE)
    reg = Register(db.sessionmaker, data_dir=township_dir, close=db.close)
    try:
        assert _digest(reg) == before
        assert reg.list_children() == []
    finally:
        reg.close()


def test_ledger_import_at_a_township_is_refused_on_the_desktop_path(township: Register, tmp_path: Path) -> None:
    table = read_ledger(_ledger(tmp_path / "new.csv", dt.date.today()))
    before = _digest(township)
    for dry_run in (True, False):
        with pytest.raises(CarebookError, match="村儿童主任的电脑上导入台账"):
            import_table(township, table, skip_bad=True, dry_run=dry_run)
    assert _digest(township) == before


def test_new_child_at_a_township_is_refused(township: Register) -> None:
    today = dt.date.today()
    before = _digest(township)
    with pytest.raises(ValidationError, match="不是村（居）") as info:
        township.register_child(child_values("王小明", years_before(today, 11)))
    assert info.value.field == "village_id"
    assert _digest(township) == before


def test_children_imported_at_a_township_for_a_named_village_still_go_there(township: Register) -> None:
    """The bulk path with an enrolled village's id (the demo, the township tests) is not refused;
    the township's own id is."""
    today = dt.date.today()
    village_id = township.write(lambda s: add_org_unit(s, level=OrgLevel.VILLAGE, code=f"{TOWNSHIP_CODE}201",
                                                      name="东湾村", parent_code=TOWNSHIP_CODE))
    item = clean_child_input(child_values("王小明", years_before(today, 11)), today=today)
    created = township.write(lambda s: import_children(s, [item], village_id=village_id, today=today)).created
    assert len(created) == 1
    township_id = township.read(lambda s: get_installation(s).org_unit_id)
    item2 = clean_child_input(child_values("李小红", years_before(today, 8), male=False, seq=12), today=today)
    with pytest.raises(ValidationError, match="不是村（居）"):
        township.write(lambda s: import_children(s, [item2], village_id=township_id, today=today))
