"""GET /risk/greeks, /risk/factors, /risk/metrics: every number recomputable from the API.

The checks use only what the API returns (plus mibian as the Greeks reference): the
per-position inputs reproduce the Greeks, the per-position dollar exposures reproduce
the portfolio factor exposures, and the component VaRs add up to the total.
"""

from __future__ import annotations

import math

import mibian
import pytest

from tests.api.conftest import error_of, ok_data


def test_greeks_recomputable_from_inputs(env):
    data = ok_data(env.get("/api/v1/risk/greeks"))
    assert data["view"] == "portfolio"
    assert "theta" in data["conventions"]["contract_greeks"]
    rows = data["positions"]
    assert data["totals"]["n_positions"] == len(rows) > 0
    options = [r for r in rows if r["greeks_source"] == "black_scholes"]
    assert options
    for row in options:
        ref = mibian.BS([row["spot"], row["strike"], row["rate"] * 100, row["days_to_expiry"]],
                        volatility=row["volatility"] * 100)
        side = "call" if row["position_type"] in ("LC", "SC") else "put"
        assert row["t_years"] == pytest.approx(row["days_to_expiry"] / 365, rel=1e-12)
        assert row["contract_delta"] == pytest.approx(getattr(ref, f"{side}Delta"), rel=1e-6)
        assert row["contract_theta"] == pytest.approx(getattr(ref, f"{side}Theta"), rel=1e-6)
        assert row["contract_vega"] == pytest.approx(ref.vega, rel=1e-6)
        assert row["contract_gamma"] == pytest.approx(ref.gamma, rel=1e-6)
        assert row["contract_rho"] == pytest.approx(getattr(ref, f"{side}Rho"), rel=1e-6)
        q, m = row["quantity"], row["multiplier"]
        assert row["delta"] == pytest.approx(row["contract_delta"] * q * m, rel=1e-12)
        assert row["dollar_delta"] == pytest.approx(row["delta"] * row["spot"], rel=1e-12)
    for row in rows:
        if row["greeks_source"] == "stock":
            assert row["delta"] == row["quantity"]
            assert row["gamma"] == 0
    for name in ("delta", "dollar_delta", "theta", "vega"):
        assert data["totals"][name] == pytest.approx(sum(r[name] for r in rows), rel=1e-9)


def test_greeks_views_partition_the_book(env):
    book = ok_data(env.get("/api/v1/risk/greeks", params={"view": "portfolio"}))
    longs = ok_data(env.get("/api/v1/risk/greeks", params={"view": "longs"}))
    shorts = ok_data(env.get("/api/v1/risk/greeks", params={"view": "shorts"}))
    assert all(r["quantity"] > 0 for r in longs["positions"])
    assert all(r["quantity"] < 0 for r in shorts["positions"])
    assert longs["totals"]["n_positions"] + shorts["totals"]["n_positions"] == \
        book["totals"]["n_positions"]
    assert longs["totals"]["dollar_delta"] + shorts["totals"]["dollar_delta"] == \
        pytest.approx(book["totals"]["dollar_delta"], rel=1e-9)
    error_of(env.get("/api/v1/risk/greeks", params={"view": "nope"}), 422)


def test_factor_exposures_recomputable(env):
    data = ok_data(env.get("/api/v1/risk/factors"))
    factors = {f["factor"]: f for f in data["factors"]}
    assert set(factors) == {"SPY", "MTUM", "VTV", "VUG", "QUAL", "IWM", "SPLV",
                            "short_interest"}
    assert data["window_returns"] == 60
    assert data["min_obs"] == 20
    for name, factor in factors.items():
        mine = [p for p in data["positions"] if p["factor"] == name]
        dollars = [p["delta_adjusted_exposure"] * p["beta"] for p in mine
                   if p["beta"] is not None and p["delta_adjusted_exposure"] is not None]
        assert factor["n_positions"] == len(mine)
        assert factor["n_positions_excluded"] == len(mine) - len(dollars)
        if dollars:
            assert factor["dollar_exposure"] == pytest.approx(sum(dollars), rel=1e-9)
            assert factor["exposure"] == pytest.approx(sum(dollars) / factor["equity"],
                                                       rel=1e-9)
    for p in data["positions"]:
        if p["factor"] != "short_interest" and p["beta"] is not None:
            assert p["quality_flag"] == "ok"
            assert p["n_obs"] >= 20
            assert p["std_error"] > 0


def test_metrics_and_component_var(env):
    data = ok_data(env.get("/api/v1/risk/metrics"))
    metrics = data["metrics"]
    assert metrics["confidence"] == 0.95
    assert metrics["horizon_days"] == 1
    assert metrics["var_z"] == 1.645
    assert 0 < metrics["n_returns"] <= 90
    assert "positive" in data["conventions"]["historical_var"].lower()
    total = metrics["parametric_var_95"]
    assert total == pytest.approx(1.645 * metrics["parametric_sigma"], rel=1e-12)
    components = [c["component_var"] for c in data["var_components_positions"]
                  if c["component_var"] is not None]
    assert math.fsum(components) == pytest.approx(total, abs=1e-9)
    tags = {t["tag_name"] for t in data["var_components_tags"]}
    assert tags


def test_risk_of_another_users_portfolio_is_404(env):
    other = env.portfolios["demo_user_2"]
    for path in ("greeks", "factors", "metrics"):
        error_of(env.get(f"/api/v1/risk/{path}", "demo_user_1",
                         params={"portfolio_id": other}), 404)
