"""Baseline: the app, raw and analytics tables of the first versioned release.

Runs the frozen DDL files of ``ingest/warehouse/sql`` (``create ... if not exists``), in
the order of :func:`ingest.warehouse.schema.ddl_files`. A warehouse created before
migrations existed has these tables and no version table: ``migrate`` stamps it at this
revision instead of running it. Never edit those files: add a revision.

Revision ID: 0001
Revises:
"""

from alembic import op

from ingest.warehouse.schema import baseline_statements

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in baseline_statements():
        op.execute(statement)
