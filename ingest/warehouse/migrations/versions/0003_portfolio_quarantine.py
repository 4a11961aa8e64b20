"""Portfolios held out of the batch (``ingest/quarantine.py``).

``app.portfolio_quarantine``: rewritten by every run's pre-flight check; the staging models
of positions and portfolios leave these portfolios out, so the other books' marts build and
publish. A new upload that passes the check releases the book. (``if not exists``: a
warehouse created by a build that had this table in its DDL keeps it.)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        create table if not exists app.portfolio_quarantine (
            portfolio_id bigint primary key,
            reason varchar not null,
            batch_run_id varchar,
            quarantined_at timestamp not null default current_timestamp
        )""")
