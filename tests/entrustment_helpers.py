"""A child whose parents work away, with an entrusted guardian and a *printed* entrustment
confirmation (synthetic people), for the signature tests of the CLI and the app."""

from __future__ import annotations

import datetime as dt

from carebook.model.entrustments import Entrustment
from carebook.model.idnumber import id_number_check_character
from carebook.model.register import Register
from carebook.model.services.entrustments import mark_printed


def _id(body17: str) -> str:
    return body17 + id_number_check_character(body17)


CHILD_NAME = "欧阳小雨"
CHILD_ID = _id("61040220150618031")
GUARDIAN_NAME = "王桂兰"


def add_printed_entrustment(reg: Register, *, child_id_number: str = CHILD_ID, name: str = CHILD_NAME) -> tuple[str, str]:
    """Register a left-behind child with a guardian, draft and print-mark a confirmation;
    returns (child record id, document number)."""
    child = reg.register_child({
        "name": name, "id_number": child_id_number, "registration_type": "农业",
        "current_address": "东湾村3组18-2号",
        "father.name": "欧阳建国", "father.status": "外出务工", "father.away_since": dt.date(2024, 1, 1),
        "mother.name": "李秀英", "mother.status": "外出务工", "mother.away_since": dt.date(2024, 1, 1),
        "guardian.name": GUARDIAN_NAME, "guardian.relation": "祖母", "guardian.phone": "13700000003",
        "guardian.address": "东湾村3组18号",
    })
    child_id = str(child.record_id)
    drafted = reg.draft_entrustment(child_id)
    # printed two months ago, so the tests may record signatures on any recent date
    reg.write(mark_printed, str(drafted.record_id), printed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=60))
    document_no = reg.read(lambda s: s.get(Entrustment, drafted.record_id).document_no)
    return child_id, str(document_no)
