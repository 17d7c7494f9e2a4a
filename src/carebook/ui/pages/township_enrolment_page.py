"""The enrolment management page (入网管理): make a village's enrolment file on a USB stick,
show the fingerprints to compare by phone (the township's own and each pinned village's), list
the villages enrolled and the files issued (as ``carebook enrol create|list``), and re-enrol a
village whose PC was replaced (更换电脑重新登记, as ``carebook enrol create --replace``): the old
PC is retired and the new PC's first return bundle gives it back the village's register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
)

from carebook.sync.peers import parse_utc
from carebook.ui.context import SYNC, AppContext
from carebook.ui.pages.base import Page
from carebook.ui.township import data
from carebook.ui.township.replacement import ReplacementResult, create_replacement_file
from carebook.ui.township.tables import cell_text, fill_table, heading, make_table, section

#: The fingerprint column of the table of enrolled villages: always shown whole (it is read out
#: by phone), the other columns share the rest of the width.
_FINGERPRINT_COLUMN = 2
#: The columns of the two tables sized to their text (codes, fingerprint, times): read whole at
#: 1024x768; the names and states share the rest.
_PEERS_FIT = (1, _FINGERPRINT_COLUMN, 3)
_ISSUED_FIT = (1, 2)


def _local(utc_text: str | None) -> dt.datetime | str | None:
    """An instant the page's data gives as UTC text (``2026-11-29T16:33:52Z``) as a datetime,
    which the tables write in local time as ``2026-11-29 16:33`` like the other pages; any
    other text as it is."""
    if not utc_text:
        return utc_text
    try:
        return parse_utc(utc_text)
    except ValueError:
        return utc_text


def _stretch(table: QTableWidget, fit: tuple[int, ...] = ()) -> None:
    """Share the table's width between its columns instead of leaving them packed on the left
    (again after each :func:`fill_table`, which sizes them to their text); the columns in ``fit``
    keep the width of their text once the table has rows (an empty table shares it evenly)."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    for column in fit if table.rowCount() else ():
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


