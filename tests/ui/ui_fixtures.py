"""Synthetic registers for the desktop tests and benchmarks (no real personal data)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

import carebook.model.schema  # noqa: F401  (registers every table)
from carebook.model.base import Base
from carebook.model.idnumber import id_number_check_character
from carebook.model.register import Register

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单"
GIVEN = "思远子涵浩然雨桐一诺梓轩欣怡宇航佳琪俊杰诗涵嘉怡明轩若曦文博语嫣晨阳心怡天佑雅琪皓轩梦瑶"


def make_id_number(birth: dt.date, sex_odd: bool, rnd: random.Random, area: str = "610404") -> str:
    """A valid synthetic resident ID number (GB 11643-1999) for ``birth``."""
    seq = rnd.randrange(0, 500) * 2 + (1 if sex_odd else 0)
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + id_number_check_character(body)


def open_plain_register(path: Path, today: dt.date | None = None) -> Register:
    """A register in a plain (unencrypted) SQLite file with the full schema, set up as a
    village. The SQLCipher path is exercised by the storage tests; this one is fast."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    Base.metadata.create_all(engine)
    register = Register(sessionmaker(engine, expire_on_commit=False), data_dir=path.parent,
                        today=(lambda: today) if today else None, close=engine.dispose)
    return register


def set_up_village(register: Register) -> None:
    """Initialise as 某某村 (village 610404001001) under 某某镇."""
    register.initialise(role="village", org_code="610404001001", org_name="示范村",
                        parent_code="610404001", parent_name="示范镇", actor="李主任")


def add_children(register: Register, n: int, seed: int = 7) -> list[str]:
    """Register ``n`` synthetic children through the service (slow for large n)."""
    rnd = random.Random(seed)
    ids = []
    for i in range(n):
        birth = dt.date(2010, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 12))
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        values: dict[str, Any] = {
            "name": name,
            "id_number": make_id_number(birth, i % 2 == 0, rnd),
            "registration_type": "rural",
            "father.name": rnd.choice(SURNAMES) + "建国",
            "father.status": "working_away",
            "father.work_place": "广东省深圳市",
            "mother.name": rnd.choice(SURNAMES) + "秀英",
            "mother.status": rnd.choice(["working_away", "at_home", "deceased"]),
            "guardian.name": rnd.choice(SURNAMES) + "桂兰",
            "guardian.relation": "62",
            "risk_colour": rnd.choice(["red", "yellow", "blue", "green", None]),
        }
        ids.append(register.register_child({k: v for k, v in values.items() if v is not None}).record_id)
    return ids


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type ``text`` into a line or plain-text edit as a user would. Latin text goes through
    key clicks; Chinese text is committed at once, as an input method does (QTest cannot
    click keys for characters outside Latin-1)."""
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    elif isinstance(widget, QLineEdit):
        widget.insert(text)
    elif isinstance(widget, QPlainTextEdit):
        widget.insertPlainText(text)
    else:
        raise TypeError(widget)
