"""What-if sessions through HTTP on both warehouses: the issue's acceptance tests.

References are independent of the session code: the stored marts (read with SQL), plain
numpy on the session's frozen closes, mibian, and a trade list's own arithmetic.
"""

from __future__ import annotations

import datetime as dt

import mibian
import numpy as np
import pandas as pd
import pytest

from tests.api.conftest import error_of, ok_data

BASE = "/api/v1/modeling/sessions"
TOL = 1e-9


def create(env, user="demo_user_1", **body) -> dict:
    return ok_data(env.client.post(BASE, json=body or None, headers=env.headers(user)), 201)


def add(env, session_id, trades, user="demo_user_1", status=201):
    response = env.client.post(f"{BASE}/{session_id}/trades", json={"trades": trades},
                               headers=env.headers(user))
    return ok_data(response, status) if status < 400 else response


def risk(env, session_id, positions="all") -> dict:
    return ok_data(env.get(f"{BASE}/{session_id}/risk?positions={positions}"))


def close(a, b, tol=TOL) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def stored(env, session) -> dict:
    """The book's stored figures on the session's as-of date, from the marts."""
    params = {"p": session["portfolio_id"], "d": dt.date.fromisoformat(session["as_of"])}
    snapshot = env.rows("select * from marts.fct_portfolio_snapshots where portfolio_id = :p "
                        "and snapshot_date = :d", params)[0]
    greeks = env.rows("select * from marts.fct_position_greeks where portfolio_id = :p "
                      "and as_of_date = :d", params)
    factors = env.rows("select * from marts.fct_portfolio_factor_exposures where "
                       "portfolio_id = :p and as_of_date = :d", params)
    metrics = env.rows("select * from marts.fct_portfolio_risk_metrics where portfolio_id = :p "
                       "and as_of_date = :d", params)[0]
    components = env.rows("select * from marts.fct_var_components where portfolio_id = :p "
                          "and as_of_date = :d", params)
    return {"snapshot": snapshot, "greeks": {g["position_id"]: g for g in greeks},
            "factors": {f["factor"]: f for f in factors}, "metrics": metrics,
            "components": components}


def test_session_without_trades_reproduces_the_stored_risk(env):
    session = create(env, name="no trades")
    report = risk(env, session["id"])
    book = stored(env, session)
    for name in ("long_exposure", "short_exposure", "gross_exposure", "net_exposure",
                 "market_value", "position_count", "long_count", "short_count", "lc_count",
                 "lp_count", "sc_count", "sp_count"):
        figure = report["exposures"][name]
        assert close(figure["current"], book["snapshot"][name]), name
        assert figure["pro_forma"] == figure["current"], name
        assert figure["change"] == 0, name
    equity = book["snapshot"]["equity"]
    assert close(report["exposures"]["gross_exposure_of_equity"]["current"],
                 book["snapshot"]["gross_exposure"] / equity)
    for name in ("delta", "dollar_delta", "gamma", "theta", "vega", "rho"):
        total = sum(g[name] for g in book["greeks"].values() if g[name] is not None)
        assert close(report["greeks"][name]["current"], total), name
        assert report["greeks"][name]["change"] == 0
    for factor in report["factors"]:
        mart = book["factors"][factor["factor"]]
        assert close(factor["exposure"]["current"], mart["exposure"]), factor["factor"]
        assert close(factor["dollar_exposure"]["pro_forma"], mart["dollar_exposure"])
    metrics = book["metrics"]
    for name in ("parametric_sigma", "parametric_var_95", "parametric_var_95_fraction",
                 "var_n_securities", "var_n_positions_excluded"):
        assert close(report["var"][name]["current"], metrics[name]), name
        assert report["var"][name]["change"] == 0
    positions = {p["position_id"]: p for p in report["positions"]}
    assert set(positions) == set(book["greeks"])
    for component in book["components"]:
        if component["component_level"] == "position":
            got = positions[component["position_id"]]["component_var"]
            assert close(got["current"], component["component_var"])
            assert got["change"] == 0
        else:
            got = next(t for t in report["var_components_tags"]
                       if t["tag_name"] == component["tag_name"])
            assert close(got["component_var"]["current"], component["component_var"])
    for position_id, row in positions.items():
        for name in ("delta", "gamma", "theta", "vega", "dollar_delta", "volatility", "spot"):
            assert close(row[name], book["greeks"][position_id][name]), name
        assert row["status"] == "unchanged"
    assert report["inputs"]["computed_on_demand"] == []


