"""Alembic revisions of the tables the project owns (app, raw, analytics); dbt owns the marts.

Run them with :mod:`ingest.warehouse.migrate` (``make migrate``), never by hand-editing DDL:
revision ``0001`` is the baseline (the frozen DDL files of ``ingest/warehouse/sql``), every
later change is a new file under ``versions/``.
"""
