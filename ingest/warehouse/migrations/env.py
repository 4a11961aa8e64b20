"""Alembic environment: runs on the connection :mod:`ingest.warehouse.migrate` hands over.

No ``alembic.ini``: the configuration is built in code (``migrate.alembic_config``), and
the SQLAlchemy connection (PostgreSQL through psycopg, DuckDB through duckdb-engine) comes
in ``config.attributes["connection"]``. On PostgreSQL the run holds a transaction-scoped
advisory lock, so two processes migrating at once run one after the other.
"""

from __future__ import annotations

from alembic import context

MIGRATION_LOCK_KEY = 7_170_017  # pg_advisory_xact_lock key of schema migrations

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transaction_per_migration=False)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"select pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
    context.run_migrations()