def numbers(report: dict, book: str) -> list[float | None]:
    """Every figure of one side of a report, in a fixed order."""
    out = [v[book] for v in report["exposures"].values()]
    out += [v[book] for v in report["greeks"].values()]
    out += [v[book] for f in report["factors"] for v in (f["exposure"], f["dollar_exposure"])]
    out += [v[book] for v in report["var"].values()]
    out += [t["component_var"][book] for t in report["var_components_tags"]]
    return out


def test_a_trade_and_its_exact_opposite_restore_every_figure(env):
    session = create(env)
    sid = session["id"]
    before = risk(env, sid)
    held = next(p for p in before["positions"] if p["symbol"] and p["strike"] is None)
    trades = [{"symbol": held["symbol"], "quantity": "12.5"},
              {"symbol": "MSFT261218C00450000", "quantity": 3},
              {"symbol": "KO", "quantity": -40.1}]
    add(env, sid, trades)
    during = risk(env, sid)
    assert numbers(during, "pro_forma") != numbers(before, "pro_forma")
    assert {p["status"] for p in during["positions"]} >= {"new", "resized"}
    add(env, sid, [{**t, "quantity": f"-{t['quantity']}".replace("--", "")} for t in trades])
    after = risk(env, sid)
    for got, want in zip(numbers(after, "pro_forma"), numbers(before, "current"), strict=True):
        assert close(got, want), (got, want)
    assert all(p["status"] == "unchanged" for p in after["positions"])
    assert all(close(c, 0.0) for c in numbers(after, "change") if c is not None)


def frozen_returns(env, session_id) -> pd.DataFrame:
    closes = pd.DataFrame(env.rows("select symbol, price_date, close from "
                                   "app.modeling_session_closes where session_id = :s",
                                   {"s": session_id}))
    wide = closes.pivot(index="price_date", columns="symbol", values="close").sort_index()
    return wide / wide.shift(1) - 1


def test_pro_forma_var_equals_plain_numpy(env):
    session = create(env)
    sid = session["id"]
    add(env, sid, [{"symbol": "NVDA", "quantity": 150}, {"symbol": "SPY", "quantity": -30}])
    report = risk(env, sid)
    returns = frozen_returns(env, sid).iloc[-60:]
    rows = [p for p in report["positions"] if p["quantity"]["pro_forma"] is not None]
    exposure = pd.Series([p["dollar_delta"] for p in rows],
                         index=[p["underlying_symbol"] for p in rows]).groupby(level=0).sum()
    x = exposure.to_numpy()
    sigma = np.cov(returns[exposure.index].to_numpy(), rowvar=False, ddof=1)
    var = 1.645 * np.sqrt(x @ sigma @ x)
    assert close(report["var"]["parametric_var_95"]["pro_forma"], var)
    components = [p["component_var"]["pro_forma"] for p in rows]
    assert close(sum(components), var)


