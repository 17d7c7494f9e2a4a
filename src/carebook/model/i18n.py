"""Message language of the model layer.

Messages shown to child directors are Chinese by default; English is available for support
staff. The model layer knows nothing of Qt, so it keeps its own small language switch that the
desktop app and the command line set at start-up.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]

_current: Language = "zh"


def set_language(language: str) -> None:
    """Set the message language: ``"zh"`` (default) or ``"en"``.

    Anything starting with ``en`` selects English; everything else selects Chinese.
    """
    global _current
    _current = "en" if language.lower().startswith("en") else "zh"


def current_language() -> Language:
    """Return the current message language, ``"zh"`` or ``"en"``."""
    return _current


def msg(zh: str, en: str) -> str:
    """Return ``zh`` or ``en`` according to the current language."""
    return en if _current == "en" else zh
