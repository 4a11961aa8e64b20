"""Factor model, correlations, stress, concentration / liquidity and benchmark routes,
each number recomputed here from the stored prices and positions (numpy, pandas,
empyrical, mibian, plain loops)."""

from __future__ import annotations

import empyrical
import mibian
import numpy as np
import pandas as pd
import pytest

from python_models.conventions import FACTORS, daily_risk_free
from tests.api.conftest import error_of, ok_data

RISK = "/api/v1/risk"


def closes(env, symbols, as_of, sessions: int) -> pd.DataFrame:
    days = sorted(r["session_date"] for r in env.rows(
        "select session_date from raw.trading_days where session_date <= :d "
        "order by session_date desc limit :n", {"d": as_of, "n": sessions}))
    rows = env.rows("select symbol, price_date, close, volume from raw.prices_daily "
                    "where price_date >= :s and price_date <= :d", {"s": days[0], "d": as_of})
    frame = pd.DataFrame(rows)
    wide = frame.pivot(index="price_date", columns="symbol", values="close")
    return wide.reindex(index=days, columns=list(symbols)).astype(float)


def greeks(env) -> pd.DataFrame:
    pid = env.portfolios["demo_user_1"]
    return pd.DataFrame(env.rows("select * from marts.fct_position_greeks "
                                 "where portfolio_id = :p", {"p": pid}))


def test_factor_model_against_numpy_and_the_positions(env):
    data = ok_data(env.get(f"{RISK}/factor-model"))
    returns = closes(env, FACTORS, data["as_of"], 61).pct_change().iloc[1:].dropna()
    assert data["n_obs"] == len(returns) >= 20
    cov = np.array(data["covariance"], dtype=float)
    np.testing.assert_allclose(cov, np.cov(returns.to_numpy().T) * 252, rtol=1e-9)
    risk = data["risk"]
    assert risk["factor_variance"] + risk["specific_variance"] == pytest.approx(
        risk["total_variance"], rel=1e-9)
    contributions = {c["factor"]: c for c in data["contributions"]}
    assert sum(c["variance_contribution"] for c in contributions.values()) == pytest.approx(
        risk["factor_variance"], rel=1e-9)
    # B = sum over underlyings of (summed dollar delta) x joint exposures, then B'FB
    exposures = {s["symbol"]: s for s in data["securities"]}
    x = greeks(env).groupby("underlying_symbol")["dollar_delta"].sum()
    modelled = [s for s in x.index if exposures[s]["quality_flag"] == "ok"]
    big_b = np.array([sum(x[s] * exposures[s]["exposures"][f] for s in modelled)
                      for f in data["factors"]])
    assert big_b @ cov @ big_b == pytest.approx(risk["factor_variance"], rel=1e-9)
    specific = sum(x[s] ** 2 * exposures[s]["specific_variance"] for s in modelled)
    assert specific == pytest.approx(risk["specific_variance"], rel=1e-9)
    assert data["conventions"]["exposures"]


def test_correlations_top_pairs_and_matrix_against_pandas(env):
    data = ok_data(env.get(f"{RISK}/correlations", params={"matrix": "true"}))
    symbols = data["symbols"]
    want = closes(env, symbols, data["as_of"], 61).pct_change().iloc[1:].corr(min_periods=20)
    got = np.array(data["matrix"], dtype=float)
    np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-9, atol=1e-12)
    pairs = [(abs(want.iloc[i, j]), symbols[i], symbols[j]) for i in range(len(symbols))
             for j in range(i + 1, len(symbols)) if np.isfinite(want.iloc[i, j])]
    top = sorted(pairs, key=lambda p: -p[0])[:10]
    assert [(p["symbol_a"], p["symbol_b"]) for p in data["top_pairs"]] == [
        (a, b) for _, a, b in top]
    assert ok_data(env.get(f"{RISK}/correlations"))["matrix"] is None


def test_adhoc_stress_revalues_every_position(env):
    data = ok_data(env.client.post(f"{RISK}/stress", headers=env.headers("demo_user_1"),
                                   json={"shocks": {"SPY": -0.10}, "vol_shift": 0.05}))
    moves = {m["factor"]: m["move"] for m in data["factor_moves"]}
    assert moves["SPY"] == -0.10
    model = {s["symbol"]: s for s in ok_data(env.get(f"{RISK}/factor-model"))["securities"]}
    book = greeks(env).set_index("position_id")
    checked = 0
    for row in data["positions"]:
        g = book.loc[row["position_id"]]
        sec = model[g["underlying_symbol"]]
        if sec["quality_flag"] != "ok":
            assert row["pnl"] is None
            continue
        r = sum(sec["exposures"][f] * moves[f] for f in FACTORS)  # plain loop
        assert row["underlying_return"] == pytest.approx(r, rel=1e-9, abs=1e-12)
        if g["asset_type"] != "OPTION":
            assert row["pnl"] == pytest.approx(g["quantity"] * g["spot"] * r, rel=1e-9)
        elif g["greeks_source"] == "black_scholes":
            days, call = g["days_to_expiry"], g["option_type"] == "C"
            before = mibian.BS([g["spot"], g["strike"], g["rate"] * 100, days],
                               volatility=g["volatility"] * 100)
            after = mibian.BS([g["spot"] * (1 + r), g["strike"], g["rate"] * 100, days],
                              volatility=(g["volatility"] + 0.05) * 100)
            change = (after.callPrice - before.callPrice) if call else (
                after.putPrice - before.putPrice)
            assert row["pnl"] == pytest.approx(g["quantity"] * 100 * change, rel=1e-5)
        checked += 1
    assert checked >= 40
    total = sum(p["pnl"] for p in data["positions"] if p["pnl"] is not None)
    assert data["total"]["pnl"] == pytest.approx(total, rel=1e-12)
    assert sum(s["pnl"] for s in data["by_sector"]) == pytest.approx(total, rel=1e-9)


