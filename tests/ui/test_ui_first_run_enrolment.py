"""The first-run wizard started from the township's enrolment file (as ``carebook init
--enrolment FILE``), on real encrypted registers: a wrong code is refused in words and sets up
nothing; the right one shows the village, the township and its fingerprint, and sets up the
village with the township pinned. For a replacement file it says the files come back from the
township, and they do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from carebook.sync.exchange import import_bundles
from carebook.sync.identity import load_installation_keys
from carebook.sync.restore import create_replacement_enrolment_file
from carebook.sync.trust_store import load_peers
from carebook.ui.first_run import FirstRunWizard
from carebook.ui.sync.ops import attach_database
from sync_world import build_world, create_site, village_code


def test_wizard_starts_a_replaced_village_pc_from_its_enrolment_file(qapp: object, qtbot: Any,
                                                                     tmp_path: Path) -> None:
    from carebook.ui.app import make_context
    from carebook.ui.i18n import install_language

    world = build_world(tmp_path / "w", 1)
    try:
        old = world.villages[0]
        world.import_ledger(old, 3, seed=501)
        import_bundles(world.township, world.export(old), backup=False)
        world.villages.clear()
        old.close()
        made = create_replacement_enrolment_file(world.township, village_code=village_code(0),
                                                 village_name="第1村", out=tmp_path / "enrol.cbe",
                                                 code="1111-2222-3333")
        new = create_site(tmp_path / "new-pc")
        world.villages.append(new)
        attach_database(new.register, new.db)
        ctx = make_context(new.register, tmp_path / "ui")
        install_language("zh_CN")
        try:
            wizard = FirstRunWizard(ctx)
            qtbot.addWidget(wizard)
            wizard.show()
            wizard.role_page.enrolled.setChecked(True)
            wizard.role_page.actor.setText("李秀英")
            wizard.next()
            page = wizard.organisation_page
            assert page.enrolment_file.isVisibleTo(page) and not page.org_name.isVisibleTo(page)
            page.enrolment_file.setText(str(made.path))
            page.enrolment_code.setText("1111-2222-4444")
            wizard.next()
            assert wizard.currentPage() is page and "登记码" in page.error.text()
            assert new.register.installation() is None  # nothing set up
            page.enrolment_code.setText("1111 2222 3333")
            page.check_enrolment()
            ctx.tasks.wait_idle()
            township_fp = load_installation_keys(world.township.db.keystore).public().fingerprint
            summary = page.summary.text()
            assert "第1村" in summary and township_fp in summary and "更换电脑" in summary
            wizard.next()
            assert wizard.currentPage() is wizard.ledger_page
            inst = new.register.installation()
            assert inst is not None and inst.org_code == village_code(0) and inst.role.code == "village"
            assert [p.role for p in new.register.read(load_peers)] == ["township"]
            assert page.started is not None and page.started.summary.replacement
        finally:
            ctx.tasks.wait_idle()
            ctx.tasks.shutdown()
        # the files come back as the wizard said
        import_bundles(world.township, world.export(new), backup=False)
        restored = import_bundles(new, world.export(world.township), backup=False)[0]
        assert restored.restore and restored.restored_children == 3
    finally:
        world.close()
