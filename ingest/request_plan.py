"""The request planner: the fewest provider requests that bring every symbol up to date.

Input: for each symbol, the XNYS sessions it still needs (not stored as final bars,
not answered by the response cache; :meth:`ingest.market_cache.CachedPriceProvider.needs`).
Polygon offers two ways to get daily bars:

- per symbol, ``/v2/aggs/ticker/{T}/range/1/day/{from}/{to}``: one request covers one
  symbol's whole missing span (up to 50 000 bars);
- grouped, ``/v2/aggs/grouped/locale/us/market/stocks/{date}``: one request covers every
  stock and ETF on one session (options are never in it).

With S stocks/ETFs needing data over the union D of their missing sessions, per symbol
costs |S| requests and grouped |D|; the plan takes grouped when |D| < |S| (a daily update
of 63 symbols: 1 request instead of 63; a 1-year backfill of 10 symbols: 10 instead of
~250). Options always go per contract. A splits check adds one request
(:mod:`ingest.polygon_splits`) when a window is due.

Expected duration at ``r`` requests per minute with a burst of 1:
``(n − 1) · 60 / r`` seconds for n requests (0 for an unlimited rate).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ingest.occ import is_option_symbol


@dataclass(frozen=True)
class RequestPlan:
    """What the market-data load will ask the provider, and how long that takes."""

    rate_per_minute: float
    per_symbol: tuple[str, ...] = ()          # one aggregates request each
    grouped_sessions: tuple[dt.date, ...] = ()  # one grouped request each
    grouped_symbols: tuple[str, ...] = ()     # the stocks/ETFs those sessions serve
    split_requests: int = 0
    needs: Mapping[str, tuple[dt.date, ...]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.per_symbol) + len(self.grouped_sessions) + self.split_requests

    @property
    def expected_seconds(self) -> float:
        """``(n − 1) · 60 / rate`` (burst 1); 0 when the rate is unlimited."""
        if self.rate_per_minute <= 0 or math.isinf(self.rate_per_minute) or not self.requests:
            return 0.0
        return (self.requests - 1) * 60.0 / self.rate_per_minute

    def summary(self) -> dict:
        """The plan as JSON-ready numbers (recorded on the batch run)."""
        return {"requests": self.requests, "per_symbol_requests": len(self.per_symbol),
                "grouped_requests": len(self.grouped_sessions),
                "split_requests": self.split_requests,
                "symbols_needing_data": sum(1 for days in self.needs.values() if days),
                "rate_per_minute": self.rate_per_minute,
                "expected_seconds": round(self.expected_seconds, 3)}


def plan_requests(needs: Mapping[str, Sequence[dt.date]], rate_per_minute: float, *,
                  grouped: bool = True, split_requests: int = 0) -> RequestPlan:
    """The cheaper of per-symbol and grouped requests for the stocks/ETFs; options per
    contract. ``grouped=False`` forces per-symbol requests (a provider without them)."""
    wanted = {s: tuple(sorted(days)) for s, days in needs.items() if days}
    stocks = sorted(s for s in wanted if not is_option_symbol(s))
    options = sorted(s for s in wanted if is_option_symbol(s))
    sessions = sorted({day for s in stocks for day in wanted[s]})
    if grouped and len(sessions) < len(stocks):
        return RequestPlan(rate_per_minute, tuple(options), tuple(sessions), tuple(stocks),
                           split_requests, wanted)
    return RequestPlan(rate_per_minute, tuple(stocks + options), (), (), split_requests,
                       wanted)


def step_timeout(plan: RequestPlan | None, floor: float = 300.0,
                 margin: float = 2.0, slack: float = 120.0) -> float:
    """A market-data timeout the plan can meet: max(floor, margin · expected + slack) s."""
    if plan is None:
        return floor
    return max(floor, margin * plan.expected_seconds + slack)
