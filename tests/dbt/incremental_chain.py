"""The changes an incremental build must follow, written straight into the source tables
of a warehouse loaded with :mod:`tests.dbt.dataset`: uploads that change or remove
positions, daily updates that add a session (one also slides the loaded history's start
and fills a close that was missing), and the tables to compare after each build.

The chain starts at :data:`FIRST_AS_OF` (the dataset's history cut after 30 Jan 2025) and
adds the dataset's own later sessions and closes, so a full build of the final state is
the dataset's ``dbt build`` with the changes applied.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ingest.warehouse import Connection, Warehouse
from tests.dbt import dataset

D = dt.date.fromisoformat
FIRST_AS_OF = D("2025-01-30")

# incremental models and marts: whole tables compared, sorted by their key
KEYS = {
    "intermediate.int_position_values_daily": ("position_id", "valuation_date"),
    "intermediate.int_portfolio_values_daily": ("portfolio_id", "snapshot_date"),
    "intermediate.int_positions_enriched": ("position_id",),
    "marts.fct_position_values_daily": ("position_id", "valuation_date"),
    "marts.fct_portfolio_snapshots": ("portfolio_id", "snapshot_date"),
    "marts.fct_group_exposures_daily": ("portfolio_id", "snapshot_date", "grouping",
                                        "group_name"),
    "marts.fct_portfolio_snapshot_history": ("portfolio_id", "snapshot_date"),
    "marts.fct_position_weights": ("position_id",),
    "marts.dim_positions": ("position_id",),
}
# the incremental ones: an upload must not rewrite another portfolio's rows there
INCREMENTAL = [table for table in KEYS if table.split(".")[1] not in
               ("int_positions_enriched", "fct_position_weights", "dim_positions")]


def load_until(warehouse: Warehouse, as_of: dt.date = FIRST_AS_OF) -> None:
    """The dataset with its sessions and closes up to ``as_of`` only."""
    frames = dataset.frames()
    frames["raw.prices_daily"] = frames["raw.prices_daily"][
        frames["raw.prices_daily"]["price_date"] <= as_of]
    with warehouse.connect() as conn:
        for table, frame in frames.items():
            if table != "raw.trading_days":
                conn.insert_df(table, frame)
        _write_sessions(conn, [day for day in dataset.SESSIONS if day <= as_of])


def _write_sessions(conn: Connection, days: list[dt.date]) -> None:
    conn.execute("delete from raw.trading_days")
    conn.insert_df("raw.trading_days", pd.DataFrame(
        {"session_date": days, "session_index": range(len(days) - 1, -1, -1)}))


def add_session(warehouse: Warehouse, *, slide: bool = False,
                fill: tuple[str, dt.date] | None = None) -> dt.date:
    """The daily update: the next dataset session and its closes. ``slide`` drops the
    history's first session; ``fill`` adds the close of (symbol, day) the dataset lacks
    (a late bar of an already built session). Returns the new as-of date."""
    with warehouse.connect() as conn:
        days = [row[0] for row in conn.fetchall(
            "select session_date from raw.trading_days order by session_date")]
        days = [pd.Timestamp(day).date() for day in days]
        new_day = dataset.SESSIONS[dataset.SESSIONS.index(days[-1]) + 1]
        bars = [row for row in dataset.price_rows() if row[1] == new_day]
        if fill is not None:
            bars.append((*fill, 200.0, "polygon"))
        conn.insert_df("raw.prices_daily", pd.DataFrame(
            bars, columns=["symbol", "price_date", "close", "source"]))
        _write_sessions(conn, days[1 if slide else 0:] + [new_day])
    return new_day


def upload_changes(warehouse: Warehouse) -> None:
    """Portfolio 1's new book: TSLA short larger, a new MSFT lot, AAPL tagged."""
    with warehouse.connect() as conn:
        conn.execute("update app.positions set quantity = -60 where id = 2")
        conn.execute(
            "insert into app.positions (id, portfolio_id, symbol, quantity, entry_price, "
            "entry_date) values (12, 1, 'MSFT', 5, 410.5, date '2025-01-21')")
        conn.execute("insert into app.tags (id, user_id, name, color) "
                     "values (1, 1, 'core', '#6B7280')")
        conn.execute("insert into app.position_tags (position_id, tag_id) values (1, 1)")


def upload_removal(warehouse: Warehouse) -> None:
    """Portfolio 1's next book drops XYZ; portfolio 3 is deleted."""
    with warehouse.connect() as conn:
        conn.execute("delete from app.positions where id in (7, 11)")
        conn.execute("delete from app.portfolios where id = 3")


def read_tables(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    """Every compared table, sorted by its key."""
    with warehouse.connect() as conn:
        return {table: conn.fetch_df(f"select * from {table} order by {', '.join(key)}")
                for table, key in KEYS.items()}


def row_identities(warehouse: Warehouse, portfolio_id: int) -> dict[str, list[tuple]]:
    """The physical identity of each row of ``portfolio_id`` in the incremental tables
    with its values: DuckDB's rowid, PostgreSQL's ctid and xmin (a rewritten row gets a
    new one)."""
    identity = ("rowid" if warehouse.kind == "duckdb"
                else "cast(ctid as varchar), cast(xmin as varchar)")
    found = {}
    with warehouse.connect() as conn:
        for table in INCREMENTAL:
            rows = conn.fetchall(f"select {identity}, * from {table} "
                                 f"where portfolio_id = :p order by 1", {"p": portfolio_id})
            found[table] = [tuple(row) for row in rows]
    return found
