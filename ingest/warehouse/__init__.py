"""The warehouse platform: everything that touches the database, in one package.

- :mod:`~ingest.warehouse.connection` — :class:`Warehouse` / :class:`Connection` over DuckDB
  and PostgreSQL (one transaction per ``with wh.connect() as conn:``; ``:name`` parameters);
- :mod:`~ingest.warehouse.errors` — the layer's exceptions (no driver class escapes it);
- :mod:`~ingest.warehouse.schema` and ``sql/`` — the DDL of the app, raw and analytics schemas;
- :mod:`~ingest.warehouse.data_version` — the write side of the API cache's data versions;
- :mod:`~ingest.warehouse.batch_runs` — the ``app.batch_runs`` rows;
- :mod:`~ingest.warehouse.limits` — ``ID_MAX``, the range of every id column (bigint);
- :mod:`~ingest.warehouse.notifications`, :mod:`~ingest.warehouse.autocommit_reads` —
  PostgreSQL ``LISTEN`` and one-round-trip reads, for the API's per-request state.
"""

from ingest.warehouse.connection import (
    Connection,
    Warehouse,
    close_all_warehouses,
    get_warehouse,
    in_list,
)
from ingest.warehouse.errors import (
    IntegrityError,
    MissingTableError,
    UniqueViolationError,
    WarehouseBusyError,
    WarehouseError,
    WarehouseUnavailableError,
    WriteConflictError,
)
from ingest.warehouse.limits import ID_MAX, is_valid_id

__all__ = [
    "ID_MAX", "Connection", "IntegrityError", "MissingTableError", "UniqueViolationError",
    "Warehouse",
    "WarehouseBusyError", "WarehouseError", "WarehouseUnavailableError", "WriteConflictError",
    "close_all_warehouses", "get_warehouse", "in_list", "is_valid_id",
]
