"""``python -m carebook`` runs the command line (a Ctrl-C while it loads exits 130 quietly)."""

import os
import sys

try:
    from carebook.cli.main import main
except KeyboardInterrupt:
    english = "en" in " ".join(sys.argv[1:]) or os.environ.get("CAREBOOK_LANG", "").startswith("en")
    sys.stderr.write("carebook: interrupted; nothing was changed\n" if english else "carebook：已中断，数据没有改动\n")
    raise SystemExit(130) from None

raise SystemExit(main())
