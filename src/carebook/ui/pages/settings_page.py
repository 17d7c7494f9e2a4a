"""The settings page (设置): language, the organisation, visit frequencies, the app lock, backup
and restore."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from carebook.model.enums import Category, RiskColour
from carebook.ui import backend
from carebook.ui.context import SETTINGS, AppContext
from carebook.ui.errors import show_message
from carebook.ui.i18n import LANGUAGES
from carebook.ui.pages.base import Page


def _days_spin() -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(1, 730)
    spin.setMaximumWidth(140)
    return spin


class SettingsPage(Page):
    """Settings (设置): the UI language (stored per installation), the organisation this PC
    works for, the visit frequencies per category and risk colour (days between visits,
    the shortest applying wins; DOMAIN.md "Home visits"), the app lock (程序锁,
    :class:`~carebook.ui.app_lock_panel.AppLockPanel`) and backup and restore (备份与恢复,
    :class:`~carebook.ui.backup_panel.BackupPanel`)."""

    code = "settings"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        title = QLabel(self.title())
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")

        self.language = QComboBox()
        self.language.setObjectName("settings-language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(_language_in_use())))
        self.language.activated.connect(self._language_chosen)
        self.language.setMaximumWidth(220)
        lang_box = QGroupBox(self.tr("Language"))
        lang_form = QFormLayout(lang_box)
        lang_form.addRow(self.tr("Display language"), self.language)

        self.org_label = QLabel()
        self.org_label.setObjectName("settings-organisation")
        self.org_label.setWordWrap(True)
        org_box = QGroupBox(self.tr("Organisation"))
        QVBoxLayout(org_box).addWidget(self.org_label)

        freq_box = QGroupBox(self.tr("Visit frequency (days between visits)"))
        freq = QHBoxLayout(freq_box)
        by_cat = QFormLayout()
        by_risk = QFormLayout()
        self.category_spins: dict[str, QSpinBox] = {}
        for cat in Category:
            spin = _days_spin()
            spin.setObjectName(f"interval-{cat.value}")
            self.category_spins[cat.value] = spin
            by_cat.addRow(cat.label, spin)
        self.risk_spins: dict[str, QSpinBox] = {}
        for colour in RiskColour:
            spin = _days_spin()
            spin.setObjectName(f"interval-{colour.value}")
            self.risk_spins[colour.value] = spin
            by_risk.addRow(colour.label, spin)
        self.default_interval = _days_spin()
        by_risk.addRow(self.tr("Others"), self.default_interval)
        self.due_soon = _days_spin()
        self.due_soon.setRange(1, 60)
        by_risk.addRow(self.tr("List as due this many days ahead"), self.due_soon)
        self.expiring = _days_spin()
        by_risk.addRow(self.tr("Entrustment expiring warning (days)"), self.expiring)
        freq.addLayout(by_cat)
        freq.addLayout(by_risk)

        self._shown: dict[str, Any] = {}  # the frequencies as last loaded or saved
        self.save_button = QPushButton(self.tr("&Save settings"))
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        from carebook.ui.app_lock_panel import AppLockPanel
        from carebook.ui.backup_panel import BackupPanel

        self.app_lock_panel = AppLockPanel(ctx)
        self.backup_panel = BackupPanel(ctx)

        inner = QWidget()
        box = QVBoxLayout(inner)
        box.addWidget(title)
        box.addWidget(lang_box)
        box.addWidget(org_box)
        box.addWidget(freq_box)
        box.addLayout(buttons)
        box.addWidget(self.app_lock_panel)
        box.addWidget(self.backup_panel)
        box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def title(self) -> str:
        """设置."""
        return self.tr("Settings")

    def activate(self) -> None:
        """Load the organisation, the frequencies, the app lock and the backups."""
        api = self.ctx.api
        self.ctx.task(lambda t: backend.settings_view(api), self).success(self._show).run()
        self.app_lock_panel.refresh()
        self.backup_panel.refresh()

    def _show(self, view: backend.SettingsView) -> None:
        self.org_label.setText(view.organisation_text)
        s = view.settings
        for code, spin in self.category_spins.items():
            spin.setValue(int(s.visit_interval_by_category.get(code, s.default_visit_interval)))
        for code, spin in self.risk_spins.items():
            spin.setValue(int(s.visit_interval_by_risk.get(code, s.default_visit_interval)))
        self.default_interval.setValue(s.default_visit_interval)
        self.due_soon.setValue(s.due_soon_days)
        self.expiring.setValue(s.entrustment_expiring_days)
        self._shown = self.values()

    def can_leave(self) -> bool:
        """Leaving with frequencies changed but not saved asks Save / Discard / Cancel (QA: the
        changes were lost without a word)."""
        if not self._shown or self.values() == self._shown:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            self.save()
        else:
            self._shown = {}  # discarded: the next visit to the page reads the settings again
        return True

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Ask what to do with settings changed but not saved."""
        return QMessageBox.question(
            self, self.tr("Unsaved settings"), self.tr("The visit settings have unsaved changes. Save them?"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)

    def values(self) -> dict[str, Any]:
        """The visit settings shown."""
        return {
            "visit_interval_by_category": {c: s.value() for c, s in self.category_spins.items()},
            "visit_interval_by_risk": {c: s.value() for c, s in self.risk_spins.items()},
            "default_visit_interval": self.default_interval.value(),
            "due_soon_days": self.due_soon.value(),
            "entrustment_expiring_days": self.expiring.value(),
        }

    def save(self) -> None:
        """Save the frequencies on the worker."""
        values = self.values()
        api = self.ctx.api
        self.ctx.task(lambda t: backend.save_settings(api, values), self).success(self._saved).run()

    def _saved(self, _result: object) -> None:
        self._shown = self.values()
        self.ctx.notify_changed(SETTINGS)
        show_message(self, self.tr("Settings saved."), warning=False)

    def _language_chosen(self, _index: int) -> None:
        code = str(self.language.currentData())
        if code != self.ctx.language() or code != _language_in_use():
            self.ctx.prefs.setValue("ui/language", code)
            self.ctx.prefs.sync()
            self.ctx.language_changed.emit(code)


def _language_in_use() -> str:
    """The language the app shows now (``zh_CN`` or ``en``): the stored choice, or ``--lang`` for
    this run (QA: with --lang en the box still showed 简体中文)."""
    from carebook.model.i18n import current_language

    return "en" if current_language() == "en" else "zh_CN"