def test_added_options_greeks_equal_mibian(env):
    session = create(env)
    sid = session["id"]
    add(env, sid, [{"symbol": "AAPL261218C00260000", "quantity": 4},
                   {"symbol": "NVDA261218P00150000", "quantity": -2, "price": 7.5}])
    report = risk(env, sid, positions="changed")
    returns = frozen_returns(env, sid)
    as_of = dt.date.fromisoformat(session["as_of"])
    closes = (1 + returns).cumprod()  # only ratios are needed for σ
    assert len(closes)
    for row in report["positions"]:
        assert row["status"] == "new"
        underlying = row["underlying_symbol"]
        sigma = returns[underlying].iloc[-30:].std(ddof=1) * np.sqrt(252)
        days = (dt.date.fromisoformat(row["expiry_date"]) - as_of).days
        assert close(row["volatility"], sigma, 1e-12)
        assert row["days_to_expiry"] == days
        ref = mibian.BS([row["spot"], row["strike"], row["rate"] * 100, days],
                        volatility=sigma * 100)
        side = "call" if row["symbol"][-9] == "C" else "put"
        q = row["quantity"]["pro_forma"]
        for name, value in {"delta": getattr(ref, f"{side}Delta"), "gamma": ref.gamma,
                            "theta": getattr(ref, f"{side}Theta"), "vega": ref.vega,
                            "rho": getattr(ref, f"{side}Rho")}.items():
            assert row[f"contract_{name}"] == pytest.approx(value, rel=1e-6), name
            assert row[name] == pytest.approx(value * q * 100, rel=1e-6), name


def test_unknown_symbols_are_loaded_or_refused(env):
    sid = create(env)["id"]
    add(env, sid, [{"symbol": "ZQXJ", "quantity": 10}])
    inputs = risk(env, sid, positions="none")["inputs"]
    on_demand = {i["symbol"]: i["origin"] for i in inputs["computed_on_demand"]}
    assert on_demand == {"ZQXJ": "fetched"}
    assert env.rows("select count(*) as n from raw.prices_daily where symbol = 'ZQXJ'")[0]["n"]
    stored = env.rows(  # in the warehouse (another book), not in this session
        "select s.symbol from raw.securities s where s.asset_type = 'STOCK' and s.symbol not "
        "in (select symbol from app.modeling_session_securities where session_id = :s) "
        "and exists (select 1 from raw.prices_daily p where p.symbol = s.symbol) "
        "order by s.symbol limit 1", {"s": sid})[0]["symbol"]
    loaded_before = env.rows("select max(loaded_at) as t from raw.prices_daily "
                             "where symbol = :s", {"s": stored})[0]["t"]
    add(env, sid, [{"symbol": stored, "quantity": -5}])
    inputs = risk(env, sid, positions="none")["inputs"]
    assert {i["symbol"]: i["origin"] for i in inputs["computed_on_demand"]}[stored] == \
        "stored_history"
    assert env.rows("select max(loaded_at) as t from raw.prices_daily where symbol = :s",
                    {"s": stored})[0]["t"] == loaded_before  # not fetched again
    response = add(env, sid, [{"symbol": "AAPL", "quantity": 1},
                              {"symbol": "AAPL200117C00100000", "quantity": 1}], status=422)
    error = error_of(response, 422, "invalid_trades")
    assert [(p["row"], p["column"]) for p in error["details"]] == [(2, "symbol")]
    assert "no market data for AAPL200117C00100000" in error["details"][0]["message"]
    assert len(ok_data(env.get(f"{BASE}/{sid}"))["trades"]) == 2  # nothing written


def test_trade_problems_by_row_and_column(env):
    session = create(env)
    sid = session["id"]
    position = risk(env, sid)["positions"][0]
    response = add(env, sid, [
        {"symbol": "AAPL", "quantity": 0},
        {"symbol": "AAPL261218C00260000", "quantity": 1.5},
        {"position_id": 999_999_999, "quantity": 1},
        {"position_id": position["position_id"], "symbol": "ZZZZ", "quantity": 1},
        {"symbol": "AAPL", "quantity": 1, "price": -3},
    ], status=422)
    details = error_of(response, 422, "invalid_trades")["details"]
    assert [(p["row"], p["column"]) for p in details] == [
        (1, "quantity"), (2, "quantity"), (5, "price")]
    response = add(env, sid, [{"position_id": 999_999_999, "quantity": 1},
                              {"position_id": position["position_id"], "symbol": "ZZZZ",
                               "quantity": 1}], status=422)
    details = error_of(response, 422, "invalid_trades")["details"]
    assert [(p["row"], p["column"]) for p in details] == [(1, "position_id"), (2, "symbol")]
    assert ok_data(env.get(f"{BASE}/{sid}"))["trades"] == []


