#!/usr/bin/env bash
# Set up (tools/setup.sh), create the demo workspace (synthetic people) and start the app on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/carebook demo "$@"
