"""Alembic revisions of the Carebook schema, oldest first (``0001_initial`` …)."""
