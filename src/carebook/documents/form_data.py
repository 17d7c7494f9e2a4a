"""Plain data printed on the forms: frozen dataclasses, no database objects.

The documents layer draws only what these hold, already as display text (labels in Chinese,
dates as ``datetime.date``), so it can be tested without a database. ``from_model.py`` fills them
from the register. Empty strings print as blanks to fill in by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum


class DocumentKind(StrEnum):
    """Kinds of printed document; the value is the stable code carried in the QR payload."""

    ENTRUSTMENT = "entrustment"  # 委托监护确认书
    VISIT_SHEET = "visit_sheet"  # 入户走访记录表
    CHILD_FILE = "child_file"  # 一人一档案 封面/概况
    REPORT_RECORD = "report_record"  # 强制报告记录表
    ROSTER = "roster"  # 乡镇（街道）儿童花名册
    CHILD_HISTORY = "child_history"  # 档案变更记录 (documents.history_pdf)


@dataclass(frozen=True)
class DocumentRef:
    """What identifies one printed document, carried in its QR code and footer.

    Attributes:
        kind: the form.
        document_id: UUID of the printed document (for the entrustment: the confirmation's
            record id), so a signed scan can be matched back.
        child_id: the child's record id (UUID), or "" for documents about many children.
        record_version: version of the record printed (the ``version`` column).
        issued_on: the date printed on the form.
    """

    kind: DocumentKind
    document_id: str
    child_id: str = ""
    record_version: int = 0
    issued_on: dt.date | None = None

    def qr_payload(self) -> bytes:
        """The QR code content: compact JSON, UTF-8 bytes, keys in a fixed order.

        ``{"app":"carebook","kind":…,"doc":…,"child":…,"ver":…}``. The same on every page of a
        document (the copies of the entrustment confirmation share it: the copy is printed, and
        one code per document keeps batch printing fast).
        """
        data: dict[str, object] = {
            "app": "carebook",
            "kind": self.kind.value,
            "doc": self.document_id,
            "child": self.child_id,
            "ver": self.record_version,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_qr_payload(data: bytes | str) -> dict[str, object]:
    """Decode a scanned QR payload produced by :meth:`DocumentRef.qr_payload`.

    Raises:
        ValueError: not JSON, or not a Carebook payload.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    obj = json.loads(text)
    if not isinstance(obj, dict) or obj.get("app") != "carebook":
        raise ValueError("not a Carebook QR payload")
    return obj


@dataclass(frozen=True)
class ChildSummary:
    """The child as printed at the top of a form (儿童基本信息)."""

    record_id: str
    name: str
    sex: str = ""  # "男" / "女"
    date_of_birth: dt.date | None = None
    id_number: str = ""
    ethnic_group: str = ""
    registered_address: str = ""  # 户籍地址
    current_address: str = ""  # 现住址
    school: str = ""  # school name and grade, or the schooling stage
    categories: tuple[str, ...] = ()  # 农村留守儿童, 困境儿童, …
    village: str = ""  # 村（居）委会
    township: str = ""  # 乡镇（街道）
    county: str = ""


@dataclass(frozen=True)
class PersonInfo:
    """A parent, guardian or other adult on a form (父母 / 受委托监护人)."""

    name: str
    relation: str = ""  # relationship to the child, e.g. "父亲", "祖母"
    id_number: str = ""
    phone: str = ""
    address: str = ""
    workplace: str = ""  # where a parent works away (务工地点), e.g. "广东省东莞市"
    status: str = ""  # e.g. "外出务工", "重病"
    date_of_birth: dt.date | None = None
    health: str = ""


class EntrustmentReason(StrEnum):
    """Why guardianship is entrusted (委托事由), DOMAIN.md; values are the register's codes
    (``carebook.model.enums.EntrustmentReason``)."""

    BOTH_AWAY = "both_away"  # 父母双方外出务工
    ONE_AWAY_OTHER_INCAPABLE = "one_away"  # 一方外出务工，另一方无监护能力
    BOTH_INCAPABLE = "both_incapable"  # 父母双方均无监护能力

    @property
    def zh(self) -> str:
        """Chinese label as printed."""
        return {
            "both_away": "父母双方外出务工",
            "one_away": "一方外出务工、另一方无监护能力",
            "both_incapable": "父母双方均无监护能力",
        }[self.value]


