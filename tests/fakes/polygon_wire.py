"""Polygon wire pieces of the fake: bar rows, cursors, fault and request records."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd

NEW_YORK = ZoneInfo("America/New_York")
FaultKind = Literal["429", "5xx", "slow", "malformed", "not_found", "empty", "error", "crash"]


@dataclass
class Fault:
    """A misbehaviour for one ticker; ``times=None`` means on every request."""

    kind: FaultKind
    times: int | None = None
    retry_after: str | None = None    # Retry-After header value for 429 / 5xx
    status: int = 503                 # HTTP status of a 5xx fault
    delay: float = 0.0                # seconds before answering (slow)
    served: int = 0


@dataclass
class RequestRecord:
    at: float                         # time.monotonic() on arrival
    wall: float                       # time.time() on arrival
    path: str
    ticker: str | None
    query: dict[str, list[str]]
    authorised: bool
    status: int = 0




def wire_bars(bars: pd.DataFrame) -> list[dict]:
    return [
        {"v": float(row.volume), "vw": float(row.vwap), "o": float(row.open),
         "c": float(row.close), "h": float(row.high), "l": float(row.low),
         "t": epoch_ms(pd.Timestamp(row.price_date).date()), "n": int(row.trades)}
        for row in bars.sort_values("price_date").itertuples()
    ]


def epoch_ms(day: dt.date) -> int:
    midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=NEW_YORK)
    return int(midnight.timestamp() * 1000)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["o"])


