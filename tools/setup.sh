#!/usr/bin/env bash
# Set up Carebook for development on Debian/Ubuntu (or any Linux with Python >= 3.11):
# system packages (when run as root with apt-get), a virtual environment in .venv with the
# locked dependencies, Carebook itself (editable), and the compiled translations.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
APT_PACKAGES=(
  fonts-wqy-zenhei fonts-hanazono   # CJK fonts (HanaMinB has CJK Extension B) for forms and the UI
  poppler-utils                     # pdftotext/pdftoppm: tests read generated PDFs back
  xvfb xauth                        # a virtual screen for running the desktop app headless
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  zbar-tools                        # zbarimg: tests decode the QR codes printed on forms
  postgresql                        # county register tests (PostgreSQL)
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Note: missing system packages (install them with apt-get as root): ${missing[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python tools/build_translations.py
echo "Carebook is set up in .venv (run .venv/bin/carebook --help)."
