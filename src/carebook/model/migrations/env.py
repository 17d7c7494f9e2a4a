"""Alembic environment for Carebook.

Carebook runs migrations programmatically (:func:`carebook.model.migrations.upgrade`), so no
``alembic.ini`` is needed: the caller passes an open SQLAlchemy connection in
``config.attributes["connection"]``, already inside the transaction that makes the whole
upgrade atomic.
"""

from __future__ import annotations

from alembic import context

from carebook.model.migrations import target_metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Carebook migrations run programmatically: use carebook.model.migrations.upgrade() "
        "or carebook.model.migrations.make_revision()"
    )

context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=True,  # SQLite cannot ALTER most things: rebuild tables in batch mode
    transactional_ddl=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
