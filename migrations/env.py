"""Alembic environment: migrates the connection handed over by models.db.migrate."""

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    from models.db import engine_for

    connection = engine_for(config.get_main_option("sqlalchemy.url") or "").connect()

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
