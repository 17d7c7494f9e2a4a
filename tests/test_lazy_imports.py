"""Fast start (issue 9): the app's start path does not load reportlab, openpyxl, cryptography's
HPKE or QtCharts; they are imported when a form is printed, a spreadsheet read or written, or a
bundle sealed or opened.

Each check runs in a fresh Python process, since this test process has imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ["reportlab", "openpyxl", "cryptography.hazmat.primitives.hpke", "PySide6.QtCharts"]

REPORT = (
    "import json, sys\n"
    f"heavy = {HEAVY!r}\n"
    "print('LOADED ' + json.dumps(sorted(m for m in sys.modules"
    " if any(m == h or m.startswith(h + '.') for h in heavy))))\n"
    "print('COMMANDS ' + json.dumps(sorted(m for m in sys.modules"
    " if m.startswith('carebook.cli.') and m.endswith('_cmd'))))\n"
)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "CAREBOOK_KEYRING": "off",
        "CAREBOOK_PASSPHRASE": "carebook-demo",
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
    })
    env.pop("CAREBOOK_EXIT_WHEN_READY", None)
    return env


def _loaded(code: str, tmp_path: Path, timeout: float = 240) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", code + "\n" + REPORT], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [x for x in proc.stdout.splitlines() if x.startswith("LOADED ")][-1]
    loaded: list[str] = json.loads(line[len("LOADED "):])
    return loaded


def test_start_path_modules_do_not_import_heavy_libraries(tmp_path: Path) -> None:
    """The command line with every command registered (what ``carebook`` builds before it
    starts the app), the app module, the main window with all its pages, and the screenshot
    module load none of the heavy libraries."""
    code = (
        "import carebook.cli.main as m\n"
        "m.build_parser()\n"
        "import carebook.ui.app, carebook.ui.main_window, carebook.ui.screenshot\n"
        "import carebook.ui.backend\n"
    )
    assert _loaded(code, tmp_path) == []


def test_heavy_libraries_load_when_used(tmp_path: Path) -> None:
    """Control: the same probe sees them once a form module and the bundle format are used."""
    code = (
        "import carebook.cli.main as m\n"
        "m.build_parser()\n"
        "import carebook.documents.entrustment, carebook.documents.xlsx_out\n"
        "from carebook.sync import bundle_format\n"
        "bundle_format._suite()\n"
    )
    loaded = _loaded(code, tmp_path)
    assert "reportlab" in loaded
    assert "openpyxl" in loaded
    assert "cryptography.hazmat.primitives.hpke" in loaded


def test_desktop_app_started_to_a_ready_window_loads_no_heavy_library(tmp_path: Path) -> None:
    """The real start: ``carebook --data-dir D`` on a demo workspace, offscreen, until the main
    window shows the register's first rows (``CAREBOOK_EXIT_WHEN_READY=1``)."""
    data = tmp_path / "demo"
    made = subprocess.run(
        [sys.executable, "-m", "carebook", "--data-dir", str(data), "demo", "--no-open", "--children", "12"],
        capture_output=True, text=True, env=_env(tmp_path), timeout=240,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    code = (
        "import os\n"
        "os.environ['CAREBOOK_EXIT_WHEN_READY'] = '1'\n"
        "from carebook.cli.main import main\n"
        f"rc = main(['--data-dir', {str(data)!r}])\n"
        "assert rc == 0, rc\n"
    )
    proc = subprocess.run([sys.executable, "-c", code + REPORT], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert any(line.startswith("carebook-ready ") for line in proc.stdout.splitlines()), proc.stdout
    loaded = json.loads([x for x in proc.stdout.splitlines() if x.startswith("LOADED ")][-1][7:])
    assert loaded == []
    # with global options only, no command module is imported (cli.main's desktop fast path)
    commands = json.loads([x for x in proc.stdout.splitlines() if x.startswith("COMMANDS ")][-1][9:])
    assert commands == []
