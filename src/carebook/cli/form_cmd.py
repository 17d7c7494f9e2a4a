"""``carebook form entrustment|visit-sheet|child-file|report|roster``: print forms to PDF files;
``carebook form entrustment-signed``: record the signatures and the scan of a printed confirmation.

Each command reads the register, fills the form's data (:mod:`carebook.documents.from_model`),
renders it and writes the PDF atomically: on any error (unknown child, a character no font has,
no usable font) no file is written and the exit code is 1. ``--font PATH[#SUBFONT]`` overrides
the font (TrueType .ttf/.ttc; also ``$CAREBOOK_FONT``). Documented in ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carebook.cli.common import open_register
from carebook.model.enums import EntrustmentStatus
from carebook.model.errors import CarebookError, NotFoundError, StateError
from carebook.model.i18n import msg
from carebook.model.queries.children import ChildFilter
from carebook.model.register import Register
from carebook.model.services.children import find_child
from carebook.model.services.entrustments import (
    draft_entrustment,
    get_entrustment,
    mark_printed,
    replace_entrustment,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from carebook.documents.fonts import FontSet

# carebook.documents (reportlab) is imported inside the commands: the desktop app and the other
# commands start without loading reportlab (issue 9, fast start).


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``form`` and its subcommands to the command line."""
    p = sub.add_parser("form", help="print forms (PDF): entrustment confirmation, visit sheet, child file, …")
    fs = p.add_subparsers(dest="form_command", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
        q.add_argument("--font", metavar="PATH[#N]", help="TrueType font file (.ttf/.ttc, subfont N)")

    ep = fs.add_parser("entrustment", help="the entrustment-guardianship confirmation (3 copies)")
    which = ep.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--child", metavar="ID", help="the child's ID number or record id (its latest confirmation)"
    )
    which.add_argument("--entrustment", metavar="REF", help="a confirmation's record id or document number")
    ep.add_argument("--draft", action="store_true", help="draft a confirmation first if the child has none")
    ep.add_argument("--replace", action="store_true",
                    help="with --draft: draft a new confirmation from the file as it is now, replacing the "
                         "child's latest one (it becomes renewed)")
    ep.add_argument("--from", dest="period_from", metavar="YYYY-MM-DD", help="with --draft: start of period")
    ep.add_argument("--to", dest="period_to", metavar="YYYY-MM-DD", help="with --draft: end of period")
    common(ep)
    ep.set_defaults(func=run_entrustment)

    sp = fs.add_parser("entrustment-signed", help="record the signatures of a printed confirmation (and its scan)",
                       description="Mark a printed entrustment confirmation signed: the date, who signed, and "
                                   "optionally the scan of the signed paper (PDF/JPG/PNG), stored encrypted and "
                                   "listed in the child's attachments.")
    sp.add_argument("document", metavar="DOC_NO", help="the confirmation's document number (WT-…) or record id")
    sp.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the date it was signed")
    sp.add_argument("--signatory", required=True, action="append", metavar="NAME",
                    help="who signed (repeat for each: parents, the entrusted guardian, the child director)")
    sp.add_argument("--scan", metavar="FILE", help="the scan of the signed paper (.pdf, .jpg, .png; at most 50 MB)")
    sp.add_argument("--json", action="store_true", help="print the result as JSON")
    sp.set_defaults(func=run_entrustment_signed)

    vp = fs.add_parser("visit-sheet", help="the home-visit record sheet (blank, or filled from a visit)")
    vp.add_argument("--child", required=True, metavar="ID", help="the child's ID number or record id")
    vp.add_argument("--visit", metavar="VISIT_ID", help="fill from this visit (default: blank sheet)")
    common(vp)
    vp.set_defaults(func=run_visit_sheet)

    cp = fs.add_parser("child-file", help="the child file cover and summary (一人一档案)")
    cp.add_argument("--child", required=True, metavar="ID", help="the child's ID number or record id")
    common(cp)
    cp.set_defaults(func=run_child_file)

    rp = fs.add_parser("report", help="a mandatory report record (强制报告记录表)")
    rp.add_argument("--report", required=True, metavar="REPORT_ID", help="the report's record id")
    common(rp)
    rp.set_defaults(func=run_report)

    lp = fs.add_parser("roster", help="the roster of open files (landscape, header on every page)")
    lp.add_argument("--village", help="only this village (division code)")
    lp.add_argument("--category", help="left_behind, in_difficulty, de_facto_unsupported, orphan, key_child")
    common(lp)
    lp.set_defaults(func=run_roster)


def _fonts(args: argparse.Namespace) -> FontSet:
    """The fonts to print with; first refuses an ``--out`` that is a folder, before anything is
    read or recorded (a draft, an audit event)."""
    from carebook.documents.fonts import default_font_set
    from carebook.documents.pdf_base import output_folder_error

    refused = output_folder_error(Path(args.out).expanduser())
    if refused is not None:
        raise refused

    return default_font_set(args.font) if args.font else default_font_set()


def _emit(args: argparse.Namespace, pdf: bytes, what: str) -> int:
    from carebook.documents.pdf_base import write_pdf

    out = write_pdf(Path(args.out).expanduser(), pdf)
    print(msg(f"已生成{what}：{out}", f"wrote {what}: {out}"))
    return 0


def _with_register(args: argparse.Namespace, fn: Callable[[Register], Any]) -> Any:
    reg = open_register(args)
    try:
        return fn(reg)
    finally:
        reg.close()


