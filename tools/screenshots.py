"""Regenerate the user guide's screenshots from the real app.

    .venv/bin/python tools/screenshots.py                 # every page, Chinese and English
    .venv/bin/python tools/screenshots.py --page register --lang zh --out /tmp/shots

Makes a demo workspace (``carebook demo --no-open``: synthetic people, fixed seed) in a
temporary folder, then for every page of the main window and both languages runs the real
app's ``carebook --data-dir DEMO --lang L --screenshot FILE.png --page P`` (offscreen, 1024x768)
and writes ``docs/guide/images/<lang>-<page>.png``. The PNGs are reduced to 256 colours (the
window has flat colours and anti-aliased text; 8-bit PNGs stay well under 120 KB and read the
same). ``tests/test_guide.py`` regenerates one page the same way and compares it with the
committed image.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from carebook.cli.main import PAGES as CLI_PAGES

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "guide" / "images"

#: Every page of ``carebook --screenshot --page`` (the demo is a township, so township pages work).
PAGES: tuple[str, ...] = tuple(CLI_PAGES)
#: Guide languages: file prefix -> ``carebook --lang`` value.
LANGUAGES = {"zh": "zh", "en": "en"}
#: Demo workspace the screenshots are made from (same seed, same people).
DEMO_CHILDREN = 120
DEMO_SEED = 20261129
#: Largest PNG kept in the repository.
MAX_BYTES = 120_000


def image_name(lang: str, page: str) -> str:
    """File name of one screenshot, e.g. ``zh-register.png``."""
    return f"{lang}-{page}.png"


def environment(home: Path) -> dict[str, str]:
    """Offscreen Qt, no OS keyring (the demo's published passphrase), a private home."""
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "CAREBOOK_KEYRING": "off",
        "CAREBOOK_PASSPHRASE": "carebook-demo",
        "HOME": str(home),
    })
    for name in ("CAREBOOK_DATA_DIR", "CAREBOOK_LANG", "CAREBOOK_EXIT_WHEN_READY", "CAREBOOK_I18N_DIR"):
        env.pop(name, None)
    return env


def carebook(args: Sequence[str], env: dict[str, str]) -> None:
    """Run ``python -m carebook ARGS`` (the real command line); raise with its error output."""
    proc = subprocess.run([sys.executable, "-m", "carebook", *args], env=env, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"carebook {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def make_demo(data_dir: Path, env: dict[str, str]) -> None:
    """Create the demo workspace the screenshots show."""
    carebook(["--data-dir", str(data_dir), "demo", "--no-open", "--children", str(DEMO_CHILDREN),
              "--seed", str(DEMO_SEED)], env)


def shrink_png(path: Path) -> int:
    """Rewrite ``path`` as an 8-bit PNG at maximum compression; returns its size in bytes.

    The palette is the 256 most frequent colours of the window (flat backgrounds, the risk
    colours, text); the rarer anti-aliasing shades map to the nearest of them.
    """
    from collections import Counter

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    if image.isNull():
        raise RuntimeError(f"not an image: {path}")
    counts = Counter(memoryview(image.constBits()).cast("I"))
    palette = [colour for colour, _ in counts.most_common(256)]
    small = image.convertToFormat(QImage.Format.Format_Indexed8, palette,
                                  Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither)
    if not small.save(str(path), "PNG", 0):  # type: ignore[call-overload]  # quality 0: zlib level 9
        raise RuntimeError(f"could not write {path}")
    return path.stat().st_size


def shoot(data_dir: Path, page: str, lang: str, out: Path, env: dict[str, str]) -> int:
    """Screenshot ``page`` in ``lang`` with the real app to ``out`` (shrunk); returns bytes.

    The app writes into a scratch folder beside the demo workspace first (``--screenshot``
    keeps its UI preferences next to the PNG), then the shrunk PNG replaces ``out``."""
    scratch = data_dir.parent / f"shot-{lang}-{page}"
    scratch.mkdir(parents=True, exist_ok=True)
    raw = scratch / out.name
    carebook(["--data-dir", str(data_dir), "--lang", LANGUAGES[lang], "--screenshot", str(raw),
              "--page", page], env)
    size = shrink_png(raw)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(raw, out)
    return size


def main(argv: list[str] | None = None) -> int:
    """Make the screenshots; returns 0, or 1 when one is larger than :data:`MAX_BYTES`."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--page", action="append", choices=PAGES, help="only this page (repeatable)")
    parser.add_argument("--lang", action="append", choices=sorted(LANGUAGES), help="only this language")
    parser.add_argument("--out", type=Path, default=IMAGES, help=f"output folder (default {IMAGES})")
    parser.add_argument("--jobs", type=int, default=2, help="screenshots taken at once (default 2)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp) / "home")
        demo = Path(tmp) / "demo"
        make_demo(demo, env)
        jobs = [(page, lang) for lang in (args.lang or LANGUAGES) for page in (args.page or PAGES)]

        def one(job: tuple[str, str]) -> tuple[str, int]:
            page, lang = job
            out = args.out / image_name(lang, page)
            return out.name, shoot(demo, page, lang, out, env)

        too_big = 0
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            for name, size in pool.map(one, jobs):
                flag = "" if size <= MAX_BYTES else f"  (over {MAX_BYTES // 1000} KB)"
                too_big += size > MAX_BYTES
                print(f"{name:<24} {size / 1000:6.1f} KB{flag}")
    return 1 if too_big else 0


if __name__ == "__main__":
    raise SystemExit(main())
