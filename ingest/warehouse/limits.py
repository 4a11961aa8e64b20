"""The integer range of the database's id columns (one home for the bound).

Every id column of ``app.*`` is ``bigint`` (``ingest/warehouse/sql``): a signed 64-bit
integer on both DuckDB and PostgreSQL. An id outside ``1 .. ID_MAX`` can name no row,
and DuckDB cannot even bind a Python int beyond 2^127: callers refuse such ids as
invalid input before any query.
"""

from __future__ import annotations

ID_MAX = 2**63 - 1  # bigint


def is_valid_id(value: object) -> bool:
    """True for an ``int`` (not ``bool``) in ``1 .. ID_MAX``."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX
