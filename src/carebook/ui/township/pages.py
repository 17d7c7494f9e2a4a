"""The township pages the main window adds when this installation is a township (乡镇督导员):
总览 (overview), 工作人员 (staff), 补贴 (allowances), 入网管理 (enrolment), 重复档案 (duplicate review;
last, so the first four keep Ctrl+7..0)."""

from __future__ import annotations

from PySide6.QtWidgets import QStyle

from carebook.ui.context import AppContext
from carebook.ui.pages.base import Page

#: Navigation icons of the township pages, in the order of :func:`township_pages`. Each one
#: differs from every other page's (in the Fusion style the save button and the floppy drive
#: are the same floppy disk): 补贴 a tick (allowances granted), 入网管理 a network drive.
TOWNSHIP_ICONS = (
    QStyle.StandardPixmap.SP_FileDialogListView,
    QStyle.StandardPixmap.SP_DirHomeIcon,
    QStyle.StandardPixmap.SP_DialogApplyButton,
    QStyle.StandardPixmap.SP_DriveNetIcon,
    QStyle.StandardPixmap.SP_FileLinkIcon,
)

#: Page codes of the township pages (``--screenshot --page``).
TOWNSHIP_PAGE_CODES = ("overview", "staff", "allowances", "enrolment", "duplicates")


def township_pages(ctx: AppContext) -> list[Page]:
    """The township pages over ``ctx`` when the register belongs to a township, else none.

    Reads the installation's role once on the worker (a single small query at start-up).
    """
    from carebook.ui.township.data import installation_role

    api = ctx.api
    if ctx.tasks.run_sync(lambda t: installation_role(api)) != "township":
        return []
    from carebook.ui.pages.township_allowances_page import TownshipAllowancesPage
    from carebook.ui.pages.township_duplicates_page import TownshipDuplicatesPage
    from carebook.ui.pages.township_enrolment_page import TownshipEnrolmentPage
    from carebook.ui.pages.township_overview_page import TownshipOverviewPage
    from carebook.ui.pages.township_staff_page import TownshipStaffPage

    return [TownshipOverviewPage(ctx), TownshipStaffPage(ctx), TownshipAllowancesPage(ctx), TownshipEnrolmentPage(ctx),
            TownshipDuplicatesPage(ctx)]
