"""Batch runs remember the request that started them; PostgreSQL indexes on app tables.

- ``app.batch_runs.request_id`` (varchar, NULL for runs started by a schedule): the
  ``X-Request-ID`` of the API request that queued the run, so a run's log lines and the
  request's share one id.
- PostgreSQL only (DuckDB scans columns with zone maps; its ART indexes would slow the
  frequent updates of these tables): indexes on the columns the API and the batch filter
  by that no primary key or unique constraint already leads with.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

POSTGRES_INDEXES = (
    "create index if not exists portfolios_user_id_idx on app.portfolios (user_id)",
    "create index if not exists position_tags_tag_id_idx on app.position_tags (tag_id)",
    "create index if not exists batch_runs_status_finished_idx "
    "on app.batch_runs (status, finished_at)",
    "create index if not exists batch_runs_portfolio_idx on app.batch_runs (portfolio_id)",
)


def upgrade() -> None:
    op.execute("alter table app.batch_runs add column request_id varchar")
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_INDEXES:
            op.execute(statement)
