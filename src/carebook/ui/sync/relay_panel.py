"""Upload and download through the inbox relay (中转站上传/下载) where a village has a connection
(issue 7 item 2): the remembered relay address (local setting ``sync.relay``, as ``carebook
push URL`` keeps it), and the two buttons, run on the worker with progress and Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carebook.ui.context import CHILDREN, ENTRUSTMENTS, REPORTS, SETTINGS, SYNC, VISITS, AppContext
from carebook.ui.errors import show_error
from carebook.ui.sync import ops
from carebook.ui.sync.import_panel import ResultTable
from carebook.ui.sync.ops import ImportLine


class RelayPanel(QWidget):
    """中转站: the relay address with a Save button, "Upload" and "Download", and the outcome.
    The buttons are enabled only while a relay address is remembered (:meth:`set_url`).

    Emits :attr:`finished` after an upload or download.
    """

    finished = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        intro = QLabel(self.tr(
            "Where there is a network connection, even a slow one, bundles can go through the "
            "township's relay instead of a USB stick. An interrupted transfer continues where it "
            "stopped next time."
        ))
        intro.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setObjectName("sync-relay-url")
        self.url.setPlaceholderText("https://192.168.1.10:8765")
        url_label = QLabel(self.tr("Relay &address:"))
        url_label.setBuddy(self.url)
        self.save_button = QPushButton(self.tr("&Save address"))
        self.save_button.clicked.connect(lambda: self.save_url())
        self.cert_button = QPushButton(self.tr("Certificate &file..."))
        self.cert_button.setToolTip(self.tr(
            "The relay's certificate file (.pem) given by the township at enrolment; it makes sure "
            "nobody else can stand in for the relay."
        ))
        self.cert_button.clicked.connect(self._choose_cert)
        url_row = QHBoxLayout()
        url_row.addWidget(url_label)
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.save_button)
        url_row.addWidget(self.cert_button)
        self.push_button = QPushButton(self.tr("&Upload"))
        self.push_button.setObjectName("sync-relay-push")
        self.push_button.clicked.connect(self.push)
        self.pull_button = QPushButton(self.tr("&Download"))
        self.pull_button.setObjectName("sync-relay-pull")
        self.pull_button.clicked.connect(self.pull)
        buttons = QHBoxLayout()
        buttons.addWidget(self.push_button)
        buttons.addWidget(self.pull_button)
        buttons.addStretch(1)
        self.outcome = QLabel()
        self.outcome.setObjectName("sync-relay-outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self.pushed = QListWidget()
        self.pushed.setMaximumHeight(90)
        self.pulled = ResultTable()
        self.pulled.setObjectName("sync-relay-results")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(url_row)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        layout.addWidget(self.pushed)
        layout.addWidget(self.pulled, 1)
        self.set_url("")

    def set_url(self, url: str) -> None:
        """Show the remembered relay address ("" = none: the buttons are disabled)."""
        self._saved = url
        if not self.url.hasFocus():
            self.url.setText(url)
        for b in (self.push_button, self.pull_button):
            b.setEnabled(bool(url))
            b.setToolTip("" if url else self.tr("Enter and save the relay address first."))

    def _choose_cert(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose the relay's certificate"), "", self.tr("Certificates (*.pem *.crt)")
        )
        if path:
            self.save_url(Path(path))

    def save_url(self, cert: Path | None = None) -> None:
        """Remember the address typed (and pin the certificate file ``cert`` when given)."""
        api = self.ctx.api
        url = self.url.text()
        (self.ctx.task(lambda t: ops.save_relay_url(api, url, cert), self)
         .success(lambda _: self._saved_url(url.strip())).run())

    def _saved_url(self, url: str) -> None:
        self.url.clearFocus()
        self.set_url(url)
        self.outcome.setText(self.tr("Relay address saved."))
        self.ctx.notify_changed(SETTINGS)

    def push(self) -> None:
        """Upload the changes not yet acknowledged (a township publishes its key list first)."""
        api = self.ctx.api
        self.outcome.setText(self.tr("Uploading..."))
        (self.ctx.task(lambda t: ops.relay_push(api, t), self)
         .with_progress(self, self.tr("Uploading to the relay..."))
         .success(self._pushed).failure(self._failed).run())

    def pull(self) -> None:
        """Download what waits at the relay and import it as if it came by USB stick."""
        api = self.ctx.api
        self.outcome.setText(self.tr("Downloading..."))
        (self.ctx.task(lambda t: ops.relay_pull(api, t), self)
         .with_progress(self, self.tr("Downloading from the relay..."))
         .success(self._pulled).failure(self._failed).run())

    def _pushed(self, lines: list[str]) -> None:
        self.pushed.clear()
        self.pushed.addItems(lines)
        self.outcome.setText(self.tr("Upload finished."))
        self.ctx.notify_changed(SYNC)
        self.finished.emit()

    def _pulled(self, lines: list[ImportLine]) -> None:
        self.pulled.show_lines(lines)
        self.outcome.setText(self.tr("Download finished.") if lines else self.tr(
            "Nothing is waiting at the relay for this PC."))
        self.ctx.notify_changed(CHILDREN, VISITS, ENTRUSTMENTS, REPORTS, SYNC)
        self.finished.emit()

    def _failed(self, exc: BaseException) -> None:
        self.outcome.setText(self.tr("Stopped. What was transferred is kept; try again later."))
        show_error(self, exc)
