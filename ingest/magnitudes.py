"""Bounds on the magnitudes a book may carry: the one home of the rule.

The upload refuses a value outside these bounds (:mod:`ingest.csv_positions`, row and
column named; the API's ``equity`` form field); the batch's pre-flight check
(:mod:`ingest.quarantine`) applies the same bounds, as SQL, to what is stored, so a book
written by any other path is quarantined instead of failing everyone's marts.

==============  ======================================  =====================================
value           bound                                   why
==============  ======================================  =====================================
quantity        finite, ``1e-6 ≤ |q| ≤ 1e9``            shares or contracts; a millionth of a
                                                        share is the finest fraction brokers
                                                        book, 1e9 is above any listed float
entry_price     finite, ``1e-6 ≤ p ≤ 1e7`` dollars      per share (options: premium per
                                                        share); excludes subnormals such as
                                                        1e-320, 1e7 is above any listed price
equity          finite, ``1 ≤ e ≤ 1e13`` dollars        the portfolio's capital
==============  ======================================  =====================================

With these, a position's notional ``|q|·p·100 ≤ 1e18`` and its square ``1e36`` stay far
inside the double range, so sums, variances and returns in the marts stay finite.
"""

from __future__ import annotations

MIN_ABS_QUANTITY = 1e-6
MAX_ABS_QUANTITY = 1e9
MIN_PRICE = 1e-6
MAX_PRICE = 1e7
MIN_EQUITY = 1.0
MAX_EQUITY = 1e13


def quantity_sql(column: str = "quantity") -> str:
    """A portable SQL predicate, true when ``column`` is a valid quantity.

    NaN sorts above every number on DuckDB and PostgreSQL alike, so the upper bound
    refuses it, as it refuses ±infinity.
    """
    return (f"(abs({column}) >= {MIN_ABS_QUANTITY!r} "
            f"and abs({column}) <= {MAX_ABS_QUANTITY!r})")


def price_sql(column: str = "entry_price") -> str:
    """A portable SQL predicate, true when ``column`` is a valid price (per share)."""
    return f"({column} >= {MIN_PRICE!r} and {column} <= {MAX_PRICE!r})"


def equity_sql(column: str = "equity") -> str:
    """True when ``column`` is NULL (the default rule) or a valid equity."""
    return (f"({column} is null or ({column} >= {MIN_EQUITY!r} "
            f"and {column} <= {MAX_EQUITY!r}))")
