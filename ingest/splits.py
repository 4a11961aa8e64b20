"""Stock splits in the warehouse: which histories to refetch, and how lots change.

Polygon's ``adjusted=true`` closes are split-adjusted *as of the day they are asked
for*: after a split of ratio ``r = split_to / split_from`` every earlier close is ÷ r.
Stored bars fetched before the split are in pre-split dollars, so next to post-split
closes they would make a −50 % "return" of a 2-for-1 split. Hence, per load:

1. :func:`refresh_splits` fetches the splits executed since each symbol was last
   checked (one market-wide request, :mod:`ingest.polygon_splits`) and upserts them into
   ``raw.splits``; ``raw.split_checks`` records through which date each symbol is checked.
2. :func:`histories_to_refetch`: the symbols with an executed split (``execution_date
   <= as_of``) not yet reflected in their history (``history_adjusted_at`` NULL) that
   have a stored bar before the execution date. Their whole window is fetched again
   (the cache is bypassed); :func:`mark_histories_adjusted` then stamps the split.
   Symbols without such a bar need no refetch and are stamped at once.
3. :func:`apply_position_splits` keeps each lot in today's share terms. A position's
   ``quantity`` is a holding on ``uploaded_on``; its uploaded ``entry_price`` is as
   traded on ``entry_date`` (or already adjusted: ``entry_price_basis =
   split_adjusted``). For each split with ``entry_date < execution_date <= as_of``:

   - quantity × r when ``execution_date > uploaded_on`` (the holder's account changed
     after the upload);
   - entry price ÷ r when the basis is ``as_traded`` or ``execution_date > uploaded_on``.

   So the cost basis q·e is unchanged by a split after the upload, and in today's share
   terms for one before it. Each split considered is one ``app.position_events`` row
   (before/after values), which also makes the step idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd

from ingest.book import AS_TRADED
from ingest.market_cache import utc_now
from ingest.polygon_splits import SPLIT_COLUMNS
from ingest.warehouse import Connection, in_list

SPLIT_EVENT = "split"


def split_window(conn: Connection, symbols: Sequence[str], earliest: dt.date,
                 as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """Execution dates to ask for: from the oldest unchecked date of ``symbols`` to as-of.

    A symbol never checked needs everything from ``earliest`` (the history start or
    the oldest entry date); one checked through ``d`` needs ``d + 1`` on. None when
    every symbol is checked through ``as_of``.
    """
    if not symbols:
        return None
    clause, params = in_list("s", symbols)
    checked = dict(conn.fetchall(
        f"select symbol, checked_through from raw.split_checks where symbol in {clause}",
        params))
    starts = [pd.Timestamp(checked[s]).date() + dt.timedelta(days=1) if s in checked
              else earliest for s in symbols]
    start = min(starts)
    return (start, as_of) if start <= as_of else None


def earliest_needed(conn: Connection, history_start: dt.date) -> dt.date:
    """The history start, or the oldest entry date of any position when that is older."""
    row = conn.fetch_one("select min(entry_date) as d from app.positions")
    oldest = pd.Timestamp(row["d"]).date() if row and row["d"] is not None else history_start
    return min(oldest, history_start)


def store_splits(conn: Connection, splits: pd.DataFrame, symbols: Sequence[str],
                 checked_through: dt.date) -> int:
    """Upsert the splits of ``symbols`` and mark them checked through ``checked_through``.

    A split already stored keeps its ``history_adjusted_at``; returns the new rows.
    """
    mine = splits[splits["symbol"].isin(list(symbols))]
    new = 0
    for row in mine.to_dict("records"):
        key = {"symbol": row["symbol"], "day": row["execution_date"]}
        if conn.fetch_one("select 1 as x from raw.splits where symbol = :symbol "
                          "and execution_date = :day", key) is None:
            conn.execute(
                "insert into raw.splits (symbol, execution_date, split_from, split_to, "
                "split_id, fetched_at) values (:symbol, :day, :split_from, :split_to, :id, "
                ":now)", {**key, "split_from": float(row["split_from"]),
                          "split_to": float(row["split_to"]), "id": row["split_id"],
                          "now": utc_now()})
            new += 1
    if symbols:
        clause, params = in_list("s", symbols)
        conn.execute(f"delete from raw.split_checks where symbol in {clause}", params)
        conn.insert_df("raw.split_checks", pd.DataFrame(
            {"symbol": list(symbols), "checked_through": checked_through,
             "checked_at": utc_now()}))
    return new


def refresh_splits(conn_factory: Callable, fetch: Callable[[dt.date, dt.date], pd.DataFrame],
                   symbols: Sequence[str], earliest: dt.date,
                   as_of: dt.date) -> tuple[int, str | None]:
    """Fetch and store the splits ``symbols`` are not checked for; (new rows, error).

    ``conn_factory`` is ``warehouse.connect``; the provider call runs outside any
    transaction. A failed fetch is returned as the error and checks nothing, so the
    next load asks again.
    """
    with conn_factory() as conn:
        window = split_window(conn, symbols, earliest, as_of)
    if window is None:
        return 0, None
    try:
        splits = fetch(*window)
    except Exception as error:  # noqa: BLE001 - recorded, never aborts the price load
        return 0, f"splits not fetched: {type(error).__name__}: {error}"
    with conn_factory() as conn:
        return store_splits(conn, splits.reindex(columns=list(SPLIT_COLUMNS)), symbols,
                            as_of), None


def histories_to_refetch(conn: Connection, symbols: Sequence[str], as_of: dt.date) -> list[str]:
    """Symbols whose stored bars predate an executed split not yet reflected in them.

    Pending splits of symbols with no such bar are stamped adjusted here.
    """
    if not symbols:
        return []
    clause, params = in_list("s", symbols)
    pending = f"""
        from raw.splits s
        where s.history_adjusted_at is null and s.execution_date <= :as_of
          and s.symbol in {clause}"""
    stale = [row[0] for row in conn.fetchall(
        f"""select distinct s.symbol {pending}
            and exists (select 1 from raw.prices_daily p where p.symbol = s.symbol
                        and p.price_date < s.execution_date)
            order by s.symbol""", {**params, "as_of": as_of})]
    fresh = [s for s in symbols if s not in stale]
    mark_histories_adjusted(conn, fresh, as_of)
    return stale


def mark_histories_adjusted(conn: Connection, symbols: Sequence[str], as_of: dt.date) -> None:
    """Stamp the executed, pending splits of ``symbols`` as reflected in their history."""
    if not symbols:
        return
    clause, params = in_list("s", symbols)
    conn.execute(f"update raw.splits set history_adjusted_at = :now "
                 f"where history_adjusted_at is null and execution_date <= :as_of "
                 f"and symbol in {clause}", {**params, "as_of": as_of, "now": utc_now()})


_CANDIDATES = """
    select p.id as position_id, p.symbol, p.quantity, p.entry_price, p.entry_date,
           coalesce(p.entry_price_basis, :as_traded) as basis,
           coalesce(p.uploaded_on, cast(p.created_at as date)) as uploaded_on,
           s.execution_date, s.split_from, s.split_to
    from app.positions p
    join raw.splits s on s.symbol = p.symbol
    where s.execution_date > p.entry_date and s.execution_date <= :as_of
      and not exists (select 1 from app.position_events e
                      where e.position_id = p.id and e.event_type = :event
                        and e.execution_date = s.execution_date)
    order by p.id, s.execution_date