class TownshipEnrolmentPage(Page):
    """入网管理: enrolment of village PCs (issue 6, item 7)."""

    code = "enrolment"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.own = QLabel()
        self.own.setObjectName("enrolment-own-fingerprint")
        self.own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.own.setFont(mono)

        box = QGroupBox(self.tr("Make an enrolment file for a village"))
        form = QFormLayout(box)
        self.village_code = QLineEdit()
        self.village_code.setObjectName("enrolment-village-code")
        self.village_code.setPlaceholderText(self.tr("12-digit division code"))
        self.village_code.setMaxLength(12)
        self.village_name = QLineEdit()
        self.village_name.setObjectName("enrolment-village-name")
        self.valid_days = QSpinBox()
        self.valid_days.setRange(1, 90)
        self.valid_days.setValue(14)
        self.valid_days.setSuffix(self.tr(" days"))
        self.sealed = QCheckBox(self.tr("Seal the file with a code read out by phone (recommended)"))
        self.sealed.setChecked(True)
        self.make_button = QPushButton(self.tr("Choose the USB stick or folder and &make the file..."))
        self.make_button.clicked.connect(self.choose_folder)
        form.addRow(self.tr("Village &code"), self.village_code)
        form.addRow(self.tr("Village &name"), self.village_name)
        form.addRow(self.tr("&Valid for"), self.valid_days)
        form.addRow("", self.sealed)
        form.addRow("", self.make_button)
        self.result = QLabel()
        self.result.setObjectName("enrolment-result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()

        self.peers = make_table("enrolment-peers", [self.tr("Village name"), self.tr("Code"), self.tr("Fingerprint"),
                                                    self.tr("Enrolled"), self.tr("State")])
        _stretch(self.peers, fit=_PEERS_FIT)
        self.peers.itemSelectionChanged.connect(self._selection_changed)
        self.replace_button = QPushButton(self.tr("&Re-enrol a replaced PC..."))
        self.replace_button.setObjectName("enrolment-replace")
        self.replace_button.setToolTip(self.tr(
            "The village's PC was lost, stolen or broken and there is no usable backup: retire the old PC "
            "and make an enrolment file for the new one; its register comes back from this township."))
        self.replace_button.setEnabled(False)
        self.replace_button.clicked.connect(self.choose_replacement)
        self._peer_rows: list[data.PeerView] = []
        self.issued = make_table("enrolment-files", [self.tr("Village"), self.tr("Code"), self.tr("Valid until"),
                                                     self.tr("Used")])
        _stretch(self.issued, fit=_ISSUED_FIT)
        top = QHBoxLayout()
        top.addWidget(heading(self.title()))
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.own)
        layout.addWidget(box)
        layout.addWidget(self.result)
        layout.addWidget(section(self.tr("Villages enrolled here (compare the fingerprint by phone)")))
        layout.addWidget(self.peers, 2)
        replace_row = QHBoxLayout()
        replace_row.addStretch(1)
        replace_row.addWidget(self.replace_button)
        layout.addLayout(replace_row)
        layout.addWidget(section(self.tr("Enrolment files issued")))
        layout.addWidget(self.issued, 1)
        ctx.changed.connect(lambda e: self.activate() if SYNC in e and self.isVisible() else None)

    def title(self) -> str:
        """入网管理."""
        return self.tr("Enrolment")

    def activate(self) -> None:
        """Reload fingerprints, peers and issued files on the worker."""
        api = self.ctx.api
        self.ctx.task(lambda t: data.load_enrolments(api), self).coalesce("township-enrolment").success(
            self.show_data).run()

    def show_data(self, d: data.EnrolmentPageData) -> None:
        """Fill the page from ``d``."""
        self.own.setText(self.tr("This township's fingerprint: %1").replace(
            "%1", d.own_fingerprint or self.tr("(no sync keys yet: they are made with the first enrolment file)")))
        active, retired = self.tr("active"), self.tr("retired (replaced PC)")
        self._peer_rows = list(d.peers)
        fill_table(self.peers, [[p.name, p.code, p.fingerprint, _local(p.pinned_at),
                                 retired if p.retired else active] for p in d.peers])
        self._selection_changed()
        fill_table(self.issued, [[e.village_name, e.village_code, _local(e.expires_at),
                                  _local(e.used_at) or self.tr("not yet")] for e in d.enrolments])
        # fill_table sized the columns to their text: share the width again
        _stretch(self.peers, fit=_PEERS_FIT)
        _stretch(self.issued, fit=_ISSUED_FIT)

    def selected_village(self) -> data.PeerView | None:
        """The active village selected in the table of enrolled villages, or None."""
        rows = {i.row() for i in self.peers.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        peer = self._peer_rows[row] if 0 <= row < len(self._peer_rows) else None
        return peer if peer is not None and peer.role == "village" and not peer.retired else None

    def _selection_changed(self) -> None:
        self.replace_button.setEnabled(self.selected_village() is not None)

    def choose_replacement(self) -> None:
        """Confirm, ask for the USB stick or folder, then re-enrol the selected village."""
        peer = self.selected_village()
        if peer is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Re-enrol a replaced PC"), self.tr(
            "Re-enrol %1 (%2) on a new PC?\n\nThe old PC of this village is retired at once: nothing it sends is "
            "accepted any more (use this when it was lost, stolen or broken). The new PC starts from the file "
            "made now and gets the village's files back from this township.").replace("%1", peer.name)
            .replace("%2", peer.code), QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Re-enrol"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Cancel"))
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Where to write the enrolment file (USB stick)"),
                                                  str(Path.home()))
        if folder:
            self.make_replacement(Path(folder), peer.code, peer.name)

    def make_replacement(self, folder: Path, village_code: str, village_name: str) -> int:
        """Re-enrol the village on the worker, writing its file into ``folder``; returns the task id."""
        api = self.ctx.api
        days, sealed = self.valid_days.value(), self.sealed.isChecked()
        self.replace_button.setEnabled(False)
        return self.ctx.task(lambda t: create_replacement_file(api, village_code, village_name, folder, days, sealed),
                             self).success(self._replaced).failure(self._failed).finally_(
            self._selection_changed).run()

    def _replaced(self, r: ReplacementResult) -> None:
        lines = [self.tr("Enrolment file for the new PC of %1 (%2): %3").replace("%1", r.village_name)
                 .replace("%2", r.village_code).replace("%3", str(r.path)),
                 self.tr("The old PC is retired: any bundle it sends from now on is refused.")]
        if r.code:
            lines.append(self.tr("Enrolment code: %1 (tell the child director by phone; never write it on the stick)")
                         .replace("%1", r.code))
        lines.append(self.tr("Township fingerprint: %1 (compare with the child director by phone)")
                     .replace("%1", r.fingerprint))
        lines.append(self.tr("Valid until %1. Delete the file from the stick once the village has used it.")
                     .replace("%1", cell_text(_local(r.expires_at))))
        lines.append(self.tr(
            "Next: 1. the new PC starts from this file (first-run wizard) and exports its first bundle; "
            "2. import that bundle here; 3. export bundles here (sync page) and take the village's one back: "
            "importing it gives the new PC the village's files, with their history."))
        self.result.setText("\n".join(lines))
        self.result.show()
        self.ctx.notify_changed(SYNC)
        self.activate()

    def _failed(self, error: BaseException) -> None:
        from carebook.ui.errors import error_text

        self.result.setText(self.tr("Could not re-enrol the village: %1").replace("%1", error_text(error)))
        self.result.show()

    def choose_folder(self) -> None:
        """Ask for the USB stick or folder, then make the file."""
        folder = QFileDialog.getExistingDirectory(self, self.tr("Where to write the enrolment file (USB stick)"),
                                                  str(Path.home()))
        if folder:
            self.make_file(Path(folder))

    def make_file(self, folder: Path) -> int:
        """Make the enrolment file in ``folder`` on the worker; returns the task id."""
        api = self.ctx.api
        code, name = self.village_code.text().strip(), self.village_name.text().strip()
        days, sealed = self.valid_days.value(), self.sealed.isChecked()
        self.make_button.setEnabled(False)
        return self.ctx.task(lambda t: data.create_enrolment_file(api, code, name, folder, days, sealed), self).success(
            self._made).finally_(lambda: self.make_button.setEnabled(True)).run()

    def _made(self, r: data.EnrolmentResult) -> None:
        lines = [self.tr("Enrolment file for %1 (%2): %3").replace("%1", r.village_name).replace("%2", r.village_code)
                 .replace("%3", str(r.path))]
        if r.code:
            lines.append(self.tr("Enrolment code: %1 (tell the child director by phone; never write it on the stick)")
                         .replace("%1", r.code))
        lines.append(self.tr("Township fingerprint: %1 (compare with the child director by phone)")
                     .replace("%1", r.fingerprint))
        lines.append(self.tr("Valid until %1. Delete the file from the stick once the village has used it.")
                     .replace("%1", cell_text(_local(r.expires_at))))
        self.result.setText("\n".join(lines))
        self.result.show()
        self.village_code.clear()
        self.village_name.clear()
        self.ctx.notify_changed(SYNC)
        self.activate()
