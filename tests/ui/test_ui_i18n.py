"""The shipped Chinese translation covers every string of the desktop app (issue 3,
acceptance 3), and the committed .qm is built from the committed .ts."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_translations  # noqa: E402

TS = ROOT / "resources" / "i18n" / "carebook_zh_CN.ts"
QM = ROOT / "resources" / "i18n" / "carebook_zh_CN.qm"


def _messages(ts: Path) -> dict[tuple[str, str], tuple[str | None, str]]:
    out = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            tr = message.find("translation")
            assert tr is not None
            out[(name, message.findtext("source", ""))] = (tr.get("type"), "".join(tr.itertext()))
    return out


def test_every_ui_string_has_a_finished_chinese_translation(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    build_translations.lupdate(fresh)
    needed = _messages(fresh)
    assert len(needed) > 150, "lupdate found suspiciously few strings in src/carebook/ui"
    shipped = _messages(TS)
    missing = [key for key in needed if key not in shipped]
    unfinished = [key for key in needed if key in shipped and (shipped[key][0] is not None or not shipped[key][1].strip())]
    assert not missing, f"strings missing from {TS.name}: {missing[:20]}"
    assert not unfinished, f"unfinished translations in {TS.name}: {unfinished[:20]}"


def test_translations_are_chinese_and_keep_placeholders() -> None:
    for (context, source), (_kind, text) in _messages(TS).items():
        for placeholder in ("%1", "%2", "%3"):
            assert (placeholder in source) == (placeholder in text), (context, source, text)
        words = re.sub(r"Ctrl\+\S*|%\d|\*\.\w+|HH:MM", "", source)
        if re.search("[A-Za-z]{2,}", words):
            assert any("\u4e00" <= c <= "\u9fff" for c in text), (context, source, text)


def test_committed_qm_is_built_from_the_committed_ts(tmp_path: Path) -> None:
    qm = tmp_path / "out.qm"
    build_translations.lrelease(TS, qm)
    assert qm.read_bytes() == QM.read_bytes(), "run: .venv/bin/python tools/build_translations.py"


def test_app_shows_chinese_by_default_and_english_on_request(qapp: object) -> None:
    from PySide6.QtCore import QCoreApplication

    from carebook.model.i18n import current_language
    from carebook.ui.i18n import install_language

    assert install_language("zh_CN")
    assert QCoreApplication.translate("RegisterPage", "Register of children") == "儿童名册"
    assert current_language() == "zh"
    install_language("en")
    assert QCoreApplication.translate("RegisterPage", "Register of children") == "Register of children"
    assert current_language() == "en"
    install_language("zh_CN")


def test_build_script_check_passes() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_translations.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_qt_standard_buttons_are_chinese(qapp: object) -> None:
    """QA: the unsaved-changes question showed Save / Discard / Cancel in English (qt_zh_CN.qm
    needs qtmultimedia's catalogue, which PySide6-Essentials lacks; qtbase_zh_CN.qm has them)."""
    from PySide6.QtWidgets import QDialogButtonBox

    from carebook.ui.i18n import install_language

    assert install_language("zh_CN")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Discard
                           | QDialogButtonBox.StandardButton.Cancel)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert not texts & {"Save", "Discard", "Cancel"}, texts
    assert any("保存" in t for t in texts) and any("取消" in t for t in texts), texts


def test_settings_language_box_shows_the_language_in_use(ctx: object) -> None:
    """QA: with ``--lang en`` the settings page's language box still showed 简体中文 (the stored
    choice), not the language the app was showing."""
    from carebook.ui.i18n import install_language
    from carebook.ui.pages.settings_page import SettingsPage

    try:
        install_language("en")
        page = SettingsPage(ctx)  # type: ignore[arg-type]
        assert page.language.currentData() == "en"
    finally:
        install_language("zh_CN")
    assert SettingsPage(ctx).language.currentData() == "zh_CN"  # type: ignore[arg-type]
