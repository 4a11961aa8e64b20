"""Trade validation: every problem by row and column; decimals kept exact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.trades import MAX_TRADES, TradeValidationError, validate_trades


def problems_of(rows) -> list[tuple]:
    with pytest.raises(TradeValidationError) as caught:
        validate_trades(rows)
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def test_valid_trades_are_normalised():
    trades = validate_trades([
        {"symbol": "AAPL", "quantity": 0.1},
        {"symbol": "AAPL  260116C00250000", "quantity": "-3", "price": 12.5},
        {"position_id": 7, "quantity": -100},
    ])
    assert [t.row for t in trades] == [1, 2, 3]
    assert trades[0].quantity == Decimal("0.1")  # not 0.1000000000000000055...
    assert (trades[1].symbol, trades[1].is_option, trades[1].price) == (
        "AAPL260116C00250000", True, 12.5)
    assert (trades[2].symbol, trades[2].position_id, trades[2].quantity) == (
        None, 7, Decimal(-100))


def test_every_problem_is_listed_by_row_and_column():
    found = problems_of([
        {"symbol": "aapl", "quantity": 0},
        {"symbol": "AAPL260116C00250000", "quantity": 1.5, "price": -2},
        {"quantity": "ten", "colour": "red"},
        {"symbol": "MSFT", "quantity": float("inf"), "price": "nan"},
        {"symbol": "MSFT", "quantity": 2e9, "position_id": 0},
        {"symbol": 5, "quantity": True},
        "AAPL,100",
    ])
    assert [(row, column) for row, column, _ in found] == [
        (1, "symbol"), (1, "quantity"),
        (2, "quantity"), (2, "price"),
        (3, "symbol"), (3, "quantity"), (3, "colour"),
        (4, "quantity"), (4, "price"),
        (5, "quantity"), (5, "position_id"),
        (6, "symbol"), (6, "quantity"),
        (7, None),
    ]
    messages = {(row, column): message for row, column, message in found}
    assert "did you mean 'AAPL'" in messages[(1, "symbol")]
    assert messages[(1, "quantity")] == "quantity must not be zero"
    assert "whole number of contracts" in messages[(2, "quantity")]
    assert "unknown column 'colour'" in messages[(3, "colour")]
    assert "give a symbol, or the position_id" in messages[(3, "symbol")]


def test_request_level_problems():
    assert problems_of([]) == [(None, None, "no trades given")]
    too_many = [{"symbol": "A", "quantity": 1}] * (MAX_TRADES + 1)
    assert problems_of(too_many)[0][2].startswith(f"{MAX_TRADES + 1} trades")
