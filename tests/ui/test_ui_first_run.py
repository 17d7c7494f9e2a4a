"""The first-run wizard: role, organisation, the sample ledger imported with its bad rows
listed, visit frequencies saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox
from ui_fixtures import type_text

from carebook.model.queries.children import ChildFilter
from carebook.model.register import Register
from carebook.ui.first_run import FirstRunWizard

SAMPLE = Path("/work/shared/samples/village-ledger-sample.xlsx")
if not SAMPLE.exists():
    SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "village-ledger-sample.xlsx"


@pytest.fixture
def first_ctx(qapp: object, empty_register: Register, tmp_path: Path) -> Any:
    from carebook.ui.app import make_context

    context = make_context(empty_register, tmp_path / "ui")
    yield context
    context.tasks.shutdown()


def test_wizard_refuses_a_village_code_outside_its_township(first_ctx: Any, empty_register: Register,
                                                             qtbot: Any) -> None:
    """The rule of `carebook init`: a village's 12-digit code starts with its township's 9
    digits. A village code outside the township is refused on the page, nothing is set up."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from carebook.ui import backend

    def boxes() -> set[int]:  # message boxes on screen (another test's may linger in this process)
        return {id(w) for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()}

    before = boxes()
    wizard = FirstRunWizard(first_ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    type_text(qtbot, wizard.role_page.actor, "李红")
    wizard.next()
    org = wizard.organisation_page
    type_text(qtbot, org.org_name, "某某村民委员会")
    qtbot.keyClicks(org.org_code, "610404001001")
    type_text(qtbot, org.parent_name, "某某镇")
    qtbot.keyClicks(org.parent_code, "610404002")  # a neighbouring township
    wizard.next()
    assert wizard.currentPage() is org
    text = org.error.text()
    assert "610404001001" in text and "610404002" in text and "不在" in text and "请核对" in text
    assert "Traceback" not in text and "Error" not in text
    assert org.parent_code.hasFocus()
    assert boxes() <= before  # refused on the page, not in a dialog
    assert backend.needs_first_run(empty_register) and empty_register.installation() is None
    org.parent_code.clear()
    qtbot.keyClicks(org.parent_code, "610404001")  # the right township: set up
    wizard.next()
    assert wizard.currentPage() is wizard.ledger_page
    installation = empty_register.installation()
    assert installation is not None and installation.org_code == "610404001001"


@pytest.mark.skipif(not SAMPLE.exists(), reason="the shared sample ledger is not here")
def test_wizard_sets_up_and_imports_the_sample_ledger(first_ctx: Any, empty_register: Register, qtbot: Any) -> None:
    from carebook.ui import backend

    assert backend.needs_first_run(empty_register)
    wizard = FirstRunWizard(first_ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    type_text(qtbot, wizard.role_page.actor, "李红")
    wizard.next()
    org = wizard.organisation_page
    type_text(qtbot, org.org_name, "某某村民委员会")
    qtbot.keyClicks(org.org_code, "61040400100")  # 11 digits: refused
    type_text(qtbot, org.parent_name, "某某镇")
    qtbot.keyClicks(org.parent_code, "610404001")
    wizard.next()
    assert wizard.currentPage() is org
    assert "12 位" in org.error.text()  # as `carebook init` says it: a village's code has 12 digits
    qtbot.keyClicks(org.org_code, "1")
    wizard.next()
    assert wizard.currentPage() is wizard.ledger_page
    installation = empty_register.installation()
    assert installation is not None and installation.org_name == "某某村民委员会"

    page = wizard.ledger_page
    page.open_file(SAMPLE)
    first_ctx.tasks.wait_idle()
    first_ctx.tasks.wait_idle()
    # the mapping preview: one row per column, the recognised field chosen
    assert page.mapping.rowCount() == 27
    combo = page.mapping.cellWidget(4, 2)
    assert isinstance(combo, QComboBox) and combo.currentData() == "id_number"
    assert page.mapping.item(4, 1).text() == "身份证号"
    # the check (dry run) lists the bad rows and writes nothing
    assert page.result is not None and page.result.dry_run
    assert sorted({int(page.bad_rows.item(r, 0).text()) for r in range(page.bad_rows.rowCount())}) == [6, 11, 12]
    problems = [page.bad_rows.item(r, 2).text() for r in range(page.bad_rows.rowCount())]
    assert any("校验码" in p for p in problems)
    assert any("2031-02-30" in p for p in problems)
    assert "37" in page.summary.text() and "3" in page.summary.text()
    assert empty_register.child_ids(ChildFilter(closed=None)) == []

    # the user corrects the mapping: 备注 (notes) is not to be read
    notes = page.mapping.cellWidget(26, 2)
    assert isinstance(notes, QComboBox)
    notes.setCurrentIndex(0)
    notes.activated.emit(0)
    first_ctx.tasks.wait_idle()
    first_ctx.tasks.wait_idle()
    assert page.table.column_of("notes") is None

    page.run(dry_run=False)
    first_ctx.tasks.wait_idle()
    assert page.imported and page.result.written
    ids = empty_register.child_ids(ChildFilter(closed=None))
    assert len(ids) == 37
    assert all(empty_register.child_detail(i).fields["notes"] is None for i in ids[:5])
    assert page.bad_rows.rowCount() == len(page.result.errors) >= 3
    assert "37" in page.summary.text()

    wizard.next()
    freq = wizard.frequency_page
    first_ctx.tasks.wait_idle()
    freq.settings.risk_spins["red"].setValue(10)
    wizard.button(wizard.WizardButton.FinishButton).click()
    assert wizard.result() == wizard.DialogCode.Accepted
    assert empty_register.settings().visit_interval_by_risk["red"] == 10