"""


def apply_position_splits(conn: Connection, as_of: dt.date) -> int:
    """Apply every executed split not yet applied to each position; returns events written.

    Rules in the module docstring. Options are not adjusted here (their symbol is an
    OCC contract, never a split's ticker): their Greeks fall back instead.
    """
    candidates = conn.fetch_dicts(_CANDIDATES, {"as_of": as_of, "as_traded": AS_TRADED,
                                                "event": SPLIT_EVENT})
    if not candidates:
        return 0
    state: dict[int, tuple[float, float]] = {}
    events = []
    for row in candidates:
        position_id = int(row["position_id"])
        quantity, price = state.get(position_id, (float(row["quantity"]),
                                                  float(row["entry_price"])))
        ratio = float(row["split_to"]) / float(row["split_from"])
        executed = pd.Timestamp(row["execution_date"]).date()
        after_upload = executed > pd.Timestamp(row["uploaded_on"]).date()
        new_quantity = quantity * ratio if after_upload else quantity
        new_price = price / ratio if (after_upload or row["basis"] == AS_TRADED) else price
        state[position_id] = (new_quantity, new_price)
        events.append({"position_id": position_id, "event_type": SPLIT_EVENT,
                       "symbol": row["symbol"], "execution_date": executed,
                       "split_from": float(row["split_from"]),
                       "split_to": float(row["split_to"]),
                       "quantity_before": quantity, "quantity_after": new_quantity,
                       "entry_price_before": price, "entry_price_after": new_price,
                       "recorded_at": utc_now()})
    for position_id, (quantity, price) in state.items():
        conn.execute("update app.positions set quantity = :q, entry_price = :e, "
                     "updated_at = current_timestamp where id = :id",
                     {"q": quantity, "e": price, "id": position_id})
    return conn.insert_df("app.position_events", pd.DataFrame(events))


def split_option_positions(conn: Connection, as_of: dt.date) -> dict[int, str]:
    """Option positions whose underlying split after their entry: {position_id: reason}.

    OCC adjusts such contracts (the deliverable changes), so the stored terms no longer
    describe them: their Greeks are a ``fallback`` with this reason.
    """
    rows = conn.fetchall(
        """select p.id, max(s.execution_date)
           from app.positions p
           join raw.securities sec on sec.symbol = p.symbol and sec.asset_type = 'OPTION'
           join raw.splits s on s.symbol = sec.underlying_symbol
           where s.execution_date > p.entry_date and s.execution_date <= :as_of
           group by p.id""", {"as_of": as_of})
    return {int(position_id): f"underlying_split {pd.Timestamp(day).date().isoformat()}"
            for position_id, day in rows}
