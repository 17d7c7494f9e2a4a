"""The recovery sheet (恢复密钥单): one A4 page holding the recovery key.

It shows the organisation, the date, the key's short id, the key as eight groups of four in a
large monospaced face and as a QR code (payload ``CAREBOOK-RECOVERY:<32 symbols>``, byte mode),
and where to keep the sheet. The key exists nowhere else in readable form: the sheet is the
only way back when the PC dies (see :mod:`carebook.model.recovery`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from carebook.documents.cjk_text import draw_string
from carebook.documents.fonts import FontSet, default_font_set
from carebook.documents.pdf_base import SAN_HAO, STYLES, WU_HAO, XIAO_ER, draw_qr, write_pdf
from carebook.model.command_name import CLI
from carebook.model.recovery import format_recovery_key, parse_recovery_key

QR_PREFIX = "CAREBOOK-RECOVERY:"

KEEP_LINES = (
    "请妥善保管本单：",
    "1. 不要放在电脑旁边，也不要和备份U盘放在一起；",
    "   锁在村委会的文件柜里，或交乡镇儿童督导员保管。",
    "2. 不要拍照、复印、扫描或通过微信、邮件发送。",
    "3. 电脑损坏、被盗或忘记密码时，用本单上的恢复密钥和一个备份文件",
    "   在新电脑上恢复数据：",
    f"   {CLI} restore 备份文件.db --recovery-key（或在桌面程序中选择“从备份恢复”）。",
    "4. 重新打印恢复单后，旧的恢复单即作废，请将旧单粉碎销毁。",
)
KEEP_LINES_EN = (
    "Keep this sheet locked away from the PC and from the backup stick; do not photograph or send it.",
    "With it and a backup file a new PC restores the register. Printing a new sheet voids this one.",
)


@dataclass(frozen=True)
class RecoverySheetData:
    """What the sheet shows: the recovery key (any accepted form), the organisation's name
    and division code, the date printed, and the key id (16 hex digits of the wrap)."""

    recovery_key: str
    org_name: str
    org_code: str
    printed_on: dt.date
    key_id: str = ""


def qr_payload(recovery_key: str) -> bytes:
    """The QR payload: ``CAREBOOK-RECOVERY:`` and the 32 canonical symbols (ASCII)."""
    return (QR_PREFIX + parse_recovery_key(recovery_key)).encode("ascii")


def render_recovery_sheet(data: RecoverySheetData, *, fonts: FontSet | None = None) -> bytes:
    """Render the sheet to PDF bytes. Raises ``RecoveryKeyError`` for a malformed key and the
    font errors of :mod:`carebook.documents.fonts`."""
    fonts = fonts if fonts is not None else default_font_set()
    grouped = format_recovery_key(data.recovery_key)
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=A4, invariant=True)
    canv.setTitle("Carebook 恢复密钥单 / recovery sheet")
    canv.setSubject("Carebook recovery key")
    width, height = A4
    left = 20 * mm
    y = height - 28 * mm
    draw_string(
        canv, width / 2, y, "Carebook 数据恢复密钥单", STYLES.title.but(size=XIAO_ER), fonts, align="center"
    )
    y -= 9 * mm
    draw_string(canv, width / 2, y, "Recovery sheet — keep it secret", STYLES.body, fonts, align="center")
    y -= 14 * mm
    body = STYLES.body.but(size=SAN_HAO * 0.8)
    for line in (
        f"单位：{data.org_name}（{data.org_code}）",
        f"打印日期：{data.printed_on.isoformat()}",
        f"密钥编号：{data.key_id or '—'}",
    ):
        draw_string(canv, left, y, line, body, fonts)
        y -= 8 * mm
    y -= 4 * mm
    draw_string(canv, left, y, "恢复密钥 / Recovery key:", body, fonts)
    y -= 14 * mm
    groups = grouped.split("-")
    canv.setFont("Courier-Bold", 22)
    canv.drawString(left, y, "  ".join(groups[:4]))
    y -= 11 * mm
    canv.drawString(left, y, "  ".join(groups[4:]))
    y -= 10 * mm
    qr_size = 55 * mm
    y -= qr_size
    draw_qr(canv, qr_payload(data.recovery_key), (width - qr_size) / 2, y, qr_size)
    y -= 12 * mm
    small = STYLES.body.but(size=WU_HAO)
    for line in KEEP_LINES:
        draw_string(canv, left, y, line, small, fonts)
        y -= 6.5 * mm
    y -= 3 * mm
    for line in KEEP_LINES_EN:
        draw_string(canv, left, y, line, small, fonts)
        y -= 6 * mm
    canv.showPage()
    canv.save()
    return buf.getvalue()


def write_recovery_sheet(
    path: str | os.PathLike[str], data: RecoverySheetData, *, fonts: FontSet | None = None
) -> Path:
    """Render and write the sheet atomically (see :func:`carebook.documents.pdf_base.write_pdf`)."""
    return write_pdf(path, render_recovery_sheet(data, fonts=fonts))
