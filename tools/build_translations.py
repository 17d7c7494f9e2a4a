"""Build the desktop app's translations.

    .venv/bin/python tools/build_translations.py            # .ts -> .qm (pyside6-lrelease)
    .venv/bin/python tools/build_translations.py --update   # first pyside6-lupdate the .ts from ui/
    .venv/bin/python tools/build_translations.py --check    # fail if a string is untranslated

``resources/i18n/carebook_zh_CN.ts`` is the source of the Chinese translation (edit it with
``pyside6-linguist`` or by hand); ``--update`` adds new source strings from
``src/carebook/ui`` (as unfinished) and drops vanished ones. The ``.qm`` is committed as well,
so a checkout runs without this step; the README setup runs it anyway.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "src" / "carebook" / "ui"
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ["zh_CN"]


def tool(name: str) -> str:
    """Path of a PySide6 tool: next to the running Python first (the venv), then on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6 (pip install -e .[dev])")
    return found


def ui_sources() -> list[Path]:
    """Every Python file of the desktop app."""
    return sorted(UI.rglob("*.py"))


def lupdate(ts: Path, extra: list[str] | None = None) -> None:
    """Extract the tr() strings of ``ui/`` into ``ts`` (merging with what it holds)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False, encoding="utf-8") as lst:
        lst.write("\n".join(str(p) for p in ui_sources()))
    try:
        subprocess.run([tool("pyside6-lupdate"), "-silent", "-locations", "none", *(extra or []),
                        f"@{lst.name}", "-ts", str(ts)], check=True)
    finally:
        Path(lst.name).unlink()


def lrelease(ts: Path, qm: Path) -> None:
    """Compile ``ts`` to ``qm``, written beside it and renamed into place: Qt maps a loaded
    ``.qm`` file into memory, so rewriting it in place kills a running app or test with SIGBUS."""
    part = qm.with_name(qm.name + ".part")
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(part)], check=True)
    if qm.exists() and qm.read_bytes() == part.read_bytes():
        part.unlink()
        return
    os.replace(part, qm)


def unfinished(ts: Path) -> list[str]:
    """Source strings of ``ts`` that are untranslated, unfinished or empty."""
    bad = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type") if translation is not None else "missing"
            if kind in ("vanished", "obsolete"):
                continue
            text = "".join(translation.itertext()) if translation is not None else ""
            if kind == "unfinished" or not text.strip():
                bad.append(f"{name}: {message.findtext('source', '')}")
    return bad


def main(argv: list[str] | None = None) -> int:
    """Run the build; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="run pyside6-lupdate first")
    parser.add_argument("--check", action="store_true", help="fail when a string is not translated")
    args = parser.parse_args(argv)
    status = 0
    for lang in LANGUAGES:
        ts = I18N / f"carebook_{lang}.ts"
        if args.update:
            lupdate(ts, ["-no-obsolete"])
        missing = unfinished(ts)
        if missing:
            print(f"{ts.name}: {len(missing)} untranslated string(s)", file=sys.stderr)
            for line in missing[:50]:
                print("  " + line, file=sys.stderr)
            if args.check:
                status = 1
        lrelease(ts, I18N / f"carebook_{lang}.qm")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
