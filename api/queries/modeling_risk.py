"""Pro-forma risk of a session: every figure for the current book, the pro-forma book
and the change, computed on demand by :func:`python_models.proforma.compare_books`.

Figures: exposure totals (dollars and fractions of equity; equity is unchanged by a
trade — a hypothetical trade is financed in cash), Greek totals, exposure to each factor,
parametric VaR (95 %, 1 day, positive dollars) and component VaR per tag and per
position. ``positions`` lists the positions (``changed`` — resized, new or removed — or
``all``) with their quantities, pro-forma Greeks and inputs, and component VaR in both
books. ``inputs`` says which market inputs were frozen from the batch and which were
computed on demand from stored or freshly loaded history.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from api.queries.modeling_sessions import public, read_session
from api.queries.modeling_state import (
    BASE_BOOK,
    PRO_FORMA_BOOK,
    SessionState,
    read_trades,
    session_state,
)
from api.queries.modeling_trades import SessionNotFound
from ingest.config import Settings
from ingest.warehouse import Warehouse
from python_models.book_exposures import DOLLAR_TOTALS, POSITION_TYPE_COUNTS
from python_models.proforma import GREEK_TOTALS, POSITION_COLUMNS, apply_trades, compare_books

PositionsView = Literal["changed", "all", "none"]
VAR_FIGURES = ("parametric_sigma", "parametric_var_95", "parametric_var_95_fraction",
               "var_n_securities", "var_n_positions_excluded")
POSITION_GREEK_COLUMNS = ("spot", "strike", "expiry_date", "days_to_expiry", "volatility",
                          "rate", "greeks_source", "theoretical_price", "contract_delta",
                          "contract_gamma", "contract_theta", "contract_vega", "contract_rho",
                          *GREEK_TOTALS)


def number(value: Any) -> Any:
    """JSON-safe: NaN / NA / NaT → None, numpy scalars → Python, Timestamps → dates."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def compared(current: Any, pro_forma: Any) -> dict[str, Any]:
    """``{"current", "pro_forma", "change"}``; change NULL when either side is NULL."""
    current, pro_forma = number(current), number(pro_forma)
    change = None if current is None or pro_forma is None else pro_forma - current
    return {"current": current, "pro_forma": pro_forma, "change": change}


def _by_book(frame: pd.DataFrame, key: str | None = None) -> dict[int, Any]:
    return {book: frame[frame["portfolio_id"] == book].set_index(key) if key
            else frame[frame["portfolio_id"] == book].iloc[0]
            for book in (BASE_BOOK, PRO_FORMA_BOOK)}


