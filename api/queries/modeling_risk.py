"""Pro-forma risk of a session: every figure for the current book, the pro-forma book
and the change, computed on demand by increments (:mod:`python_models.incremental`) from
the current book's risk (the batch's functions, remembered with the session's state).

Figures: exposure totals (dollars and fractions of equity; equity is unchanged by a
trade — a hypothetical trade is financed in cash), Greek totals, exposure to each factor,
parametric VaR (95 %, 1 day, positive dollars) and component VaR per tag and per
position. ``positions`` lists the positions (``changed`` — resized, new or removed — or
``all``) with their quantities, Greeks and inputs (pro-forma book; a removed position:
current), and component VaR in both books. ``inputs`` says which market inputs were
frozen from the batch and which were computed on demand.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from api.queries.modeling_sessions import public
from api.queries.modeling_state import PRO_FORMA_BOOK, SessionState, load_live
from ingest.config import Settings
from ingest.warehouse import Warehouse
from python_models.book_exposures import (
    DOLLAR_TOTALS,
    POSITION_TYPE_COUNTS,
    fractions_of_equity,
)
from python_models.incremental import (
    FACTOR_COLUMNS,
    GREEK_COLUMNS,
    Contributions,
    ProForma,
    changed_contributions,
    pro_forma,
)
from python_models.proforma import changed_rows, net_trades
from python_models.risk_step import FACTOR_NAMES

PositionsView = Literal["changed", "all", "none"]
EXPOSURE_FIGURES = (*DOLLAR_TOTALS, *(f"{n}_of_equity" for n in DOLLAR_TOTALS),
                    "position_count", *POSITION_TYPE_COUNTS.values(), "n_unpriced")
POSITION_FIELDS = ("underlying_symbol", "spot", "strike", "expiry_date", "days_to_expiry",
                   "volatility", "rate", "greeks_source", "theoretical_price",
                   "contract_delta", "contract_gamma", "contract_theta", "contract_vega",
                   "contract_rho", *GREEK_COLUMNS)
RECORD_FIELDS = ("position_id", "symbol", "quantity", *POSITION_FIELDS)


def number(value: Any) -> Any:
    """JSON-safe: NaN / NA / NaT → None, numpy scalars → Python, Timestamps → dates."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).date()
    return value.item() if hasattr(value, "item") else value


def compared(current: Any, pro_forma: Any) -> dict[str, Any]:
    """``{"current", "pro_forma", "change"}``; change NULL when either side is NULL."""
    current, pro_forma = number(current), number(pro_forma)
    change = None if current is None or pro_forma is None else pro_forma - current
    return {"current": current, "pro_forma": pro_forma, "change": change}


def _figures(current: ProForma, pro: ProForma, row: dict[str, Any]) -> dict[str, Any]:
    equity = np.array([np.nan if row["equity"] is None else float(row["equity"])] * 2)
    sides = [current.totals, pro.totals]
    exposures: dict[str, Any] = {name: np.array([side[name] for side in sides])
                                 for name in current.totals}
    exposures.update(fractions_of_equity(exposures, equity))
    value = row["portfolio_value"]
    positive = float(value) if value is not None and float(value) > 0 else np.nan
    factors = []
    for factor in FACTOR_COLUMNS:
        dollars = [side[factor] if side[f"n_{factor}_included"] else np.nan for side in sides]
        factors.append({"factor": factor, "factor_name": FACTOR_NAMES[factor],
                        "exposure": compared(*(d / e for d, e in zip(dollars, equity,
                                                                      strict=True))),
                        "dollar_exposure": compared(*dollars),
                        "n_positions_excluded": compared(
                            *(s["n_positions"] - s[f"n_{factor}_included"] for s in sides))})
    return {
        "exposures": {name: compared(*exposures[name]) for name in EXPOSURE_FIGURES},
        "greeks": {name: compared(*(s[name] for s in sides))
                   for name in (*GREEK_COLUMNS, "n_fallback")},
        "factors": factors,
        "var": {"parametric_sigma": compared(current.sigma, pro.sigma),
                "parametric_var_95": compared(current.var, pro.var),
                "parametric_var_95_fraction": compared(current.var / positive,
                                                       pro.var / positive),
                "var_n_securities": compared(current.var_n_securities, pro.var_n_securities),
                "var_n_positions_excluded": compared(
                    *(s["var_n_positions_excluded"] for s in sides))},
        "var_components_tags": [
            {"tag_name": name, "component_var": compared(current.tag_components.get(name),
                                                         pro.tag_components.get(name))}
            for name in sorted(set(current.tag_components) | set(pro.tag_components))],
    }


