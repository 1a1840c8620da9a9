"""Alembic environment: always given an open connection by admission.ledger.database.migrate."""

from __future__ import annotations

from alembic import context

from admission.ledger.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
context.run_migrations()
