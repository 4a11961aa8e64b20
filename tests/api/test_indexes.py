"""PostgreSQL indexes of the marts the API filters by, and their use at 1,000 portfolios.

The marts of the session's PostgreSQL build carry the indexes of ``dbt_project.yml``;
their copies (``create table ... (like marts.x including indexes)``) in a scratch schema
are filled set-based with 1,000 portfolios, analysed, and the API's hot query shapes are
EXPLAINed: each reads its portfolio through an index, never by a sequential scan.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.postgres
PORTFOLIOS, POSITIONS, DAYS = 1000, 10, 30
TABLES = ("fct_portfolio_snapshots", "dim_positions", "fct_position_values_daily",
          "fct_position_greeks", "fct_var_components")
# the key columns of the generated rows; every other column gets a constant of its type
KEYS = {
    "portfolio_id": "p.n",
    "position_id": "p.n * 100 + k.n",
    "snapshot_date": "date '2026-01-01' + d.n",
    "valuation_date": "date '2026-01-01' + d.n",
}
GRAIN = {"fct_portfolio_snapshots": ("p", "d"), "dim_positions": ("p", "k"),
         "fct_position_values_daily": ("p", "k", "d"), "fct_position_greeks": ("p", "k"),
         "fct_var_components": ("p", "k")}
SERIES = {"p": PORTFOLIOS, "k": POSITIONS, "d": DAYS}
HOT_QUERIES = {
    "latest snapshot": "select * from scale.fct_portfolio_snapshots where portfolio_id = 500 "
                       "order by snapshot_date desc limit 1",
    "snapshot history": "select * from scale.fct_portfolio_snapshots where portfolio_id = 500 "
                        "and snapshot_date between date '2026-01-05' and date '2026-01-20'",
    "positions on a day": "select * from scale.dim_positions d "
                          "left join scale.fct_position_values_daily v "
                          "on v.position_id = d.position_id "
                          "and v.valuation_date = date '2026-01-30' where d.portfolio_id = 500",
    "greeks": "select * from scale.fct_position_greeks where portfolio_id = 500",
    "var components": "select * from scale.fct_var_components where portfolio_id = 500",
}


def _constant(data_type: str) -> str:
    if "char" in data_type or data_type == "text":
        return "'X'"
    if data_type == "date":
        return "date '2026-01-01'"
    if data_type.startswith("timestamp"):
        return "timestamp '2026-01-01 00:00'"
    if data_type == "boolean":
        return "false"
    return "1"


def _fill(conn, table: str) -> None:
    columns = conn.fetchall(
        "select column_name, data_type from information_schema.columns where table_schema = "
        "'scale' and table_name = :t order by ordinal_position", {"t": table})
    values = [KEYS.get(name, _constant(kind)) for name, kind in columns]
    series = ", ".join(f"generate_series(1, {SERIES[alias]}) as {alias}(n)"
                       for alias in GRAIN[table])
    conn.execute(f"insert into scale.{table} ({', '.join(name for name, _ in columns)}) "
                 f"select {', '.join(values)} from {series}")


def _plan_nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _plan_nodes(child))]


def test_hot_queries_use_the_indexes_at_1000_portfolios(api_builds):
    env = api_builds.get("postgres")
    with env.warehouse.connect() as conn:
        indexed = {(row["tablename"], row["indexdef"].split("USING btree ")[1])
                   for row in conn.fetch_dicts("select tablename, indexdef from pg_indexes "
                                               "where schemaname = 'marts'")}
    for table, columns in (("fct_portfolio_snapshots", "(portfolio_id, snapshot_date)"),
                           ("fct_position_values_daily", "(position_id, valuation_date)"),
                           ("dim_positions", "(portfolio_id)"),
                           ("fct_position_greeks", "(portfolio_id)")):
        assert (table, columns) in indexed, indexed
    try:
        with env.warehouse.connect() as conn:
            conn.execute("create schema scale")
            for table in TABLES:
                conn.execute(f"create table scale.{table} (like marts.{table} including indexes)")
                _fill(conn, table)
        with env.warehouse.connect() as conn:
            count = conn.fetch_one("select count(*) as n from scale.fct_position_values_daily")
            assert count == {"n": PORTFOLIOS * POSITIONS * DAYS}
            for table in TABLES:
                conn.execute(f"analyze scale.{table}")
            for name, sql in HOT_QUERIES.items():
                plan = conn.fetchall(f"explain (format json) {sql}")[0][0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                nodes = _plan_nodes(plan[0]["Plan"])
                kinds = {node["Node Type"] for node in nodes}
                assert "Seq Scan" not in kinds, (name, kinds)
                assert kinds & {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}, (name, kinds)
    finally:
        with env.warehouse.connect() as conn:
            conn.execute("drop schema if exists scale cascade")
