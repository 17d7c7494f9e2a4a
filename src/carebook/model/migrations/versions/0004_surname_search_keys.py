"""search keys with the surname's other readings (data only)

``child.search_initials`` now also holds the full pinyin with each other reading of the
surname character (``曾子诚``: ``cengzicheng zengzicheng czc zzc``; see
:func:`carebook.model.pinyin.search_key`). The column is derived and not in the change log, so
the stored keys are recomputed here for every child whose key differs; the schema is unchanged.

Revision ID: 0004_surname_search_keys
Revises: '0003_audit_event'
Create Date: 2026-11-29 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_surname_search_keys"
down_revision: str | Sequence[str] | None = "0003_audit_event"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Recompute ``child.search_initials`` where the new key differs."""
    from carebook.model.pinyin import search_key

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name, search_initials FROM child")).all()
    changed = [{"id": rid, "key": key} for rid, name, old in rows if (key := search_key(name or "")) != old]
    if changed:
        bind.execute(sa.text("UPDATE child SET search_initials = :key WHERE id = :id"), changed)


def downgrade() -> None:
    """Nothing to undo: the longer keys still find every child the old ones found."""