def test_zero_stress_is_zero_and_bad_requests_are_422(env):
    zero = ok_data(env.client.post(f"{RISK}/stress", headers=env.headers("demo_user_1"),
                                   json={"shocks": {}, "vol_shift": 0.0}))
    assert all(p["pnl"] in (0.0, None) for p in zero["positions"])
    assert zero["total"]["pnl"] == 0.0
    for body in ({"shocks": {"QQQ": -0.1}}, {"shocks": {"SPY": -1.5}},
                 {"shocks": {"SPY": "a lot"}}, {"vol_shift": 9}, {"shock": {"SPY": -0.1}}):
        error_of(env.client.post(f"{RISK}/stress", headers=env.headers("demo_user_1"),
                                 json=body), 422)
    other = env.portfolios["demo_user_2"]
    error_of(env.client.post(f"{RISK}/stress", headers=env.headers("demo_user_1"),
                             params={"portfolio_id": other}, json={"shocks": {}}), 404)


def test_scenario_library_and_replay(env):
    data = ok_data(env.get(f"{RISK}/stress/scenarios"))
    by_name = {s["scenario"]: s for s in data["scenarios"]}
    assert {"crash_2020", "rate_shock_2022", "volmageddon_2018",
            "momentum_reversal"} <= set(by_name)
    crash = by_name["crash_2020"]
    assert crash["factor_moves"]["SPY"] == -0.339
    assert crash["shocked"] == ["SPY"]
    assert crash["source"]
    replays = [s for s in data["scenarios"] if s["kind"] == "replay"]
    assert sorted(s["horizon_days"] for s in replays) == [1, 5]
    for scenario in data["scenarios"]:
        assert sum(g["pnl"] for g in scenario["by_sector"]) == pytest.approx(
            scenario["total"]["pnl"], rel=1e-9)


def test_concentration_and_liquidity_against_loops(env):
    data = ok_data(env.get(f"{RISK}/concentration"))
    book = greeks(env)
    names = book.groupby("underlying_symbol")["dollar_delta"].sum().abs()
    shares = names / names.sum()
    assert data["concentration"]["herfindahl"] == pytest.approx((shares ** 2).sum(), rel=1e-9)
    equity = data["concentration"]["equity"]
    assert data["concentration"]["top5_weight"] == pytest.approx(
        names.sort_values(ascending=False).iloc[:5].sum() / equity, rel=1e-9)
    volumes = pd.DataFrame(env.rows(
        "select symbol, price_date, volume from raw.prices_daily where price_date <= :d",
        {"d": data["as_of"]})).pivot(index="price_date", columns="symbol", values="volume")
    days = sorted(r["session_date"] for r in env.rows(
        "select session_date from raw.trading_days where session_date <= :d "
        "order by session_date desc limit 20", {"d": data["as_of"]}))
    positions = {p["position_id"]: p for p in data["positions"]}
    for g in book.itertuples():
        window = volumes.reindex(days)[g.symbol]
        first = window.first_valid_index()
        adv = window.loc[first:].fillna(0).mean()  # gaps after the first bar count as 0
        row = positions[g.position_id]
        assert row["adv"] == pytest.approx(adv, rel=1e-12)
        assert row["days_to_liquidate"] == pytest.approx(abs(g.quantity) / (0.2 * adv),
                                                         rel=1e-12)


def test_benchmark_metrics_equal_empyrical_and_pandas(env):
    data = ok_data(env.get(f"{RISK}/benchmark"))
    pid = env.portfolios["demo_user_1"]
    snaps = pd.DataFrame(env.rows("select snapshot_date, daily_return from "
                                  "marts.fct_portfolio_snapshots where portfolio_id = :p "
                                  "order by snapshot_date", {"p": pid}))
    r = snaps.set_index("snapshot_date")["daily_return"].astype(float).iloc[-90:]
    spy = closes(env, ["SPY"], data["as_of"], 200)["SPY"].pct_change().reindex(r.index)
    rf = daily_risk_free(env.settings.risk_free_rate)
    alpha, beta = empyrical.alpha_beta(r.to_numpy(), spy.to_numpy(), risk_free=rf)
    m = data["metrics"]
    assert m["beta"] == pytest.approx(beta, rel=1e-9)
    assert m["alpha"] == pytest.approx(alpha, rel=1e-9)
    assert m["sortino_ratio"] == pytest.approx(
        empyrical.sortino_ratio(r.to_numpy(), required_return=rf), rel=1e-9)
    assert m["up_capture"] == pytest.approx(
        empyrical.up_capture(r.to_numpy(), spy.to_numpy()), rel=1e-9)
    vol = (r.rolling(20).std() * np.sqrt(252)).dropna()
    rolling = {row["metric_date"]: row for row in data["rolling"]}
    assert len(rolling) == len(vol)
    for day, value in vol.items():
        assert rolling[day.isoformat()]["rolling_volatility"] == pytest.approx(value, rel=1e-9)


def test_new_routes_are_private(env):
    other = env.portfolios["demo_user_2"]
    for path in ("factor-model", "correlations", "concentration", "benchmark",
                 "stress/scenarios"):
        error_of(env.get(f"{RISK}/{path}", params={"portfolio_id": other}), 404)
