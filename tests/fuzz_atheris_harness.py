"""Coverage-guided fuzzing (atheris / libFuzzer) of ID parsing and ledger reading.

Run: ``python tests/fuzz_atheris_harness.py CORPUS_DIR -runs=N -max_total_time=S``. Any exception
other than a :class:`~carebook.model.errors.CarebookError` is a crash (libFuzzer stops with a
non-zero exit code and prints the input). ``tests/test_fuzz_atheris.py`` runs it briefly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import tempfile
from pathlib import Path

import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]

with atheris.instrument_imports(include=["carebook"]):
    from carebook.documents.ledger_reader import read_ledger
    from carebook.model.errors import CarebookError
    from carebook.model.idnumber import parse_id_number

TODAY = dt.date(2026, 11, 29)
WORK = Path(tempfile.mkdtemp(prefix="carebook-atheris-"))


def one_input(data: bytes) -> None:
    """Feed one input to ID parsing or to the ledger reader (CSV or workbook by content)."""
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():
        with contextlib.suppress(CarebookError):
            parse_id_number(fdp.ConsumeUnicodeNoSurrogates(40), today=TODAY)
        return
    path = WORK / ("ledger.xlsx" if fdp.ConsumeBool() else "ledger.csv")
    path.write_bytes(fdp.ConsumeBytes(4096))
    with contextlib.suppress(CarebookError):
        read_ledger(path)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
