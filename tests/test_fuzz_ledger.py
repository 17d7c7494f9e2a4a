"""Hypothesis: ledger files mutated at random (raw bytes of the workbook, the XML inside it, and
CSV text in the encodings Excel writes) are either read and imported by the rules, or refused
with the documented errors (``CarebookError`` subclasses: ``LedgerFileError``, ...) — never
another exception — and a refused import leaves every table of the register unchanged."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.documents.ledger_import import import_ledger
from carebook.documents.ledger_reader import read_ledger
from carebook.model import keys
from carebook.model.db import Database
from carebook.model.errors import CarebookError
from carebook.model.register import Register
from model_helpers import id_for
from protect_helpers import new_database, table_digest

SAMPLE = Path(__file__).parent / "data" / "ledger" / "village-ledger-sample.xlsx"
SAMPLE_BYTES = SAMPLE.read_bytes()
with zipfile.ZipFile(io.BytesIO(SAMPLE_BYTES)) as _zip:
    SAMPLE_PARTS = {info.filename: _zip.read(info) for info in _zip.infolist()}

CSV_TEXT = (
    "东湾村留守儿童信息台账\n"
    "序号,姓名,性别,出生日期,身份证号,户籍类型,父亲姓名,母亲姓名,实际监护人,联系电话\n"
    f"1,王小明,男,2015.3.5,{id_for(dt.date(2015, 3, 5), seq=31)},农业,王建国,李秀兰,王大山,13800138000\n"
    f"2,李思思,女,2016年4月6日,{id_for(dt.date(2016, 4, 6), male=False, seq=32)},农业,李强,张丽,李老汉,13900139000\n"
    "合计,2人\n"
)

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def register_db() -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="carebook-fuzz-") as tmp, pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "SCRYPT_N", 2**14)
        mp.setenv("CAREBOOK_KEYRING", "off")
        db = new_database(Path(tmp) / "data")
        try:
            yield db
        finally:
            db.close()


def _attempt(db: Database, data: bytes, suffix: str) -> None:
    """Read and import ``data``; a refusal must be a CarebookError and change nothing."""
    with tempfile.TemporaryDirectory(prefix="carebook-ledger-") as tmp:
        path = Path(tmp) / f"ledger{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(CarebookError):
            read_ledger(path)
        register = Register(db.sessionmaker, data_dir=db.paths.root, today=lambda: dt.date(2026, 11, 29))
        before = table_digest(db)
        try:
            result = import_ledger(register, path)
        except CarebookError:
            assert table_digest(db) == before
            return
        if not result.written:
            assert result.errors or result.imported + result.updated == 0  # refused, or nothing new
            assert table_digest(db) == before


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for position, kind, chunk in edits:
        if not out:
            break
        at = position % len(out)
        if kind == 0:  # overwrite
            out[at:at + len(chunk)] = chunk
        elif kind == 1:  # insert
            out[at:at] = chunk
        elif kind == 2:  # delete
            del out[at:at + max(1, len(chunk))]
        else:  # truncate
            del out[at:]
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(min_value=0, max_value=1 << 20), st.integers(min_value=0, max_value=3),
                           st.binary(min_size=1, max_size=8)), min_size=1, max_size=4)


@FUZZ
@given(EDITS)
def test_mutated_workbook_bytes(register_db: Database, edits: list[tuple[int, int, bytes]]) -> None:
    _attempt(register_db, _mutate(SAMPLE_BYTES, edits), ".xlsx")


@FUZZ
@given(st.sampled_from(sorted(SAMPLE_PARTS)), EDITS)
def test_mutated_xml_inside_the_workbook(register_db: Database, part: str, edits: list[tuple[int, int, bytes]]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in SAMPLE_PARTS.items():
            out.writestr(name, _mutate(content, edits) if name == part else content)
    _attempt(register_db, buf.getvalue(), ".xlsx")


@FUZZ
@given(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), EDITS)
def test_mutated_csv(register_db: Database, encoding: str, edits: list[tuple[int, int, bytes]]) -> None:
    _attempt(register_db, _mutate(CSV_TEXT.encode(encoding), edits), ".csv")


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_csv_text(register_db: Database, text: str) -> None:
    _attempt(register_db, text.encode("utf-8", "surrogatepass"), ".csv")


def test_the_unmutated_files_import(register_db: Database) -> None:
    """The seeds are good inputs: the fuzzing starts from files that do import."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.csv"
        path.write_text(CSV_TEXT, encoding="gb18030")
        table = read_ledger(path)
        assert len(table.rows) == 2
    assert len(read_ledger(SAMPLE).rows) > 10
