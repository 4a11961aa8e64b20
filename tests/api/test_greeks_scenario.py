"""GET /risk/greeks/scenario (book and session): against the stored Greeks, mibian and
the order of the delta-gamma error."""

from __future__ import annotations

import datetime as dt

import mibian
import numpy as np
import pytest

from tests.api.conftest import error_of, ok_data

URL = "/api/v1/risk/greeks/scenario"


def test_zero_shift_is_the_stored_book(env):
    data = ok_data(env.get(URL))
    stored = ok_data(env.get("/api/v1/risk/greeks"))["totals"]
    for name in ("delta", "gamma", "theta", "vega", "rho", "dollar_delta"):
        assert data["book"]["scenario"][name] == pytest.approx(stored[name], rel=1e-12)
        assert data["book"]["current"][name] == data["book"]["scenario"][name]
    cells = {(c["spot_shift_pct"], c["vol_shift_pts"]): c for c in data["grid"]["cells"]}
    assert len(cells) == 9 * 5
    zero = cells[(0.0, 0.0)]
    assert zero["pnl_full"] == 0.0
    assert zero["pnl_delta_gamma"] == 0.0
    as_of = dt.date.fromisoformat(data["as_of"])
    exposure = env.rows("select sum(exposure) as e from marts.fct_position_values_daily "
                        "where portfolio_id = :p and valuation_date = :d",
                        {"p": env.portfolios["demo_user_1"], "d": as_of})[0]["e"]
    assert zero["value_full"] == pytest.approx(exposure, rel=1e-12)


def test_option_greeks_at_a_scenario_equal_mibian(env):
    base = {r["position_id"]: r for r in ok_data(env.get("/api/v1/risk/greeks"))["positions"]}
    as_of = dt.date.fromisoformat(ok_data(env.get(URL))["as_of"])
    valuation = as_of + dt.timedelta(days=7)
    data = ok_data(env.get(f"{URL}?spot_shift=-8&vol_shift=4&rate=0.03"
                           f"&valuation_date={valuation}"))
    assert data["scenario"]["days_forward"] == 7
    checked = 0
    for row in data["options"]:
        stored = base[row["position_id"]]
        if row["greeks_source"] != "black_scholes":
            continue
        spot = stored["spot"] * 0.92
        vol = stored["volatility"] + 0.04
        days = stored["days_to_expiry"] - 7
        assert row["spot"] == pytest.approx(spot, rel=1e-15)
        ref = mibian.BS([spot, stored["strike"], 3.0, days], volatility=vol * 100)
        side = "call" if stored["position_type"] in ("LC", "SC") else "put"
        assert row["contract_delta"] == pytest.approx(getattr(ref, f"{side}Delta"), rel=1e-6)
        assert row["contract_gamma"] == pytest.approx(ref.gamma, rel=1e-6)
        assert row["contract_theta"] == pytest.approx(getattr(ref, f"{side}Theta"), rel=1e-6)
        assert row["contract_vega"] == pytest.approx(ref.vega, rel=1e-6)
        assert row["contract_rho"] == pytest.approx(getattr(ref, f"{side}Rho"), rel=1e-6)
        checked += 1
    assert checked > 5


def test_delta_gamma_error_is_third_order_through_http(env):
    data = ok_data(env.get(f"{URL}?grid_spot=0.1,0.2,0.4,0.8&grid_vol=0"))
    errors = np.abs([c["approximation_error"] for c in data["grid"]["cells"]])
    np.testing.assert_allclose(np.log2(errors[1:] / errors[:-1]), 3.0, atol=0.1)


@pytest.mark.parametrize("query", ["grid_spot=abc", "grid_spot=-100", "grid_vol=1,1",
                                   "spot_shift=-100", "valuation_date=2000-01-01",
                                   "grid_spot=" + ",".join(str(i) for i in range(42))])
def test_bad_scenarios_are_422(env, query):
    error_of(env.get(f"{URL}?{query}"), 422)


def test_session_scenario_includes_the_trades(env):
    headers = env.headers("demo_user_1")
    sid = ok_data(env.client.post("/api/v1/modeling/sessions", headers=headers), 201)["id"]
    ok_data(env.client.post(f"/api/v1/modeling/sessions/{sid}/trades", headers=headers,
                            json={"trades": [{"symbol": "AAPL261218C00260000",
                                              "quantity": 4}]}), 201)
    inside = ok_data(env.get(f"/api/v1/modeling/sessions/{sid}/risk/greeks/scenario"))
    book = ok_data(env.get(URL))
    added = [o for o in inside["options"] if o["symbol"] == "AAPL261218C00260000"]
    assert len(added) == 1
    assert added[0]["delta"] == pytest.approx(added[0]["contract_delta"] * 400, rel=1e-12)
    assert inside["book"]["current"]["delta"] == pytest.approx(
        book["book"]["current"]["delta"] + added[0]["delta"], rel=1e-9)
