"""The installer files are complete (issue 9): the PyInstaller spec, the Inno Setup script and
the Linux build script say what they must. The PyInstaller build itself is slow and runs with
``bash installer/build-linux.sh`` (build + smoke test), not here.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import platformdirs
import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLER = ROOT / "installer"
SPEC = INSTALLER / "carebook.spec"
ISS = INSTALLER / "carebook.iss"
BUILD = INSTALLER / "build-linux.sh"


def iss_text() -> str:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "carebook.iss must be UTF-8 with a BOM (it holds Chinese text)"
    return raw.decode("utf-8-sig")


def iss_sections() -> dict[str, list[str]]:
    """Section name (lower case) -> its non-comment lines."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in iss_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        match = re.fullmatch(r"\[(\w+)\]", stripped)
        if match:
            current = match.group(1).lower()
            sections.setdefault(current, [])
        elif current:
            sections[current].append(stripped)
    return sections


def test_spec_is_python_and_bundles_what_the_app_needs() -> None:
    text = SPEC.read_text(encoding="utf-8")
    ast.parse(text)  # PyInstaller executes it as Python
    # translations: ours into the package folder ui/i18n.py looks in, Qt's Chinese catalogues
    assert 'glob("*.qm")' in text and '"carebook/resources/i18n"' in text
    assert "qt_zh_CN.qm" in text and "qtbase_zh_CN.qm" in text
    # keyring finds its backends through its metadata's entry points
    assert 'copy_metadata("keyring")' in text
    assert 'collect_submodules("keyring.backends")' in text
    for backend in ("keyring.backends.Windows", "keyring.backends.SecretService", "keyring.backends.libsecret"):
        assert f'"{backend}"' in text
    assert "win32ctypes" in text
    # storage, migrations, forms, crypto
    assert '"sqlcipher3.dbapi2"' in text
    assert '"script.py.mako"' in text and '"versions"' in text and '"env.py"' in text
    assert 'collect_submodules("alembic"' in text
    assert 'collect_data_files("reportlab")' in text and 'collect_submodules("reportlab"' in text
    assert '"_rl_accel"' in text
    assert '"cryptography.hazmat.primitives.hpke"' in text
    assert 'collect_data_files("pypinyin")' in text
    # Qt plugins actually used
    for family in ("platforms", "imageformats", "printsupport"):
        assert f'"{family}"' in text
    assert "offscreen" in text
    # every command module is imported by name
    assert 'collect_submodules("carebook"' in text
    # Windows: a windowed app and a console twin
    assert 'name="Carebook" if WINDOWS' in text and '"carebook-cli"' in text


def test_spec_bundles_files_that_exist() -> None:
    for path in (ROOT / "resources" / "i18n" / "carebook_zh_CN.qm",
                 ROOT / "src" / "carebook" / "model" / "migrations" / "script.py.mako",
                 ROOT / "src" / "carebook" / "model" / "migrations" / "env.py",
                 INSTALLER / "launch.py"):
        assert path.is_file(), path
    assert list((ROOT / "src" / "carebook" / "model" / "migrations" / "versions").glob("0001_*.py"))


def test_iss_installs_per_user_in_chinese_with_shortcuts() -> None:
    sections = iss_sections()
    setup = {line.split("=", 1)[0].strip().lower(): line.split("=", 1)[1].strip()
             for line in sections["setup"] if "=" in line}
    assert setup["privilegesrequired"] == "lowest"
    assert setup["defaultdirname"].startswith("{localappdata}\\Programs\\")
    assert setup["appid"].startswith("{{")
    languages = sections["languages"]
    assert languages[0].startswith('Name: "zh_CN"'), "Chinese must be the first (default) language"
    assert "ZhMessages" in languages[0]
    assert "ChineseSimplified.isl" in iss_text()
    assert "https://jrsoftware.org/files/istrans/" in iss_text()
    icons = "\n".join(sections["icons"])
    assert "{autoprograms}" in icons and "{autodesktop}" in icons
    assert "Carebook.exe" in iss_text() and "carebook-cli.exe" in iss_text()
    assert "Tasks: desktopicon" in icons


def test_iss_uninstall_keeps_the_data_directory() -> None:
    sections = iss_sections()
    for line in sections.get("uninstalldelete", []):
        name = re.search(r'Name:\s*"([^"]+)"', line)
        assert name, line
        assert name.group(1).startswith("{app}"), f"[UninstallDelete] may only touch the program folder: {line}"
    assert "filesandordirs" not in "\n".join(sections.get("uninstalldelete", [])).lower()
    # the program folder is never the data folder
    setup = "\n".join(sections["setup"])
    assert "DefaultDirName={localappdata}\\Carebook" not in setup
    assert "DefaultDirName={localappdata}\\Programs\\{#AppName}" in setup
    # the data folder the uninstaller leaves alone is the one Carebook uses
    assert "{localappdata}\\Carebook" in "\n".join(sections["code"])


def test_data_directory_is_the_one_the_installer_keeps() -> None:
    """Carebook's default data directory ends in ``Carebook`` with no author folder, which on
    Windows is ``%LOCALAPPDATA%\\Carebook`` (platformdirs, roaming off)."""
    from carebook.model.paths import default_data_dir

    path = default_data_dir()
    assert path.name == "Carebook"
    assert path == Path(platformdirs.user_data_dir("Carebook", appauthor=False))
    assert path.parent.name != "Carebook"


def test_iss_header_says_how_to_run_it_on_windows() -> None:
    header = iss_text().split("#define", 1)[0]
    assert "ISCC.exe" in header
    assert "pyinstaller" in header and "installer\\carebook.spec" in header
    assert "Python 3.12" in header


def test_build_script_builds_and_smoke_tests() -> None:
    text = BUILD.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in text
    assert "PyInstaller" in text and "installer/carebook.spec" in text
    assert "--distpath \"$DIST\"" in text and 'DIST=$ROOT/installer/dist' in text
    assert "QT_QPA_PLATFORM=offscreen" in text
    assert "demo --no-open" in text
    assert "--screenshot" in text and "--page register" in text
    assert "form entrustment" in text and "--draft" in text and "pdftotext" in text
    assert "CAREBOOK_EXIT_WHEN_READY=1" in text
    subprocess.run(["bash", "-n", str(BUILD)], check=True)


def test_build_output_is_ignored_by_git() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for path in ("installer/dist/carebook/carebook", "installer/build/carebook/x.toc"):
        proc = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert proc.returncode == 0, f"{path} is not ignored by git"
