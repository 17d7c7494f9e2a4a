"""The errors Carebook shows to people.

Every error a user can cause (a wrong ID number, a wrong passphrase, a broken spreadsheet, a
forged bundle) is a :class:`CarebookError`. It carries a Chinese and an English message that say
what went wrong and what to do; the command line prints ``.message`` on one line and exits 1,
the desktop shows it in a dialog. Anything else is a bug.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from carebook.model.i18n import msg


class CarebookError(Exception):
    """Base of every user-facing error.

    Args:
        message_zh: the message in Chinese, in the words of a child director.
        message_en: the same message in English.
    """

    def __init__(self, message_zh: str, message_en: str | None = None) -> None:
        self.message_zh = message_zh
        self.message_en = message_en if message_en is not None else message_zh
        super().__init__(self.message_zh)

    @property
    def message(self) -> str:
        """The message in the current language (see :mod:`carebook.model.i18n`)."""
        return msg(self.message_zh, self.message_en)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FieldError:
    """One invalid field: the field's name (e.g. ``"id_number"``, ``"father.phone"``) and the
    message in both languages."""

    field: str
    message_zh: str
    message_en: str

    @property
    def message(self) -> str:
        """The message in the current language."""
        return msg(self.message_zh, self.message_en)


class ValidationError(CarebookError):
    """Input that breaks a rule of the register. Nothing was written.

    ``errors`` lists every invalid field (at least one); ``field`` and the message are those of
    the first, so a caller that shows one message shows the most important one.
    """

    def __init__(self, errors: list[FieldError]) -> None:
        if not errors:
            raise ValueError("ValidationError needs at least one FieldError")
        self.errors = list(errors)
        first = errors[0]
        self.field = first.field
        super().__init__(first.message_zh, first.message_en)

    @classmethod
    def single(cls, field: str, message_zh: str, message_en: str) -> ValidationError:
        """Build an error for one field."""
        return cls([FieldError(field, message_zh, message_en)])


class NotFoundError(CarebookError):
    """A record asked for by id or ID number is not in the register."""


class StateError(CarebookError):
    """An action that the record's current state does not allow (e.g. closing a closed file)."""


class EditConflictError(CarebookError):
    """编辑冲突: a file changed since it was opened for editing — in the same fields the user
    changed (``fields``: their names; ``labels``: their Chinese and English labels), or, where
    only the record version is known, anywhere (``fields`` empty). Nothing was saved: saving
    would overwrite the other change without anyone seeing it."""

    def __init__(self, fields: list[str] | None = None, labels: list[tuple[str, str]] | None = None) -> None:
        self.fields = list(fields or [])
        labels = list(labels or [])
        if labels:
            zh = "、".join(z for z, _e in labels)
            en = ", ".join(e for _z, e in labels)
            super().__init__(
                f"您打开这份档案后，“{zh}”已被修改（可能是同步导入的，或在另一个窗口里改的）。"
                "为避免覆盖别人的修改，这次没有保存。请重新载入档案，看过最新内容后再改。",
                f"Since you opened this file, {en} changed (imported by sync, or edited in another "
                "window). To avoid overwriting that change, nothing was saved. Reload the file, check "
                "the latest values, then edit again.")
        else:
            super().__init__(
                "您打开这份档案后，档案已被修改（可能是同步导入的，或在另一个窗口里改的）。"
                "为避免覆盖别人的修改，这次没有保存。请重新载入档案后再改。",
                "The file changed since you opened it (imported by sync, or edited in another window). "
                "To avoid overwriting that change, nothing was saved. Reload the file and edit again.")


#: The common operating-system errors in a child director's words (errno → Chinese, English).
_OS_ERRORS = {
    errno.ENOENT: ("找不到这个文件或文件夹", "no such file or folder"),
    errno.EACCES: ("没有权限（请检查文件夹的权限，或换一个文件夹）",
                   "permission denied (check the folder's permissions, or choose another folder)"),
    errno.EPERM: ("没有权限（请检查文件夹的权限，或换一个文件夹）",
                  "permission denied (check the folder's permissions, or choose another folder)"),
    errno.EROFS: ("磁盘或U盘是只读的（U盘的写保护开关？），请换一个可以写入的位置",
                  "the disk or USB stick is read-only (its write-protect switch?); choose a writable place"),
    errno.ENOSPC: ("磁盘或U盘已满，请先腾出空间", "the disk or USB stick is full; free some space first"),
    errno.EFBIG: ("文件太大，这个磁盘或U盘写不下（FAT32 格式的U盘单个文件最大4 GB）",
                  "the file is too large for this disk or USB stick (a FAT32 stick holds at most 4 GB per file)"),
    errno.EISDIR: ("这是一个文件夹，不是文件", "this is a folder, not a file"),
    errno.ENOTDIR: ("路径中的某一段不是文件夹", "part of the path is not a folder"),
    errno.EEXIST: ("已经存在，不会覆盖", "already exists and will not be overwritten"),
}


def os_error_text(exc: OSError) -> tuple[str, str]:
    """What went wrong, for an ``OSError``, as ``(Chinese, English)`` phrases without the file
    name. The common ``errno`` values (ENOENT, EACCES, EPERM, EROFS, ENOSPC, EFBIG, EISDIR, ENOTDIR,
    EEXIST: POSIX ``errno.h``, which Windows' C runtime shares) get a phrase in the user's words
    (EFBIG: a write past a file-size limit, FAT32's 4 GiB − 1 or the process's ``RLIMIT_FSIZE``);
    any other gives the system's own text (``strerror``) in both."""
    known = _OS_ERRORS.get(exc.errno or -1)
    if known is not None:
        return known
    text = exc.strerror or str(exc)
    return f"系统错误：{text}", text


class FileAccessError(CarebookError):
    """A file or folder could not be read or written (文件无法读写): ``path`` and the cause in
    words (:func:`os_error_text`). ``doing_zh`` / ``doing_en`` name the action, e.g. "建立数据目录"."""

    def __init__(self, exc: OSError, path: object = None, doing_zh: str = "读写", doing_en: str = "use") -> None:
        self.path = path if path is not None else exc.filename
        self.errno = exc.errno
        zh, en = os_error_text(exc)
        where_zh = f" {self.path}" if self.path is not None else ""
        where_en = f" {self.path}" if self.path is not None else ""
        super().__init__(f"无法{doing_zh}{where_zh}：{zh}", f"Could not {doing_en}{where_en}: {en}")
