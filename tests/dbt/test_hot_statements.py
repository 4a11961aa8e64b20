"""The hot statements of the marts stay linear on PostgreSQL above ``work_mem``.

A ``NOT IN (subquery)`` is planned as a plain (non-hashed) subplan rescanned for every
outer row once the subquery's rows exceed ``work_mem``: the retention hook of
``fct_portfolio_snapshot_history`` written that way ran for over 5 minutes at 2,000
portfolios. The hooks are read from the model file, rendered with stand-in table names,
and EXPLAINed at a size far above a 64 kB ``work_mem``; the former statement is the
control that shows the check catches the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace

import jinja2
import psycopg
import pytest

from ingest.config import REPO_ROOT
from tests.conftest import create_postgres_database, drop_postgres_database, require_postgres

MODEL = REPO_ROOT / "dbt_project/models/marts/history/fct_portfolio_snapshot_history.sql"
PORTFOLIOS, HISTORY_DAYS, WINDOW_DAYS = 3000, 120, 90
FORMER_WINDOW_HOOK = """
    delete from hot.history
    where snapshot_date >= (select min(snapshot_date) from hot.snapshots)
      and cast(portfolio_id as varchar) || '|' || cast(snapshot_date as varchar) not in (
          select cast(portfolio_id as varchar) || '|' || cast(snapshot_date as varchar)
          from hot.snapshots)"""


def rendered_post_hooks() -> list[str]:
    """The model's post-hooks with ``this`` = hot.history, ``ref(...)`` = hot.snapshots."""
    hooks = re.findall(r'"(delete from \{\{ this \}\}.*?)"', MODEL.read_text(), re.S)
    assert len(hooks) == 2, "the model's post-hooks changed: update this test"
    context = {
        "this": "hot.history", "ref": lambda name: "hot.snapshots",
        "var": lambda name, default=None: default,
        "dbt": SimpleNamespace(dateadd=lambda part, amount, expression:
                               f"({expression} + interval '1 {part}' * ({amount}))"),
    }
    return [jinja2.Template(hook).render(**context) for hook in hooks]


def plan_nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


@pytest.fixture(scope="module")
def big_history() -> Iterator[psycopg.Connection]:
    """History of 3,000 portfolios x 120 days and a window of 90 (630,000 rows)."""
    require_postgres()
    url = create_postgres_database()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create schema hot")
            for table, days in (("history", HISTORY_DAYS), ("snapshots", WINDOW_DAYS)):
                conn.execute(
                    f"create table hot.{table} as select p as portfolio_id, "
                    f"date '2026-11-20' - d as snapshot_date "
                    f"from generate_series(1, {PORTFOLIOS}) p, generate_series(0, {days - 1}) d")
                conn.execute(f"analyze hot.{table}")
            conn.execute("set work_mem = '64kB'")
            yield conn
    finally:
        drop_postgres_database(url)


def explained(conn: psycopg.Connection, statement: str) -> list[dict]:
    (plan,) = conn.execute(f"explain (format json) {statement}").fetchone()[0]
    return list(plan_nodes(plan["Plan"]))


def rescanned_subplans(nodes: list[dict]) -> list[str]:
    """Subplans run once per outer row (a hashed subplan or an InitPlan runs once)."""
    return [node.get("Subplan Name", "") for node in nodes
            if node.get("Parent Relationship") == "SubPlan"
            and not node.get("Subplan Name", "").startswith("hashed")]


def test_the_former_not_in_hook_is_caught_as_a_rescanned_subplan_postgres(big_history):
    assert rescanned_subplans(explained(big_history, FORMER_WINDOW_HOOK))


def test_snapshot_history_hooks_are_anti_joins_without_rescanned_subplans_postgres(
        big_history):
    window_hook, retention_hook = rendered_post_hooks()
    nodes = explained(big_history, window_hook)
    assert rescanned_subplans(nodes) == []
    assert any(node.get("Join Type") == "Anti" for node in nodes), [
        node["Node Type"] for node in nodes]
    assert rescanned_subplans(explained(big_history, retention_hook)) == []
