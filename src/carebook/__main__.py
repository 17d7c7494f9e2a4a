"""``python -m carebook`` runs the command line."""

from carebook.cli.main import main

raise SystemExit(main())