@dataclass(frozen=True)
class EntrustmentFormData:
    """Everything printed on the entrustment-guardianship confirmation (委托监护确认书).

    ``parents`` are the entrusting parents (one or two). ``period_from``/``period_to`` bound the
    entrustment, inclusive. ``reason`` is None when the recorded facts give none: every reason
    box is then printed empty (□), to be ticked by hand.
    """

    ref: DocumentRef
    child: ChildSummary
    parents: tuple[PersonInfo, ...]
    guardian: PersonInfo
    reason: EntrustmentReason | None
    period_from: dt.date
    period_to: dt.date
    reason_note: str = ""
    village_committee: str = ""  # e.g. "某某县某某镇幸福村村民委员会"
    child_director: str = ""
    child_director_phone: str = ""


@dataclass(frozen=True)
class VisitRecord:
    """One home visit as printed on the visit sheet (入户走访记录). ``visited_at``: the date and
    time of the visit, or its date alone when no time was recorded."""

    visited_at: dt.date | dt.datetime | None = None
    method: str = "入户"  # 入户 / 电话 / 学校
    place: str = ""
    visitors: str = ""
    interviewee: str = ""
    interviewee_relation: str = ""
    last_parent_contact: str = ""
    living_conditions: str = ""
    family_situation: str = ""
    guardianship: str = ""
    mental_state: str = ""
    schooling: str = ""
    health: str = ""
    guardian_opinion: str = ""
    actions: str = ""
    suggested_help: str = ""
    mark_key_child: bool | None = None
    next_visit_on: dt.date | None = None


@dataclass(frozen=True)
class VisitSheetData:
    """The home-visit record sheet: blank for field use when ``visit`` is None."""

    ref: DocumentRef
    child: ChildSummary
    guardian: PersonInfo | None = None
    parents: tuple[PersonInfo, ...] = ()
    visit: VisitRecord | None = None
    child_director: str = ""


@dataclass(frozen=True)
class AssistanceItem:
    """One kind of assistance received (低保, 孤儿基本生活费, …) with start month and amount."""

    kind: str
    since: str = ""  # "2024年3月"
    amount: str = ""  # "1200元/月"


@dataclass(frozen=True)
class ChildFileData:
    """The child file cover and summary (一人一档案 封面及基本情况)."""

    ref: DocumentRef
    child: ChildSummary
    parents: tuple[PersonInfo, ...] = ()
    guardian: PersonInfo | None = None
    grandparents: tuple[PersonInfo, ...] = ()
    lives_with: str = ""
    guardianship_assessment: str = ""  # 好 / 一般 / 差
    health: str = ""
    disability: str = ""
    risk_colour: str = ""
    key_child: bool = False
    income_sources: tuple[str, ...] = ()
    assistance: tuple[AssistanceItem, ...] = ()
    service_plan: str = ""
    entrustment_status: str = ""
    recent_visits: tuple[tuple[dt.date, str, str], ...] = ()  # (date, visitor, summary)
    opened_on: dt.date | None = None
    child_director: str = ""
    file_number: str = ""


@dataclass(frozen=True)
class FollowUp:
    """One follow-up action on a report or referral: date, what was done, by whom."""

    on: dt.date | None
    action: str
    by: str = ""


@dataclass(frozen=True)
class Referral:
    """A referral to another agency (转介): agency, reason, status, outcome."""

    agency: str
    reason: str = ""
    status: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class ReportRecordData:
    """A mandatory report record (强制报告记录). The reporter's identity is confidential."""

    ref: DocumentRef
    child: ChildSummary
    situations: tuple[str, ...]
    found_at: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    reporter: str = ""
    reporter_unit: str = ""
    police_station: str = ""
    officer: str = ""
    receipt_number: str = ""
    description: str = ""
    follow_ups: tuple[FollowUp, ...] = ()
    referrals: tuple[Referral, ...] = ()
    outcome: str = ""


@dataclass(frozen=True)
class RosterRow:
    """One child on the township roster (花名册)."""

    village: str
    name: str
    sex: str = ""
    date_of_birth: dt.date | None = None
    id_number: str = ""
    categories: str = ""
    guardian: str = ""  # "张桂兰（祖母）"
    guardian_phone: str = ""
    address: str = ""
    child_director: str = ""
    last_visit: dt.date | None = None
    risk_colour: str = ""
    note: str = ""


@dataclass(frozen=True)
class RosterData:
    """The township roster: a title, the unit, and its rows in print order."""

    ref: DocumentRef
    township: str
    rows: tuple[RosterRow, ...]
    title: str = "农村留守儿童和困境儿童花名册"
    prepared_by: str = ""