def _records(part: Contributions, rows: np.ndarray,
             components: np.ndarray) -> list[dict[str, Any]]:
    """The listed fields of ``rows`` of ``part``, with their row and component VaR."""
    columns = [(name, part.positions[name]) for name in RECORD_FIELDS]
    return [{**{name: values[row] for name, values in columns}, "row": int(row),
             "component_var": components[row]} for row in rows.tolist()]


def _listed(record: dict[str, Any], status: str, book: str, quantity: dict,
            component: dict) -> dict[str, Any]:
    position_id = int(record["position_id"])
    return {**{k: number(record[k]) for k in POSITION_FIELDS},
            "position_id": None if position_id < 0 else position_id,
            "symbol": record["symbol"], "status": status, "greeks_book": book,
            "quantity": quantity, "component_var": component}


def _positions(state: SessionState, before: np.ndarray, after: Contributions, pro: ProForma,
               view: PositionsView) -> list[dict[str, Any]]:
    """Changed positions (and, for ``all``, the unchanged ones) in both books."""
    if view == "none":
        return []
    incremental = state.incremental
    rows = np.arange(len(before)) if view == "all" else np.flatnonzero(before)
    current = {r["position_id"]: r for r in _records(
        incremental.current, rows, incremental.current_figures.kept_components)}
    out = []
    for record in _records(after, np.arange(len(after.dae)), pro.after_components):
        was = current.pop(record["position_id"], None)
        out.append(_listed(
            record, "new" if was is None else "resized", "pro_forma",
            compared(None if was is None else was["quantity"], record["quantity"]),
            compared(None if was is None else was["component_var"], record["component_var"])))
    for record in current.values():
        if before[record["row"]]:
            out.append(_listed(record, "removed", "current",
                               compared(record["quantity"], None),
                               compared(record["component_var"], None)))
        else:
            out.append(_listed(record, "unchanged", "pro_forma",
                               compared(record["quantity"], record["quantity"]),
                               compared(record["component_var"],
                                        pro.kept_components[record["row"]])))
    return out


def _inputs(row: dict[str, Any], state: SessionState) -> dict[str, Any]:
    return {"as_of": row["as_of_date"], "risk_free_rate": float(row["risk_free_rate"]),
            "window_sessions": len(state.market.closes),
            "frozen_from_batch": len(state.terms) - len(state.on_demand),
            "computed_on_demand": [
                {**added, "computed": ["close", "returns", "volatility", "betas", "covariance"]}
                for added in state.on_demand]}


def session_risk(warehouse: Warehouse, settings: Settings, user_id: int, session_id: str,
                 view: PositionsView = "changed") -> dict[str, Any]:
    """Every figure of the current and the pro-forma book, and the change."""
    row, state, trades = load_live(warehouse, settings, user_id, session_id)
    incremental = state.incremental
    changes = [change for change in net_trades(state.holdings, trades)
               if change.target != change.current]
    before = incremental.changed_mask(change.position_id for change in changes)
    after = changed_contributions(incremental, changed_rows(
        state.holdings, changes, state.term_lookup, state.last_close, PRO_FORMA_BOOK))
    pro = pro_forma(incremental, before, after)
    return {
        "session": public(row, settings, n_trades=len(trades)),
        "equity": number(row["equity"]),
        **_figures(incremental.current_figures, pro, row),
        "positions": _positions(state, before, after, pro, view),
        "inputs": _inputs(row, state),
    }