def _figures(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    books = _by_book(frame)
    return {name: compared(books[BASE_BOOK][name], books[PRO_FORMA_BOOK][name])
            for name in names}


def _factors(frame: pd.DataFrame) -> list[dict[str, Any]]:
    books = _by_book(frame, "factor")
    current, pro = books[BASE_BOOK], books[PRO_FORMA_BOOK]
    return [{"factor": factor, "factor_name": current.at[factor, "factor_name"],
             "exposure": compared(current.at[factor, "exposure"], pro.at[factor, "exposure"]),
             "dollar_exposure": compared(current.at[factor, "dollar_exposure"],
                                         pro.at[factor, "dollar_exposure"])}
            for factor in current.index]


def _tags(components: pd.DataFrame) -> list[dict[str, Any]]:
    tags = components[components["component_level"] == "tag"]
    wide = tags.pivot_table(index="tag_name", columns="portfolio_id", values="component_var",
                            aggfunc="first").reindex(columns=[BASE_BOOK, PRO_FORMA_BOOK])
    ids = tags.groupby("tag_name")["tag_id"].first()
    return [{"tag_name": name, "tag_id": number(ids.get(name)),
             "component_var": compared(row[BASE_BOOK], row[PRO_FORMA_BOOK])}
            for name, row in wide.iterrows()]


def _positions(risk: dict[str, pd.DataFrame], current: pd.DataFrame, pro: pd.DataFrame,
               view: PositionsView) -> list[dict[str, Any]]:
    if view == "none":
        return []
    keys = ["portfolio_id", "book_position_id"]
    greeks = risk["position_greeks"].set_index(keys)
    components = risk["var_components"]
    component = components[components["component_level"] == "position"].set_index(keys)[
        "component_var"]
    quantities = pd.concat([current.assign(book="current"), pro.assign(book="pro_forma")])
    wide = quantities.pivot_table(index="position_id", columns="book", values="quantity",
                                  aggfunc="first").reindex(columns=["current", "pro_forma"])
    terms = quantities.drop_duplicates("position_id", keep="last").set_index("position_id")
    wide["status"] = np.select(
        [wide["current"].isna(), wide["pro_forma"].isna(),
         wide["current"] == wide["pro_forma"]], ["new", "removed", "unchanged"], "resized")
    if view == "changed":
        wide = wide[wide["status"] != "unchanged"]
    rows = []
    for position_id, quantity in wide.iterrows():  # the listed rows only
        status = quantity["status"]
        side = PRO_FORMA_BOOK if status != "removed" else BASE_BOOK
        greek_row = greeks.loc[(side, position_id)]
        rows.append({
            "position_id": None if position_id < 0 else int(position_id),
            "symbol": terms.at[position_id, "symbol"],
            "underlying_symbol": terms.at[position_id, "underlying_symbol"], "status": status,
            "quantity": compared(quantity["current"], quantity["pro_forma"]),
            "greeks_book": "pro_forma" if side == PRO_FORMA_BOOK else "current",
            **{name: number(greek_row[name]) for name in POSITION_GREEK_COLUMNS},
            "component_var": compared(component.get((BASE_BOOK, position_id)),
                                      component.get((PRO_FORMA_BOOK, position_id))),
        })
    return rows


def _inputs(row: dict[str, Any], state: SessionState) -> dict[str, Any]:
    on_demand = state.terms[state.terms["origin"] != "batch"]
    return {"as_of": row["as_of_date"], "risk_free_rate": float(row["risk_free_rate"]),
            "window_sessions": len(state.market.closes),
            "frozen_from_batch": int((state.terms["origin"] == "batch").sum()),
            "computed_on_demand": [
                {"symbol": r.symbol, "origin": r.origin, "added_at": r.added_at,
                 "computed": ["close", "returns", "volatility", "betas", "covariance"]}
                for r in on_demand.itertuples()]}


def session_risk(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
                 view: PositionsView = "changed") -> dict[str, Any]:
    """Every figure of the current and the pro-forma book, and the change."""
    with warehouse.connect() as conn:
        row = read_session(conn, settings, user_id, session_id)
        if row is None:
            raise SessionNotFound(session_id)
        state = session_state(conn, row)
        trades = read_trades(conn, session_id)
    current = state.book[POSITION_COLUMNS]
    pro = apply_trades(current, trades, state.terms, state.market.last_close, PRO_FORMA_BOOK)
    books = pd.DataFrame({"portfolio_id": [BASE_BOOK, PRO_FORMA_BOOK],
                          "equity": [row["equity"]] * 2,
                          "portfolio_value": [row["portfolio_value"]] * 2}).astype(
        {"equity": float, "portfolio_value": float})
    risk = compare_books(current, pro, state.market, books, state.tags)
    exposure_names = (*DOLLAR_TOTALS, *(f"{n}_of_equity" for n in DOLLAR_TOTALS),
                      "position_count", *POSITION_TYPE_COUNTS.values(), "n_unpriced")
    return {
        "session": public(row, settings, n_trades=len(trades)),
        "equity": number(row["equity"]),
        "exposures": _figures(risk["exposures"], exposure_names),
        "greeks": _figures(risk["greek_totals"], (*GREEK_TOTALS, "n_fallback")),
        "factors": _factors(risk["portfolio_factor_exposures"]),
        "var": _figures(risk["var"], VAR_FIGURES),
        "var_components_tags": _tags(risk["var_components"]),
        "positions": _positions(risk, current, pro, view),
        "inputs": _inputs(row, state),
    }
