"""The errors Carebook shows to people.

Every error a user can cause (a wrong ID number, a wrong passphrase, a broken spreadsheet, a
forged bundle) is a :class:`CarebookError`. It carries a Chinese and an English message that say
what went wrong and what to do; the command line prints ``.message`` on one line and exits 1,
the desktop shows it in a dialog. Anything else is a bug.
"""

from __future__ import annotations

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
