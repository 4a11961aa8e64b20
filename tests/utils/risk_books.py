"""Many portfolios in the seeded risk world, for the sharded risk step.

:func:`many_books` keeps the world's market (prices with holes, a short history, expired
and live options) and gives it ``n`` portfolios: book ``k`` copies the
positions of world portfolio 1 or 2 with quantities scaled by ``1 + k mod 5``, a
return history of its own (its length varies, some books have no row on the as-of date)
and tags on the copies of the tagged positions. One more book has days but no
positions, and one has positions but no days. The result has the keys of
:func:`tests.utils.risk_world.synthetic_world`, so ``risk_inputs`` and ``load_world``
take it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.utils.risk_world import synthetic_world

LENGTHS = (90, 61, 40, 25, 12)  # days of history per book, in turn


def many_books(n: int, seed: int = 5) -> dict:
    world = synthetic_world()
    rng = np.random.default_rng(seed)
    base = world["positions"]
    sessions = pd.to_datetime(world["trading_days"]["session_date"]).sort_values()
    positions, values, tags = [], [], []
    next_id = 1
    for book in range(1, n + 1):
        source = base[base["portfolio_id"] == 1 + book % 2]
        copy = source.assign(portfolio_id=book,
                             quantity=source["quantity"] * (1 + book % 5))
        ids = np.arange(next_id, next_id + len(copy))
        renamed = dict(zip(copy["position_id"], ids, strict=True))
        copy["position_id"] = ids
        next_id += len(copy)
        positions.append(copy)
        tags.append(world["tags"][world["tags"]["position_id"].isin(renamed)].assign(
            position_id=lambda f, m=renamed: f["position_id"].map(m)))
        values.append(_history(book, sessions, LENGTHS[book % len(LENGTHS)],
                               ends_on_as_of=book % 7 != 3, rng=rng))
    values.append(_history(n + 1, sessions, 30, ends_on_as_of=True, rng=rng))  # no positions
    orphan = base[base["portfolio_id"] == 2].assign(portfolio_id=n + 2)  # no days
    orphan["position_id"] = np.arange(next_id, next_id + len(orphan))
    positions.append(orphan)
    return {**world, "positions": pd.concat(positions, ignore_index=True),
            "values": pd.concat(values, ignore_index=True),
            "tags": pd.concat(tags, ignore_index=True)}


def _history(book: int, sessions: pd.Series, length: int, ends_on_as_of: bool,
             rng: np.random.Generator) -> pd.DataFrame:
    """``length`` sessions of equity, value and daily returns (the first return NULL)."""
    days = sessions.iloc[-length:] if ends_on_as_of else sessions.iloc[-length - 2:-2]
    returns = rng.normal(0.0004, 0.011, len(days))
    returns[0] = np.nan
    equity = 50_000.0 * (1 + book % 9)
    return pd.DataFrame({"portfolio_id": book, "snapshot_date": [d.date() for d in days],
                         "equity": equity,
                         "portfolio_value": equity * np.cumprod(1 + np.nan_to_num(returns)),
                         "daily_return": returns})
