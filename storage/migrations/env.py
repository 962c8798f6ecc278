"""Alembic environment: the connection is always handed in by deskbot.storage.migrate."""
from alembic import context

from deskbot.storage import search
from deskbot.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  include_name=search.managed)
with context.begin_transaction():
    context.run_migrations()
