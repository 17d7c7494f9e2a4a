"""The conflicts view's "Enter a value" on a real township with real conflicts: a typed value
follows the rules of an ordinary edit of the field (黄色 → ``yellow``; a grade over 40 characters
or a colour that is not one refused in words, nothing decided), as ``carebook conflicts
resolve --keep value`` does."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path
from typing import Any

from carebook.sync.conflicts import list_conflicts
from carebook.ui import errors as ui_errors
from carebook.ui.app import make_context
from carebook.ui.i18n import install_language
from carebook.ui.sync.conflicts_view import ConflictsView
from carebook.ui.sync.ops import attach_database
from sync_world import build_world


def test_a_typed_value_is_checked_like_an_edit(tmp_path: Path, qapp: Any, qtbot: Any) -> None:
    world = build_world(tmp_path / "w", 1)
    try:
        village, town = world.villages[0], world.township
        world.import_ledger(village, 2, seed=21)
        world.sync_round()
        cid = village.register.child_ids()[0]
        village.register.update_child(cid, {"risk_colour": "蓝色", "school_grade": "三年级"})
        town.register.update_child(cid, {"risk_colour": "绿色", "school_grade": "四年级"})
        world.sync_round()
        attach_database(town.register, town.db)
        ctx = make_context(town.register, tmp_path / "ui")
        install_language("zh_CN")
        view = ConflictsView(ctx)
        qtbot.addWidget(view)
        try:
            view.reload()
            ctx.tasks.wait_idle(60)
            rows = {line.field: i for i, line in enumerate(view.lines)}
            assert set(rows) == {"风险等级", "年级"}

            for field, typed in (("年级", "年" * 60), ("风险等级", "紫色")):
                view.table.selectRow(rows[field])
                view.decide("value", typed)
                ctx.tasks.wait_idle(60)
            assert "最多40个字" in ui_errors.shown_messages[-2]
            assert "紫色" in ui_errors.shown_messages[-1] and "黄色" in ui_errors.shown_messages[-1]
            assert len(town.register.read(list_conflicts)) == 2  # nothing decided

            view.table.selectRow(rows["风险等级"])
            view.decide("value", "黄色")
            ctx.tasks.wait_idle(60)
            ctx.tasks.wait_idle(60)
            decided = town.register.read(list_conflicts, status="resolved")
            assert [d.decision for d in decided] == [{"keep": "value", "value": "yellow"}]
            assert str(town.register.child_detail(cid).fields["risk_colour"]) in ("yellow", "黄色", "RiskColour.YELLOW")
        finally:
            ctx.tasks.wait_idle(60)
            ctx.tasks.shutdown()
    finally:
        world.close()
