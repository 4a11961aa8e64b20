"""Accept a positions CSV for a user: validate everything, then write it in one transaction.

This is the one path every book takes — the API's upload endpoint and the demo
loader both call :func:`upload_positions_csv`. A file with any invalid row raises
:class:`~ingest.csv_positions.CsvValidationError` before anything is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ingest.book import ensure_portfolio, write_book
from ingest.calendar import today_in_new_york
from ingest.config import Settings
from ingest.csv_positions import MAX_LISTED_PROBLEMS, parse_positions_csv
from ingest.warehouse import Connection, Warehouse

DEFAULT_PORTFOLIO_NAME = "Main portfolio"


def upload_today(settings: Settings) -> dt.date:
    """The latest entry date an upload may carry: the pinned as-of date, else today in
    New York."""
    return settings.as_of_date or today_in_new_york()


@dataclass(frozen=True)
class UploadResult:
    portfolio_id: int
    upload_id: str
    position_ids: list[int]
    inserted: int
    updated: int
    removed: int


def upload_positions_csv(warehouse: Warehouse, *, user_id: int, data: bytes,
                         today: dt.date, equity: float | None = None,
                         portfolio_name: str = DEFAULT_PORTFOLIO_NAME,
                         max_problems: int = MAX_LISTED_PROBLEMS,
                         in_transaction: Callable[[Connection], None] | None = None,
                         ) -> UploadResult:
    """Validate ``data`` and replace the user's book with it (atomically).

    A refused file raises with its first ``max_problems`` problems listed.
    ``in_transaction(conn)``, when given, runs inside the writing transaction after the
    book is written (the API bumps its data version there).
    """
    rows = parse_positions_csv(data, today=today, max_problems=max_problems)
    upload_id = uuid.uuid4().hex
    with warehouse.connect() as conn:
        portfolio_id = ensure_portfolio(conn, user_id, portfolio_name, equity)
        written = write_book(conn, portfolio_id=portfolio_id, user_id=user_id, rows=rows,
                             upload_id=upload_id)
        if in_transaction is not None:
            in_transaction(conn)
    return UploadResult(portfolio_id, upload_id, list(written.position_ids), written.inserted,
                        written.updated, written.removed)
