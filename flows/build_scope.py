"""What a dbt stage 1 found changed: the scope of the run's incremental models.

dbt detects the changes itself (``int_build_changes``, dbt_project/macros/
incremental_scope.sql): an upload's run rebuilds the uploader's portfolio, a daily update
adds the new sessions, and an analyst's plain ``dbt build`` does the same with no flag —
so the flows pass dbt nothing (no ``--vars``: the parsed manifest stays cached,
:mod:`flows.dbt_runner`). This module reads back, after stage 1, the entries that
build logged, for the run's report and for any step that wants the same scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ingest.warehouse import Warehouse


@dataclass(frozen=True)
class BuildScope:
    """``rebuild_all``: every portfolio was rebuilt (first build, full refresh, the
    history moved back); ``rebuilt`` / ``removed``: portfolio ids; ``since``: the first
    new session (None when no session was added)."""

    rebuild_all: bool = False
    rebuilt: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    since: dt.date | None = None

    def summary(self) -> dict[str, Any]:
        report = asdict(self)
        report["since"] = self.since.isoformat() if self.since else None
        return report


def utc_now() -> dt.datetime:
    """Naive UTC, the clock of dbt's ``run_started_at`` that stamps the build log."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def logged_since(warehouse: Warehouse, started: dt.datetime) -> BuildScope:
    """The changes logged by the builds that started at or after ``started``."""
    with warehouse.connect() as conn:
        rows = conn.fetch_dicts(
            "select change_kind, portfolio_id, since_date "
            "from intermediate.int_build_changes "
            "where built_at >= :started and change_kind <> 'consumed'",
            {"started": started})
    ids = {kind: sorted({int(r["portfolio_id"]) for r in rows if r["change_kind"] == kind})
           for kind in ("rebuild", "removed")}
    sessions = [pd.Timestamp(r["since_date"]).date() for r in rows
                if r["change_kind"] == "sessions"]
    return BuildScope(rebuild_all=any(r["change_kind"] == "all" for r in rows),
                      rebuilt=ids["rebuild"], removed=ids["removed"],
                      since=min(sessions) if sessions else None)
