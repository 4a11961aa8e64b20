"""The risk step of the batch: read the stage-1 models, compute, write ``analytics.*``.

``run_risk_step(warehouse, settings, as_of=None, portfolio_ids=None, shard_runner=None)``

1. reads the market inputs once and computes the market half (closes, returns, betas of
   every held underlying, the VaR covariance) and the metric window
   (:func:`flows.risk_reads.read_market`);
2. splits the portfolios into shards of ``settings.risk_shard_portfolios``
   (:func:`python_models.risk_shards.shard_ids`) and, shard by shard, reads their rows
   (:func:`flows.risk_reads.read_portfolios`), computes the portfolio half on the shard
   runner (:mod:`flows.risk_fanout`: in this process by default, Prefect tasks on threads
   or a Dask cluster from the Prefect flows) and writes the shard's rows;
3. all in one transaction: the as-of date's rows are deleted first and the new ones
   inserted shard by shard, so a failure leaves the previous rows (idempotent).

``portfolio_ids`` limits the run to those portfolios (an upload's book): only their rows
of the as-of date are replaced in the per-portfolio tables; ``factor_betas`` is per
security, computed from every held underlying either way, and replaced whole (its rows
are the same numbers a full run writes). The as-of date is ``as_of``, else
``settings.as_of_date``, else the latest loaded session; it is snapped to the latest
loaded session on or before it. The positions are those entered on or before it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from flows.risk_fanout import ShardRunner, Tables, in_process
from flows.risk_reads import list_portfolios, read_market, read_portfolios, resolve_as_of
from ingest.config import Settings
from ingest.splits import split_option_positions
from ingest.warehouse import Connection, Warehouse, in_list
from python_models.conventions import FLAG_INSUFFICIENT, FLAG_OK, SOURCE_FALLBACK
from python_models.risk_shards import shard_ids
from python_models.risk_step import ANALYTICS_TABLES, PortfolioInputs

_INTEGER_COLUMNS = frozenset({"n_obs", "days_to_expiry", "n_positions"})
PER_SECURITY_TABLES = ("factor_betas",)
_DELETE_CHUNK = 1000  # portfolio ids per delete statement


def _for_insert(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integers and NULLs that both drivers read the same way."""
    out = frame.copy()
    for column in out.columns:
        if column.endswith("_id") or column in _INTEGER_COLUMNS:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        if out[column].dtype == object:
            out[column] = out[column].where(out[column].notna(), None)
    return out


class AnalyticsWriter:
    """Replaces the as-of rows of the analytics tables inside ``conn``'s transaction."""

    def __init__(self, conn: Connection, as_of: dt.date):
        self.conn, self.as_of = conn, as_of
        self.computed_at = pd.Timestamp(
            dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
        self.columns = {table: [r[0] for r in conn.fetchall(
            "select column_name from information_schema.columns where table_schema = "
            "'analytics' and table_name = :t order by ordinal_position", {"t": table})]
            for table in ANALYTICS_TABLES}
        self.counts = dict.fromkeys(ANALYTICS_TABLES, 0)

    def clear(self, portfolio_ids: Sequence[int] | None) -> None:
        """Delete the as-of rows: all, or the per-portfolio rows of ``portfolio_ids``
        (the per-security tables are always replaced whole)."""
        for table in ANALYTICS_TABLES:
            if portfolio_ids is None or table in PER_SECURITY_TABLES:
                self.conn.execute(f"delete from analytics.{table} where as_of_date = :d",
                                  {"d": self.as_of})
                continue
            ids = sorted({int(p) for p in portfolio_ids})
            for start in range(0, len(ids), _DELETE_CHUNK):
                clause, params = in_list("p", ids[start:start + _DELETE_CHUNK])
                self.conn.execute(f"delete from analytics.{table} where as_of_date = :d "
                                  f"and portfolio_id in {clause}", {"d": self.as_of, **params})

    def write(self, outputs: Tables) -> None:
        for table, frame in outputs.items():
            frame = frame.assign(as_of_date=pd.Timestamp(self.as_of),
                                 computed_at=self.computed_at)
            self.counts[table] += self.conn.insert_df(
                f"analytics.{table}", _for_insert(frame.reindex(columns=self.columns[table])))


class _Summary:
    """Counts of the report, accumulated shard by shard, and the seconds per phase."""

    def __init__(self) -> None:
        self.portfolios = self.insufficient = self.fallback = 0
        self.seconds = {"read": 0.0, "write": 0.0}

    def add(self, outputs: Tables) -> None:
        metrics = outputs["portfolio_risk_metrics"]
        self.portfolios += len(metrics)
        self.insufficient += int((metrics["quality_flag"] == FLAG_INSUFFICIENT).sum())
        self.fallback += int((outputs["position_greeks"]["greeks_source"]
                              == SOURCE_FALLBACK).sum())

    @contextlib.contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[phase] += time.perf_counter() - started


def run_risk_step(warehouse: Warehouse, settings: Settings, as_of: dt.date | None = None,
                  portfolio_ids: Sequence[int] | None = None,
                  shard_runner: ShardRunner | None = None) -> dict[str, Any]:
    """Read stage 1, compute betas, Greeks, exposures, metrics and VaR, write analytics.*.

    Returns ``{"as_of", "rows": {table: count}, "portfolios", "shards", "seconds", ...}``;
    ``as_of`` is None (and nothing is written) when no session is loaded yet.
    """
    started = time.perf_counter()
    summary = _Summary()
    with warehouse.connect() as conn:
        resolved = resolve_as_of(conn, as_of or settings.as_of_date)
        if resolved is None:
            return {"as_of": None, "rows": {}, "message": "no trading days loaded"}
        with summary.timed("read"):
            market, dates = read_market(conn, resolved, settings.risk_free_rate)
            shards = shard_ids(list_portfolios(conn, resolved, portfolio_ids),
                               settings.risk_shard_portfolios)
            split_options = split_option_positions(conn, resolved)
        writer = AnalyticsWriter(conn, resolved)
        with summary.timed("write"):
            writer.clear(portfolio_ids)
            writer.write({"factor_betas": market.betas})

        def shard_inputs() -> Iterator[PortfolioInputs]:
            for shard in shards:
                with summary.timed("read"):
                    inputs = read_portfolios(conn, resolved, shard, split_options)
                yield inputs

        run = shard_runner or in_process
        with contextlib.closing(run(shard_inputs(), market, dates)) as results:
            for outputs in results:
                summary.add(outputs)
                with summary.timed("write"):
                    writer.write(outputs)
        committing = time.perf_counter()
    finished = time.perf_counter()
    read, write = summary.seconds["read"], summary.seconds["write"]
    commit = finished - committing
    return {
        "as_of": resolved,
        "rows": writer.counts,
        "portfolios": summary.portfolios,
        "shards": len(shards),
        "portfolios_with_insufficient_returns": summary.insufficient,
        "betas_insufficient": int((market.betas["quality_flag"] != FLAG_OK).sum()),
        "greeks_fallback": summary.fallback,
        "seconds": {"read": round(read, 3),
                    "compute": round(committing - started - read - write, 3),
                    "write": round(write, 3), "commit": round(commit, 3)},
    }
