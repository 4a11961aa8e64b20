"""Write a validated upload as the portfolio's book, inside the caller's transaction.

An upload **replaces** the book (design §3, §7):

1. every row is appended to ``raw.position_uploads`` (the audit log, keyed by
   ``upload_id``); that table is then the staging set for the statements below;
2. positions of the portfolio whose ``(symbol, entry_date)`` is not in the file are
   deleted, with their ``app.position_tags`` rows;
3. positions matched by ``(symbol, entry_date)`` keep their id and their tags;
   their quantity and entry price are set from the file;
4. the other rows are inserted as new positions (ids in file order);
5. CSV tags missing from the user's ``app.tags`` are created (default colour
   ``#6B7280``) and added to their positions' tags (a union: tags set through the API
   stay). Tag names match case-insensitively, so a tag created as ``Tech`` through the
   API is reused for ``tech`` in a file.

Everything is a handful of set-based statements over the staging rows, portable
between DuckDB and PostgreSQL. No statement updates a column covered by a unique
index (DuckDB turns such updates into delete + insert, which conflicts with rows
deleted earlier in the same transaction): kept positions only get ``quantity``,
``entry_price`` and ``updated_at`` written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ingest.csv_positions import PositionRow
from ingest.magnitudes import MAX_EQUITY, MIN_EQUITY
from ingest.tags import DEFAULT_TAG_COLOR
from ingest.warehouse import Connection

# Positions of the portfolio that the upload keeps (matched by symbol and entry date).
_KEPT = """
    select p.id from app.positions p
    join raw.position_uploads u on u.symbol = p.symbol and u.entry_date = p.entry_date
    where p.portfolio_id = :portfolio_id and u.upload_id = :upload_id
"""

# The upload's (symbol, entry_date, tag name) triples; tags are stored lower-case.
_UPLOAD_TAGS = """
    select u.symbol, u.entry_date, unnest(string_to_array(u.tags, ',')) as name
    from raw.position_uploads u
    where u.upload_id = :upload_id
"""

_COUNTS = f"""
    select
        (select count(*) from app.positions where portfolio_id = :portfolio_id) as existing,
        (select count(*) from ({_KEPT}) kept) as matched
"""

_REPLACE_BOOK = (
    f"""delete from app.position_tags
        where position_id in (select id from app.positions where portfolio_id = :portfolio_id)
          and position_id not in ({_KEPT})""",
    f"""delete from app.positions
        where portfolio_id = :portfolio_id and id not in ({_KEPT})""",
    """update app.positions as p
       set quantity = u.quantity, entry_price = u.entry_price, updated_at = current_timestamp
       from raw.position_uploads u
       where u.upload_id = :upload_id and p.portfolio_id = :portfolio_id
         and u.symbol = p.symbol and u.entry_date = p.entry_date""",
    """insert into app.positions (portfolio_id, symbol, quantity, entry_price, entry_date)
       select cast(:portfolio_id as bigint), u.symbol, u.quantity, u.entry_price, u.entry_date
       from raw.position_uploads u
       where u.upload_id = :upload_id
         and not exists (select 1 from app.positions p
                         where p.portfolio_id = :portfolio_id
                           and p.symbol = u.symbol and p.entry_date = u.entry_date)
       order by u.row_number""",
    f"""insert into app.tags (user_id, name, color)
        select distinct cast(:user_id as bigint), t.name, cast(:color as varchar)
        from ({_UPLOAD_TAGS}) t
        where not exists (select 1 from app.tags g
                          where g.user_id = :user_id and lower(g.name) = t.name)""",
    f"""insert into app.position_tags (position_id, tag_id)
        select distinct p.id, g.id
        from ({_UPLOAD_TAGS}) t
        join app.positions p
          on p.portfolio_id = :portfolio_id and p.symbol = t.symbol
         and p.entry_date = t.entry_date
        join app.tags g on g.user_id = :user_id and lower(g.name) = t.name
        where not exists (select 1 from app.position_tags pt
                          where pt.position_id = p.id and pt.tag_id = g.id)""",
)

_POSITION_IDS = """
    select p.id from raw.position_uploads u
    join app.positions p
      on p.portfolio_id = :portfolio_id and p.symbol = u.symbol and p.entry_date = u.entry_date
    where u.upload_id = :upload_id
    order by u.row_number
