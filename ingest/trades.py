"""Hypothetical trades of a what-if session: validated like a CSV upload.

A trade is an object with the columns

- ``symbol`` — a ticker or an OCC option symbol (normalised to the compact form, as in
  the CSV); may be omitted when ``position_id`` names the position to resize;
- ``quantity`` — the signed change in shares or contracts (buy > 0, sell < 0), a JSON
  number or a decimal string; finite, non-zero, at most 1e9 in size; options in whole
  contracts; kept as a :class:`~decimal.Decimal` (``0.1`` is exactly 0.1);
- ``price`` — optional, per share (options: premium per share), finite and > 0; the
  session defaults it to the last close;
- ``position_id`` — optional: the book position the trade resizes or removes.

Every problem names its row (the trade's place in the request, from 1) and column, in
the CSV upload's style (:class:`ingest.csv_problems.CsvProblem`); a request with any
problem is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ingest.csv_problems import CsvProblem
from ingest.occ import SymbolError, parse_symbol
from ingest.warehouse.limits import ID_MAX, is_valid_id

TRADE_COLUMNS = ("symbol", "quantity", "price", "position_id")
MAX_ABS_QUANTITY = Decimal("1e9")
MAX_TRADES = 500


class TradeValidationError(ValueError):
    """Trades with problems (the API answers 422 listing every one)."""

    def __init__(self, problems: list[CsvProblem]):
        self.problems = sorted(problems, key=lambda p: (p.row or 0, _column_order(p.column)))
        first = self.problems[0]
        super().__init__(f"{len(self.problems)} problem(s) in the trades, first: row "
                         f"{first.row}, column {first.column}: {first.message}")


def _column_order(column: str | None) -> int:
    return TRADE_COLUMNS.index(column) if column in TRADE_COLUMNS else len(TRADE_COLUMNS)


@dataclass(frozen=True)
class Trade:
    """One validated trade (``row`` from 1)."""

    row: int
    symbol: str | None
    is_option: bool
    quantity: Decimal
    price: float | None
    position_id: int | None


def _decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric string as a finite Decimal; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def validate_trade(row: int, fields: dict[str, Any]) -> tuple[Trade | None, list[CsvProblem]]:
    """One trade, or the problems of its fields (rules in the module docstring)."""
    problems = [CsvProblem(row, str(name), f"unknown column {name!r}; use "
                           f"{', '.join(TRADE_COLUMNS)}") for name in fields
                if name not in TRADE_COLUMNS]

    def problem(column: str, message: str) -> None:
        problems.append(CsvProblem(row, column, message))

    symbol, occ = None, None
    raw_symbol = fields.get("symbol")
    if raw_symbol is not None:
        if not isinstance(raw_symbol, str):
            problem("symbol", f"symbol must be text, got {raw_symbol!r}")
        else:
            try:
                symbol, occ = parse_symbol(raw_symbol)
            except SymbolError as error:
                problem("symbol", str(error))
    position_id = fields.get("position_id")
    if position_id is not None and not is_valid_id(position_id):
        problem("position_id", f"position_id must be an integer from 1 to {ID_MAX}, "
                               f"got {position_id!r}")
    if raw_symbol is None and position_id is None:
        problem("symbol", "give a symbol, or the position_id of the position to resize")

    quantity = _decimal(fields.get("quantity"))
    if "quantity" not in fields or fields["quantity"] is None:
        problem("quantity", "quantity is required (signed: buy > 0, sell < 0)")
    elif quantity is None:
        problem("quantity", f"quantity must be a finite number, got {fields['quantity']!r}")
    elif quantity == 0:
        problem("quantity", "quantity must not be zero")
    elif abs(quantity) > MAX_ABS_QUANTITY:
        problem("quantity", f"quantity {quantity} is larger than {MAX_ABS_QUANTITY:f} in size")
    elif occ is not None and quantity != quantity.to_integral_value():
        problem("quantity", f"option quantity must be a whole number of contracts, "
                            f"got {quantity}")

    price = None
    if fields.get("price") is not None:
        price_number = _decimal(fields["price"])
        if price_number is None or price_number <= 0:
            problem("price", f"price must be a positive finite number, got {fields['price']!r}")
        else:
            price = float(price_number)
    if problems or quantity is None:
        return None, problems
    return Trade(row, symbol, occ is not None, quantity, price, position_id), []


def validate_trades(rows: list[dict[str, Any]]) -> list[Trade]:
    """Every trade of a request, or :class:`TradeValidationError` with every problem."""
    if not rows:
        raise TradeValidationError([CsvProblem(None, None, "no trades given")])
    if len(rows) > MAX_TRADES:
        raise TradeValidationError([CsvProblem(None, None, f"{len(rows)} trades; at most "
                                                           f"{MAX_TRADES} per request")])
    trades, problems = [], []
    for row, fields in enumerate(rows, start=1):
        if not isinstance(fields, dict):
            problems.append(CsvProblem(row, None, "a trade is an object with "
                                                  f"{', '.join(TRADE_COLUMNS)}"))
            continue
        trade, found = validate_trade(row, fields)
        problems.extend(found)
        if trade is not None:
            trades.append(trade)
    if problems:
        raise TradeValidationError(problems)
    return trades
