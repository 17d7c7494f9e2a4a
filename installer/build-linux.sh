#!/usr/bin/env bash
# Build Carebook as a one-folder Linux app with PyInstaller, then smoke-test the built app.
#
#   bash installer/build-linux.sh              # build + smoke test (exit 0 when both pass)
#   bash installer/build-linux.sh --test-only  # smoke-test an existing installer/dist/carebook
#
# Needs the development environment (bash tools/setup.sh: .venv with the "dev" extra, which
# holds PyInstaller) and, for the smoke test, pdftotext (poppler-utils) and python3.
# Output: installer/dist/carebook/ (run installer/dist/carebook/carebook), work files in
# installer/build/; both are ignored by git.
#
# Smoke test, on a fresh demo workspace in a temporary folder, offscreen (no display needed),
# with the OS keyring switched off (the demo's published passphrase is used):
#   1. `carebook demo --no-open` creates the demo workspace (synthetic people);
#   2. the desktop app starts on it (CAREBOOK_EXIT_WHEN_READY=1: it quits once the main window
#      shows the register's first rows) and exits 0;
#   3. `carebook --screenshot register.png --page register` renders the register page to a PNG
#      (1024x768 checked);
#   4. `carebook form entrustment --child ID --draft --out form.pdf` prints the
#      entrustment-guardianship confirmation of a left-behind child, and pdftotext finds the
#      title, the child's name and ID number in it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
DIST=$ROOT/installer/dist
APP=$DIST/carebook/carebook

if [ "${1:-}" != "--test-only" ]; then
  if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "PyInstaller is missing: run bash tools/setup.sh (or .venv/bin/pip install -r requirements.lock)" >&2
    exit 1
  fi
  "$PY" tools/build_translations.py >/dev/null
  start=$(date +%s)
  "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
      --distpath "$DIST" --workpath "$ROOT/installer/build" installer/carebook.spec
  end=$(date +%s)
  echo "build: $((end - start)) s, $(du -sh "$DIST/carebook" | cut -f1) in $DIST/carebook" \
       "($(find "$DIST/carebook" -type f | wc -l) files)"
fi

[ -x "$APP" ] || { echo "no built app at $APP" >&2; exit 1; }
command -v pdftotext >/dev/null || { echo "pdftotext is missing (apt-get install poppler-utils)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen CAREBOOK_KEYRING=off CAREBOOK_PASSPHRASE=carebook-demo
unset CAREBOOK_DATA_DIR CAREBOOK_I18N_DIR CAREBOOK_FONT
D=$WORK/demo

fail() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }

echo "smoke 1/4: demo workspace"
"$APP" --data-dir "$D" demo --no-open --children 40 || fail "carebook demo --no-open"

echo "smoke 2/4: desktop app to a ready main window"
launched=$(date +%s.%N)
ready=$(CAREBOOK_EXIT_WHEN_READY=1 "$APP" --data-dir "$D") || fail "the desktop app did not start"
echo "$ready" | grep -q "^carebook-ready " || fail "the app did not report a ready window"
echo "  ready after $(python3 -c 'import sys; print("%.2f" % (float(sys.argv[1].split()[1]) - float(sys.argv[2])))' "$ready" "$launched") s (cold start of the built app)"

echo "smoke 3/4: screenshot of the register page"
"$APP" --data-dir "$D" --screenshot "$WORK/register.png" --page register || fail "--screenshot"
size=$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); assert d[:8]==b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$WORK/register.png") \
  || fail "register.png is not a PNG"
[ "$size" = "1024x768" ] || fail "register.png is $size, expected 1024x768"
echo "  register.png $size, $(stat -c %s "$WORK/register.png") bytes"

echo "smoke 4/4: entrustment confirmation to PDF"
"$APP" --data-dir "$D" children list --category left_behind --json > "$WORK/children.json" \
  || fail "children list"
read -r CHILD_ID CHILD_NAME < <(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))[0]; print(c["id_number"] or c["id"], c["name"])' "$WORK/children.json") \
  || fail "no left-behind child in the demo"
"$APP" --data-dir "$D" form entrustment --child "$CHILD_ID" --draft --out "$WORK/form.pdf" \
  || fail "form entrustment"
pdftotext -enc UTF-8 "$WORK/form.pdf" "$WORK/form.txt" || fail "pdftotext could not read form.pdf"
grep -q "委托监护" "$WORK/form.txt" || fail "no title in the PDF"
grep -q "$CHILD_NAME" "$WORK/form.txt" || fail "the child's name $CHILD_NAME is not in the PDF"
grep -q "$CHILD_ID" "$WORK/form.txt" || fail "the ID number $CHILD_ID is not in the PDF"
echo "  form.pdf: $(stat -c %s "$WORK/form.pdf") bytes; title, $CHILD_NAME and $CHILD_ID found"

echo "smoke test passed"
