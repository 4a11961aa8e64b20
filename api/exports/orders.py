"""Orders that carry a book from one holding to another (what a trade list becomes).

Moving the holding of one security from ``holding`` to ``target`` (signed: shares,
fractional allowed; or option contracts, whole numbers only) takes one or two orders of
positive quantity, for the change ``target − holding``:

- stocks and ETFs: a purchase is one ``buy`` (it also covers a short); a sale sells
  what is held long (``sell``) and sells the rest short (``sell_short``) — a sale that
  crosses zero is split in two, as short-sale marking requires;
- options: a purchase buys to close what is short, then buys to open; a sale sells to
  close what is held long, then sells to open (``position_effect`` close / open).

Quantities are :class:`decimal.Decimal`: a float quantity is taken at its shortest
round-trip decimal (``0.1`` is 0.1, not 0.1000000000000000055), so the difference of
two stored holdings is exact (100.1 − 100 = 0.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ingest.occ import OccSymbol, parse_symbol


class Side(StrEnum):
    """FIX 4.4 Side (54)."""

    BUY = "1"
    SELL = "2"
    SELL_SHORT = "5"


class PositionEffect(StrEnum):
    """FIX 4.4 PositionEffect (77), for options."""

    OPEN = "O"
    CLOSE = "C"


def as_decimal(value: Decimal | int | float | str) -> Decimal:
    """``value`` as a Decimal; floats at their shortest round-trip repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def plain(value: Decimal) -> str:
    """Plain decimal notation without exponent or trailing zeros: ``100``, ``0.25``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@dataclass(frozen=True)
class Order:
    """One order of a positive quantity.

    Attributes
    ----------
    cl_ord_id : ClOrdID (11), unique per sender and day.
    symbol : a ticker or a compact OCC option symbol.
    side : buy, sell or sell short.
    quantity : shares (fractional allowed) or contracts (whole), > 0.
    price : limit price per share (options: premium per share); None = market order.
    position_effect : options only: open or close.
    underlying_symbol : options only: the underlying's ticker (default: the OCC root).
    """

    cl_ord_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal | None = None
    position_effect: PositionEffect | None = None
    underlying_symbol: str | None = None

    def __post_init__(self) -> None:
        symbol, occ = parse_symbol(self.symbol)  # raises SymbolError with the reason
        if symbol != self.symbol:
            raise ValueError(f"symbol {self.symbol!r} must be written {symbol!r}")
        if not self.quantity.is_finite() or self.quantity <= 0:
            raise ValueError(f"order quantity must be positive, got {self.quantity}")
        if occ is not None and self.quantity != self.quantity.to_integral_value():
            raise ValueError(f"{self.symbol}: options trade in whole contracts, "
                             f"got {plain(self.quantity)}")
        if self.price is not None and (not self.price.is_finite() or self.price <= 0):
            raise ValueError(f"limit price must be positive, got {self.price}")
        if (occ is None) != (self.position_effect is None):
            raise ValueError("position_effect is required for options and only for them")
        if not self.cl_ord_id or not self.cl_ord_id.isascii() or not self.cl_ord_id.isprintable():
            raise ValueError(f"ClOrdID must be printable ASCII, got {self.cl_ord_id!r}")

    @property
    def option(self) -> OccSymbol | None:
        """The parsed OCC symbol of an option order, None for a stock."""
        return parse_symbol(self.symbol)[1]


def orders_to_reach(cl_ord_id: str, symbol: str, holding: Decimal | float,
                    target: Decimal | float, price: Decimal | float | None = None,
                    underlying_symbol: str | None = None) -> list[Order]:
    """The orders that move ``holding`` to ``target`` (rules in the module docstring).

    One order keeps ``cl_ord_id``; a split gives ``cl_ord_id-1`` (the closing or long
    sale) and ``cl_ord_id-2`` (the opening or short sale). ``target = holding`` gives no
    order.
    """
    holding = as_decimal(holding)
    change = as_decimal(target) - holding
    limit = None if price is None else as_decimal(price)
    is_option = parse_symbol(symbol)[1] is not None
    if change > 0:
        closing = min(max(-holding, Decimal(0)), change) if is_option else Decimal(0)
        legs = [(Side.BUY, closing, PositionEffect.CLOSE),
                (Side.BUY, change - closing, PositionEffect.OPEN)]
    else:
        sold = -change
        closing = min(max(holding, Decimal(0)), sold)
        legs = [(Side.SELL, closing, PositionEffect.CLOSE),
                (Side.SELL if is_option else Side.SELL_SHORT, sold - closing,
                 PositionEffect.OPEN)]
    legs = [leg for leg in legs if leg[1] > 0]
    return [Order(cl_ord_id if len(legs) == 1 else f"{cl_ord_id}-{number}", symbol, side,
                  quantity, limit, effect if is_option else None,
                  underlying_symbol if is_option else None)
            for number, (side, quantity, effect) in enumerate(legs, start=1)]
