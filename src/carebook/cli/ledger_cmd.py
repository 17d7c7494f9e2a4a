"""``carebook ledger import``: import a village ledger (台账) from Excel or CSV.

The rules (bad rows, duplicates, updates of children already registered) are those of
:mod:`carebook.documents.ledger_import`; the ``--json`` shape is documented in ``docs/cli.md``
(section "ledger import").
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from carebook.cli.common import command_group, open_register, print_json
from carebook.documents.ledger_columns import FIELDS
from carebook.model.errors import CarebookError
from carebook.model.i18n import msg

if TYPE_CHECKING:
    from carebook.documents.ledger_import import LedgerImportResult

# openpyxl and the ledger reader are imported inside the commands: the desktop app and the
# other commands start without loading openpyxl (issue 9, fast start).


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ledger`` and its subcommand ``import`` to the command line."""
    ls = command_group(sub, "ledger", "village ledgers (台账) in Excel or CSV", "ledger_command")
    ip = ls.add_parser("import", help="import children, parents and guardians from a ledger")
    ip.add_argument("file", metavar="FILE", help=".xlsx or .csv (UTF-8, UTF-8 with BOM, GB18030)")
    ip.add_argument("--dry-run", action="store_true", help="check and count only; write nothing")
    ip.add_argument(
        "--skip-bad", action="store_true", help="import the good rows even when some rows are bad"
    )
    ip.add_argument("--sheet", help="worksheet name (default: the one with the best heading)")
    ip.add_argument("--header-row", type=int, metavar="N", help="row number of the heading (default: found)")
    ip.add_argument(
        "--map",
        dest="mappings",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="correct the column mapping, e.g. I=registered_address; an empty FIELD leaves the column out",
    )
    ip.add_argument("--json", action="store_true")
    ip.set_defaults(func=run_import)


def parse_mappings(items: list[str]) -> dict[int, str | None] | None:
    """``COLUMN=FIELD`` strings (column letter such as ``AA`` or 1-based number) to the
    ``mapping_override`` of :func:`~carebook.documents.ledger_reader.read_ledger`.

    Raises:
        CarebookError: an item that is not ``COLUMN=FIELD`` or names an unknown column or field.
    """
    if not items:
        return None
    from openpyxl.utils import column_index_from_string

    override: dict[int, str | None] = {}
    for item in items:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip()
        try:
            if not sep or not column:
                raise ValueError(item)
            index = int(column) - 1 if column.isdigit() else column_index_from_string(column.upper()) - 1
            if index < 0:
                raise ValueError(item)
        except ValueError:
            raise CarebookError(
                f"“{item}”应写成 列=字段，如 I=registered_address 或 9=registered_address",
                f"'{item}' must be COLUMN=FIELD, e.g. I=registered_address or 9=registered_address",
            ) from None
        if target and target not in FIELDS:
            raise CarebookError(
                f"未知的字段“{target}”（字段名见 docs/cli.md 的 ledger import 一节）",
                f"unknown field '{target}' (see the ledger import section of docs/cli.md)",
            )
        override[index] = target or None
    return override


def _print_text(result: LedgerImportResult) -> None:
    from carebook.documents.ledger_import import describe_error

    where = msg(
        f"台账 {result.file}"
        + (f"（工作表“{result.sheet}”）" if result.sheet else "")
        + f"：表头在第 {result.header_row} 行，{result.data_rows} 行数据",
        f"ledger {result.file}"
        + (f" (sheet '{result.sheet}')" if result.sheet else "")
        + f": heading on row {result.header_row}, {result.data_rows} data rows",
    )
    print(where)
    for column, header in result.unmapped_columns:
        print(
            msg(
                f"  未识别的列 {column}（{header}），不导入",
                f"  unknown column {column} ({header}), not imported",
            )
        )
    for column, _field, reason in result.unused_columns:
        print(msg(f"  {column} 列不导入：{reason}", f"  column {column} not imported: {reason}"))
    for skipped in result.skipped_rows:
        print(
            msg(
                f"  跳过第 {skipped.row_number} 行：{skipped.reason}",
                f"  skipped row {skipped.row_number}: {skipped.reason}",
            )
        )
    if result.errors:
        print(
            msg(f"有问题的行（{len(result.bad_rows)} 行）：", f"rows with problems ({len(result.bad_rows)}):")
        )
        for error in result.errors:
            print("  " + describe_error(error))
    counts = msg(
        f"新增 {result.imported} 人，更新 {result.updated} 人，无变化 {result.unchanged} 人",
        f"{result.imported} added, {result.updated} updated, {result.unchanged} unchanged",
    )
    if result.errors and not result.skip_bad:
        print(
            msg(
                f"未导入：有 {len(result.bad_rows)} 行有问题，没有导入任何数据。"
                "请改正后重新导入，或加 --skip-bad 只导入没有问题的行",
                f"nothing imported: {len(result.bad_rows)} rows have problems. Correct them and import "
                "again, or add --skip-bad to import only the good rows",
            )
        )
    elif result.dry_run:
        print(msg(f"试运行，未写入：将{counts}", f"dry run, nothing written: would be {counts}"))
    else:
        print(counts)


def run_import(args: argparse.Namespace) -> int:
    """Import a ledger. Exit 0 when the import went through (with ``--skip-bad``, also when
    bad rows were left out) or, for ``--dry-run``, would go through; 1 when bad rows stop it
    (without ``--skip-bad``), the file cannot be read, or this PC is a township's or county's
    (children belong to villages: the ledger is imported at the village's PC)."""
    from carebook.documents.ledger_import import import_ledger
    from carebook.model.services.children import village_of_new_children

    override = parse_mappings(args.mappings)
    reg = open_register(args)
    try:
        with reg.reading() as session:
            # Children belong to villages: refused at a township or county before the file is
            # read (the model refuses it too; this says so whatever the file holds).
            village_of_new_children(session)
        result = import_ledger(
            reg,
            args.file,
            skip_bad=args.skip_bad,
            dry_run=args.dry_run,
            mapping_override=override,
            sheet=args.sheet,
            header_row=args.header_row,
        )
    finally:
        reg.close()
    if args.json:
        print_json(result.to_json())
    else:
        _print_text(result)
    if result.errors and not result.skip_bad:
        if args.json:
            print(
                msg(
                    f"carebook: 有 {len(result.bad_rows)} 行有问题，没有导入任何数据（加 --skip-bad 只导入没有问题的行）",
                    f"carebook: {len(result.bad_rows)} rows have problems, nothing imported "
                    "(add --skip-bad to import only the good rows)",
                ),
                file=sys.stderr,
            )
        return 1
    return 0
