"""Alembic environment for Carebook.

Carebook runs migrations programmatically (:func:`carebook.model.migrations.upgrade`), so no
``alembic.ini`` is needed: the caller passes an open SQLAlchemy connection in
``config.attributes["connection"]``, already inside the transaction that makes the whole
upgrade atomic.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import TypeDecorator

from carebook.model.migrations import target_metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Carebook migrations run programmatically: use carebook.model.migrations.upgrade() "
        "or carebook.model.migrations.make_revision()"
    )


def _render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render Carebook's column types (``UTCDateTime``, ``CodeType``…) as their plain
    SQLAlchemy implementation, so revisions never import model code that may change later."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=True,  # SQLite cannot ALTER most things: rebuild tables in batch mode
    transactional_ddl=True,
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
