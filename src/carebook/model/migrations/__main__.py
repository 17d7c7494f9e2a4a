"""``python -m carebook.model.migrations``: developer commands (autogenerate a revision)."""

from carebook.model.migrations import main

raise SystemExit(main())