def run_entrustment(args: argparse.Namespace) -> int:
    """Print the confirmation; a drafted one becomes *printed* once the PDF is written."""
    from carebook.documents import entrustment
    from carebook.documents import from_model as build

    fonts = _fonts(args)

    def work(reg: Register) -> int:
        today = reg.today()
        if args.replace and not (args.draft and args.child):
            raise CarebookError("--replace 需要和 --draft、--child 一起用", "--replace needs --draft and --child")

        def print_it(session: Any) -> None:
            # one transaction: drafting (or replacing), the PDF written, the confirmation marked
            # printed — a failure anywhere (the file cannot be written, a character no font has)
            # changes nothing (QA: a failed --replace had already renewed the printed one)
            if args.draft and args.child and args.replace:
                replace_entrustment(session, args.child, period_from=args.period_from,
                                    period_to=args.period_to, today=today)
            elif args.draft and args.child and build.latest_entrustment(
                    session, find_child(session, args.child).id) is None:
                draft_entrustment(session, args.child, period_from=args.period_from,
                                  period_to=args.period_to, today=today)
            data = build.entrustment_data(session, args.child, entrustment_ref=args.entrustment, today=today)
            status = get_entrustment(session, data.ref.document_id).status
            if status in (EntrustmentStatus.RENEWED, EntrustmentStatus.CANCELLED):
                raise StateError(
                    "这份确认书已作废或已续签，不能再打印；请打印续签后的确认书",
                    "this confirmation was cancelled or renewed: print the one that replaced it",
                )
            _emit(
                args,
                entrustment.render_entrustment(data, fonts),
                msg("委托监护确认书", "entrustment confirmation"),
            )
            mark_printed(session, data.ref.document_id)

        reg.write(print_it)
        return 0

    result: int = _with_register(args, work)
    return result


def run_entrustment_signed(args: argparse.Namespace) -> int:
    """Record the signatures (and scan) of a printed confirmation; prints what was recorded."""
    from carebook.cli.common import print_json
    from carebook.model.services.entrustment_scans import record_signatures

    scan = Path(args.scan).expanduser() if args.scan else None

    def work(reg: Register) -> Any:
        return reg.write(record_signatures, reg.attachments_dir(), args.document, signed_on=args.date,
                         signatories=list(args.signatory), scan=scan, today=reg.today())

    done = _with_register(args, work)
    if args.json:
        print_json(done.to_json())
        return 0
    print(msg(f"已登记签字：{done.document_no}（签订日期 {done.signed_on}，签字人：{'、'.join(done.signatories)}）",
              f"signatures recorded: {done.document_no} (signed {done.signed_on} by {', '.join(done.signatories)})"))
    if done.scan is not None:
        print(msg(f"扫描件已加密保存：{done.scan.filename}（SHA-256 {done.scan.sha256[:16]}…）",
                  f"scan stored encrypted: {done.scan.filename} (SHA-256 {done.scan.sha256[:16]}…)"))
    return 0


def run_visit_sheet(args: argparse.Namespace) -> int:
    """Print a blank or filled visit sheet."""
    from carebook.documents import from_model as build
    from carebook.documents import visit_sheet

    fonts = _fonts(args)
    data = _with_register(
        args, lambda reg: reg.read(build.visit_sheet_data, args.child, args.visit, today=reg.today())
    )
    return _emit(args, visit_sheet.render_visit_sheet(data, fonts), msg("入户走访记录表", "visit sheet"))


def run_child_file(args: argparse.Namespace) -> int:
    """Print the child file cover and summary."""
    from carebook.documents import child_file
    from carebook.documents import from_model as build

    fonts = _fonts(args)
    data = _with_register(args, lambda reg: reg.read(build.child_file_data, args.child, today=reg.today()))
    return _emit(args, child_file.render_child_file(data, fonts), msg("儿童档案", "child file"))


def run_report(args: argparse.Namespace) -> int:
    """Print a mandatory report record. The report names its reporter: printing it is an
    access, recorded in the audit (``open_report``, as the desktop does when it opens one) in
    the same transaction that reads it, so no report is printed without its event."""
    from carebook.documents import from_model as build
    from carebook.documents import report_record
    from carebook.model.audit import open_report

    fonts = _fonts(args)

    def read(session: Session, today: Any) -> Any:
        open_report(session, args.report)  # NotFoundError: nothing logged
        return build.report_record_data(session, args.report, today=today)

    data = _with_register(args, lambda reg: reg.write(read, reg.today()))
    return _emit(
        args, report_record.render_report_record(data, fonts), msg("强制报告记录表", "report record")
    )


def run_roster(args: argparse.Namespace) -> int:
    """Print the roster of open files (optionally of one village or category)."""
    from carebook.documents import from_model as build
    from carebook.documents import roster

    fonts = _fonts(args)

    def work(reg: Register) -> Any:
        if args.village:
            from sqlalchemy import select

            from carebook.model.organisation import OrgUnit

            known = reg.read(lambda s: s.scalar(select(OrgUnit.name).where(OrgUnit.code == args.village)))
            if known is None:
                raise NotFoundError(
                    f"本机的档案里没有代码为 {args.village} 的村（居）。请检查 --village 给的村代码（12 位区划代码）",
                    f"No village with code {args.village} in this register. Check the 12-digit division code "
                    "given with --village")
        rows = reg.list_children(ChildFilter(category=args.category, village_code=args.village, closed=False))
        inst = reg.installation()
        unit = inst.org_name if inst else ""
        contacts = reg.read(build.roster_contacts, [r.id for r in rows])
        return build.roster_data(rows, township=unit, today=reg.today(), contacts=contacts)

    data = _with_register(args, work)
    return _emit(args, roster.render_roster(data, fonts), msg("花名册", "roster"))


__all__ = ["register", "run_child_file", "run_entrustment", "run_entrustment_signed", "run_report", "run_roster",
           "run_visit_sheet"]