def test_change_and_remove_trades(env):
    sid = create(env)["id"]
    trades = add(env, sid, [{"symbol": "MSFT", "quantity": 10}])
    assert trades[0]["price_source"] == "last_close"
    trade_id = trades[0]["id"]
    changed = ok_data(env.client.put(f"{BASE}/{sid}/trades/{trade_id}",
                                     json={"quantity": "25", "price": 401.5},
                                     headers=env.headers("demo_user_1")))
    assert (changed[0]["quantity"], changed[0]["price"], changed[0]["price_source"]) == (
        "25", 401.5, "given")
    error_of(env.client.put(f"{BASE}/{sid}/trades/{trade_id}", json={"quantity": 0},
                            headers=env.headers("demo_user_1")), 422, "invalid_trades")
    assert ok_data(env.client.delete(f"{BASE}/{sid}/trades/{trade_id}",
                                     headers=env.headers("demo_user_1"))) == []
    error_of(env.client.delete(f"{BASE}/{sid}/trades/{trade_id}",
                               headers=env.headers("demo_user_1")), 404)


def test_another_users_session_is_a_404(env):
    sid = create(env)["id"]
    trade_id = add(env, sid, [{"symbol": "MSFT", "quantity": 1}])[0]["id"]
    other = env.headers("demo_user_2")
    client = env.client
    for response in (
        client.get(f"{BASE}/{sid}", headers=other),
        client.get(f"{BASE}/{sid}/risk", headers=other),
        client.get(f"{BASE}/{sid}/risk/greeks/scenario", headers=other),
        client.get(f"{BASE}/{sid}/export?format=csv", headers=other),
        client.get(f"{BASE}/{sid}/export?format=fix", headers=other),
        client.post(f"{BASE}/{sid}/trades", json={"trades": [{"symbol": "A", "quantity": 1}]},
                    headers=other),
        client.put(f"{BASE}/{sid}/trades/{trade_id}", json={"quantity": 2}, headers=other),
        client.delete(f"{BASE}/{sid}/trades/{trade_id}", headers=other),
        client.delete(f"{BASE}/{sid}", headers=other),
    ):
        error_of(response, 404)
    assert sid not in {s["id"] for s in ok_data(client.get(BASE, headers=other))}
    assert ok_data(env.get(f"{BASE}/{sid}"))["trades"][0]["quantity"] == "1"  # untouched


def test_idle_sessions_expire_and_deleted_ones_are_gone(env):
    sid = create(env)["id"]
    listed = {s["id"]: s for s in ok_data(env.get(BASE))}
    assert listed[sid]["ttl_hours"] == 24.0
    with env.warehouse.connect() as conn:
        conn.execute("update app.modeling_sessions set last_used_at = :t where id = :s",
                     {"t": dt.datetime(2000, 1, 1), "s": sid})
    error_of(env.get(f"{BASE}/{sid}"), 404)
    assert not env.rows("select 1 from app.modeling_session_closes where session_id = :s",
                        {"s": sid})
    other = create(env)["id"]
    assert ok_data(env.client.delete(f"{BASE}/{other}", headers=env.headers("demo_user_1"))
                   ) == {"id": other, "deleted": True}
    error_of(env.get(f"{BASE}/{other}/risk"), 404)


def test_the_session_list_is_paged_newest_first_with_its_total(env):
    first, second = create(env)["id"], create(env)["id"]
    stored = env.rows("select id from app.modeling_sessions where user_id = :u "
                      "order by created_at desc, id", {"u": env.users["demo_user_1"]})
    response = env.get(BASE, params={"limit": 1, "offset": 1})
    assert response.headers["X-Total-Count"] == str(len(stored))
    assert [s["id"] for s in ok_data(response)] == [stored[1]["id"]]
    assert {first, second} <= {s["id"] for s in ok_data(env.get(BASE))}
    error_of(env.get(BASE, params={"limit": 501}), 422, "validation_error")