"""


@dataclass(frozen=True)
class BookWriteResult:
    """Outcome of :func:`write_book`.

    ``position_ids`` are in file row order; ``inserted + updated == len(rows)``
    (``updated`` counts the positions matched by symbol and entry date, whose id
    and tags were kept); ``removed`` counts deleted positions.
    """

    position_ids: list[int]
    inserted: int
    updated: int
    removed: int


def ensure_portfolio(conn: Connection, user_id: int, name: str,
                     equity: float | None = None) -> int:
    """The id of the user's portfolio called ``name``, created when missing.

    Parameters
    ----------
    equity : float, optional
        Portfolio equity in dollars, within the bounds of :mod:`ingest.magnitudes`.
        When given it is stored (also on an existing portfolio); ``None`` leaves it as
        it is (NULL = the default rule of design §5: gross market value on the first
        snapshot day).
    """
    if equity is not None and not MIN_EQUITY <= equity <= MAX_EQUITY:  # NaN fails too
        raise ValueError(f"equity must be between {MIN_EQUITY:g} and {MAX_EQUITY:g} dollars, "
                         f"got {equity!r}")
    params = {"user_id": user_id, "name": name, "equity": equity}
    found = conn.fetch_one(
        "select id from app.portfolios where user_id = :user_id and name = :name "
        "order by id limit 1", {"user_id": user_id, "name": name})
    if found is None:
        created = conn.fetch_one(
            "insert into app.portfolios (user_id, name, equity) "
            "values (:user_id, :name, cast(:equity as double precision)) returning id", params)
        assert created is not None
        return int(created["id"])
    if equity is not None:
        conn.execute("update app.portfolios set equity = :equity, updated_at = current_timestamp "
                     "where id = :id", {"equity": equity, "id": found["id"]})
    return int(found["id"])


def upload_frame(rows: list[PositionRow], *, portfolio_id: int, upload_id: str) -> pd.DataFrame:
    """The ``raw.position_uploads`` rows of an upload (tags joined by commas, or NULL)."""
    return pd.DataFrame({
        "upload_id": upload_id,
        "portfolio_id": portfolio_id,
        "row_number": [row.row_number for row in rows],
        "symbol": [row.symbol for row in rows],
        "quantity": [row.quantity for row in rows],
        "entry_price": [row.entry_price for row in rows],
        "entry_date": pd.Series([row.entry_date for row in rows], dtype=object),
        "tags": pd.Series([",".join(row.tags) or None for row in rows], dtype=object),
    })


def write_book(conn: Connection, *, portfolio_id: int, user_id: int, rows: list[PositionRow],
               upload_id: str) -> BookWriteResult:
    """Replace the portfolio's book by ``rows`` (see the module docstring).

    Runs inside the caller's transaction: a failure leaves nothing written once the
    caller's ``with warehouse.connect()`` block rolls back.

    Raises
    ------
    ValueError
        When two rows share a (symbol, entry_date) (the parser refuses such files).
    """
    keys = {(row.symbol, row.entry_date) for row in rows}
    if len(keys) != len(rows):
        raise ValueError("rows repeat a (symbol, entry_date); validate with parse_positions_csv")
    conn.insert_df("raw.position_uploads",
                   upload_frame(rows, portfolio_id=portfolio_id, upload_id=upload_id))
    params = {"portfolio_id": portfolio_id, "user_id": user_id, "upload_id": upload_id,
              "color": DEFAULT_TAG_COLOR}
    counts = conn.fetch_one(_COUNTS, params)
    assert counts is not None
    for statement in _REPLACE_BOOK:
        conn.execute(statement, params)
    position_ids = [int(row[0]) for row in conn.fetchall(_POSITION_IDS,
                                                         params)]
    matched = int(counts["matched"])
    return BookWriteResult(position_ids, inserted=len(rows) - matched, updated=matched,
                           removed=int(counts["existing"]) - matched)
