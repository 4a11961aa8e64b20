"""What the risk step reads: the shared market inputs once, the portfolios' rows per shard.

- :func:`read_market` (once per run): the last
  :data:`~python_models.risk_step.CLOSES_NEEDED` sessions
  (``staging.stg_raw__trading_days``), the closes of every underlying held on the as-of
  date and of the factor ETFs (``staging.stg_raw__prices_daily``), short interest
  (``staging.stg_raw__securities``) and the dates on which any portfolio has a daily
  return (``intermediate.int_portfolio_values_daily``): from them the market half
  (:func:`python_models.market.session_market`) and the metric window
  (:func:`python_models.risk_step.return_dates`). Its size follows the number of
  securities, not of portfolios.
- :func:`read_portfolios` (once per shard): the positions
  (``intermediate.int_positions_enriched``), portfolio days and tags
  (``app.position_tags`` / ``app.tags``) of the shard's portfolios only, so a shard's
  memory follows the shard's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ingest.warehouse import Connection, in_list
from python_models.conventions import FACTORS
from python_models.market import SessionMarket, session_market
from python_models.risk_step import CLOSES_NEEDED, PortfolioInputs, return_dates

_HELD = ("select distinct underlying_symbol from intermediate.int_positions_enriched "
         "where entry_date <= :d and underlying_symbol is not null")


def resolve_as_of(conn: Connection, requested: dt.date | None) -> dt.date | None:
    """The latest loaded session on or before ``requested`` (or at all); None if none."""
    if requested is None:
        row = conn.fetch_one("select max(session_date) as d from staging.stg_raw__trading_days")
    else:
        row = conn.fetch_one("select max(session_date) as d from staging.stg_raw__trading_days "
                             "where session_date <= :d", {"d": requested})
    value = row["d"] if row else None
    return pd.Timestamp(value).date() if value is not None else None


def read_market(conn: Connection, as_of: dt.date,
                rate: float) -> tuple[SessionMarket, pd.DatetimeIndex]:
    """The market half of ``as_of`` over every held underlying, and the metric window."""
    sessions = conn.fetch_df(
        "select session_date from staging.stg_raw__trading_days where session_date <= :d "
        "order by session_date desc limit :n", {"d": as_of, "n": CLOSES_NEEDED})
    index = pd.DatetimeIndex(sorted(pd.to_datetime(sessions["session_date"])))
    start = index[0].date() if len(index) else as_of
    factors, factor_params = in_list("factor", list(FACTORS))
    prices = conn.fetch_df(
        "select symbol, price_date, close from staging.stg_raw__prices_daily "
        f"where price_date >= :s and price_date <= :d and (symbol in ({_HELD}) "
        f"or symbol in {factors})", {"s": start, "d": as_of, **factor_params})
    underlyings = conn.fetch_df(_HELD, {"d": as_of})["underlying_symbol"].tolist()
    securities = conn.fetch_df("select symbol, short_interest from staging.stg_raw__securities")
    dates = conn.fetch_df(
        "select distinct snapshot_date from intermediate.int_portfolio_values_daily "
        "where snapshot_date <= :d and daily_return is not null", {"d": as_of})
    market = session_market(index, prices, securities, sorted(underlyings),
                            pd.Timestamp(as_of), rate)
    return market, return_dates(pd.to_datetime(dates["snapshot_date"]))


def list_portfolios(conn: Connection, as_of: dt.date,
                    portfolio_ids: Sequence[int] | None = None) -> list[int]:
    """The portfolios the risk step reports on ``as_of`` (a position or a day on or before
    it), ascending; only those of ``portfolio_ids`` when given."""
    rows = conn.fetchall(
        "select portfolio_id from intermediate.int_positions_enriched where entry_date <= :d "
        "union select portfolio_id from intermediate.int_portfolio_values_daily "
        "where snapshot_date <= :d", {"d": as_of})
    found = {int(row[0]) for row in rows}
    if portfolio_ids is not None:
        found &= {int(p) for p in portfolio_ids}
    return sorted(found)


def read_portfolios(conn: Connection, as_of: dt.date, portfolio_ids: Sequence[int],
                    split_options: dict[int, str]) -> PortfolioInputs:
    """The per-portfolio inputs of ``portfolio_ids`` (``split_options``: those of every
    portfolio, :func:`ingest.splits.split_option_positions`; kept for this shard's)."""
    ids, params = in_list("portfolio", list(portfolio_ids))
    params["d"] = as_of
    positions = conn.fetch_df(
        "select position_id, portfolio_id, symbol, underlying_symbol, asset_type, "
        "position_type, option_type, strike, expiry_date, quantity, multiplier "
        f"from intermediate.int_positions_enriched where entry_date <= :d "
        f"and portfolio_id in {ids} order by position_id", params)
    held = set(positions["position_id"])
    return PortfolioInputs(
        positions=positions,
        portfolio_days=conn.fetch_df(
            "select portfolio_id, snapshot_date, equity, portfolio_value, daily_return "
            "from intermediate.int_portfolio_values_daily where snapshot_date <= :d "
            f"and portfolio_id in {ids}", params),
        tags=conn.fetch_df(
            "select pt.position_id, t.id as tag_id, t.name as tag_name "
            "from app.position_tags pt inner join app.tags t on t.id = pt.tag_id "
            "inner join intermediate.int_positions_enriched p "
            "on p.position_id = pt.position_id "
            f"where p.entry_date <= :d and p.portfolio_id in {ids}", params),
        split_options={k: v for k, v in split_options.items() if k in held})
