"""The base class of the main window's pages."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from carebook.ui.context import AppContext


class Page(QWidget):
    """One page of the main window's stack (register, visits, ...).

    Subclasses build their widgets in ``__init__`` and load data in :meth:`activate`, which
    the main window calls each time the page is shown. A page that holds unsaved edits
    answers False from :meth:`can_leave` after asking the user.
    """

    #: Stable code of the page (``register``, ``visits`` ...), used by ``--screenshot --page``.
    code = ""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(f"page-{self.code}")

    def title(self) -> str:
        """The page's name in the navigation pane (translated)."""
        raise NotImplementedError

    def activate(self) -> None:
        """Called each time the page is shown; refresh data here (through tasks)."""

    def can_leave(self) -> bool:
        """Return False to stay on the page (e.g. the user cancelled leaving unsaved edits)."""
        return True


def with_village(name: str, village: str | None) -> str:
    """A child's name as a township's lists show it, with the village (村（居）) after it:
    ``王小明（第一村）``; the name alone when ``village`` is empty (a village's own lists)."""
    return f"{name}（{village}）" if village else name
