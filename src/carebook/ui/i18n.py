"""Translations of the desktop app.

Source strings are English inside ``tr()``; the shipped translation is Simplified Chinese
(``zh_CN``), the default. ``resources/i18n/carebook_zh_CN.ts`` is the source (edited with
Qt Linguist or by hand); ``carebook_zh_CN.qm`` is built from it with ``pyside6-lrelease`` by
``tools/build_translations.py`` (run by the README setup command) and committed too, so a
checkout runs without a build step. To pick up new strings::

    .venv/bin/python tools/build_translations.py --update   # lupdate, then lrelease

The model layer has its own language switch (:mod:`carebook.model.i18n`) for its messages and
enumeration labels; :func:`install_language` sets both.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from carebook.model import i18n as model_i18n

#: The languages offered in the settings: code -> name shown in its own language.
LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"

_installed: list[QTranslator] = []


def translations_dir() -> Path:
    """Return the directory holding ``carebook_<lang>.qm``.

    Looked up in this order: ``$CAREBOOK_I18N_DIR``; ``carebook/resources/i18n`` inside the
    installed package (the installer copies it there); ``resources/i18n`` of the source
    checkout.
    """
    env = os.environ.get("CAREBOOK_I18N_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "resources" / "i18n"
    if (packaged / "carebook_zh_CN.qm").exists():
        return packaged
    return here.parents[3] / "resources" / "i18n"


def install_language(language: str) -> bool:
    """Switch the app to ``language`` (``"zh_CN"`` or ``"en"``).

    Removes translators installed earlier, loads ``carebook_<language>.qm`` and Qt's own
    ``qtbase_<language>.qm`` (standard buttons; ``qt_<language>.qm`` where that is missing), sets the default QLocale and the model's
    message language. Returns False when the Carebook translation file could not be loaded
    (the English source strings are then shown).
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_language needs a QApplication")
    for translator in _installed:
        QCoreApplication.removeTranslator(translator)
    _installed.clear()
    model_i18n.set_language("en" if language.startswith("en") else "zh")
    if language.startswith("en"):
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return True
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    ok = False
    ours = QTranslator(app)
    if ours.load(f"carebook_{language}", str(translations_dir())):
        QCoreApplication.installTranslator(ours)
        _installed.append(ours)
        ok = True
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    # Qt's standard buttons (Save, Discard, Yes …) are in qtbase_<language>.qm. The umbrella
    # qt_<language>.qm only loads when every catalogue it names is there, and PySide6-Essentials
    # lacks qtmultimedia's (QA: the buttons stayed English), so qtbase is loaded first.
    for catalogue in ("qtbase", "qt"):
        qt = QTranslator(app)
        if qt.load(f"{catalogue}_{language}", qt_dir):
            QCoreApplication.installTranslator(qt)
            _installed.append(qt)
            break
    return ok
