"""Splits and the seed's backfill-progress columns (``ingest/splits.py``,
``ingest/market_data.py``).

- ``app.positions``: ``entry_price`` is in today's share terms (split-adjusted);
  ``entry_price_as_traded`` is the price as uploaded, ``entry_price_basis`` says how the
  upload gave it (as_traded | split_adjusted), ``uploaded_on`` the date the uploaded
  quantity is a holding of.
- ``app.position_events``: one row per split considered for a position, with what it
  changed (quantity x ratio when it executed after the upload, entry price / ratio when
  the price predates it).
- ``app.historical_backfill_progress``: the portfolio whose upload started the backfill
  (NULL for a scheduled run) and when the row was first written (status pending |
  processing | completed | failed).
- ``raw.splits`` (Polygon ``/v3/reference/splits``, one row per symbol and execution date;
  ``history_adjusted_at`` = when the symbol's stored bars were refetched, or found to need
  no refetch, after the split; NULL = not yet) and ``raw.split_checks`` (per symbol, the
  last execution date through which its splits were fetched).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATEMENTS = (
    "alter table app.positions add column if not exists entry_price_as_traded "
    "double precision",
    "alter table app.positions add column if not exists entry_price_basis varchar",
    "alter table app.positions add column if not exists uploaded_on date",
    """create table if not exists app.position_events (
        position_id bigint not null,
        event_type varchar not null,
        symbol varchar not null,
        execution_date date not null,
        split_from double precision not null,
        split_to double precision not null,
        quantity_before double precision not null,
        quantity_after double precision not null,
        entry_price_before double precision not null,
        entry_price_after double precision not null,
        recorded_at timestamp not null default current_timestamp,
        primary key (position_id, event_type, execution_date)
    )""",
    "alter table app.historical_backfill_progress add column if not exists portfolio_id bigint",
    "alter table app.historical_backfill_progress add column if not exists created_at timestamp",
    """create table if not exists raw.splits (
        symbol varchar not null,
        execution_date date not null,
        split_from double precision not null,
        split_to double precision not null,
        split_id varchar,
        fetched_at timestamp not null default current_timestamp,
        history_adjusted_at timestamp,
        primary key (symbol, execution_date)
    )""",
    """create table if not exists raw.split_checks (
        symbol varchar primary key,
        checked_through date not null,
        checked_at timestamp not null default current_timestamp
    )""",
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
