"""The dashboard in headless Chromium over the shared built warehouse of each kind.

Every figure on the page is checked against the public API's JSON (read by the test
through the same API), with formatting recomputed here in Python; chart data against
independent computations (numpy drawdown, pandas sums) and invariants (the drawdown's
minimum is the API's maximum drawdown; component VaR sums to the parametric VaR). Each
test also asserts zero console errors, zero failed requests and no origin but the app's.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from tests.api.conftest import ok_data
from tests.utils.dashboard import (
    CHARTS,
    chart_state,
    log_in,
    open_page,
    screenshot,
    wait_for_refresh,
)


def money(x: float) -> str:
    return ("-" if x < 0 else "") + f"${abs(x):,.0f}"


def pnl(x: float) -> str:
    text = money(x)
    return f"+{text}" if x > 0 and text != "$0" else text


def pct(x: float, digits: int = 2) -> str:
    return f"{x * 100:.{digits}f}%"


FORMATS = {"money": money, "pnl": pnl, "pct": pct}


def api(env, path: str, user: str = "demo_user_1", **params):
    return ok_data(env.get(path, user, params=params))


@pytest.fixture(scope="module")
def dashboard(browser, served):
    """One logged-in page per kind for the read-only checks (demo_user_1)."""
    env, base_url = served
    page, log = open_page(browser, base_url)
    log_in(page, "demo_user_1")
    yield env, page, log
    page.context.close()


def test_overview_equals_the_api(dashboard):
    env, page, log = dashboard
    summary = api(env, "/api/v1/portfolio")
    kpis = page.eval_on_selector_all("#kpis [data-kpi]", """nodes => nodes.map(n => ({
        key: n.dataset.kpi, value: n.dataset.value, format: n.dataset.format,
        text: n.textContent}))""")
    assert {k["key"] for k in kpis} == {
        "portfolio_value", "equity", "daily_pnl", "daily_return", "mtd_pnl", "ytd_pnl",
        "long_exposure", "short_exposure", "gross_exposure", "net_exposure", "market_value"}
    for kpi in kpis:
        expected = summary[kpi["key"]]
        assert float(kpi["value"]) == expected, kpi  # the exact double the API sent
        assert kpi["text"] == FORMATS[kpi["format"]](expected), kpi
    counts = dict(page.eval_on_selector_all(
        "#counts [data-count]", "ns => ns.map(n => [n.dataset.count, n.textContent])"))
    assert counts == {key: str(summary["counts"][key]) for key in counts}
    assert len(counts) == 8
    assert page.text_content("#as-of") == summary["as_of"]
    assert page.text_content("#price-source") == ", ".join(summary["price_sources"]) == \
        "synthetic"
    assert page.text_content("#user-name") == "demo_user_1"
    assert page.is_visible("#status-bar")
    screenshot(page, f"overview-{env.settings.warehouse_kind}")
    log.assert_clean()


def test_every_chart_is_drawn_from_the_api_numbers(dashboard):
    env, page, log = dashboard
    charts = {chart_id: chart_state(page, chart_id) for chart_id in CHARTS}

    snapshots = api(env, "/api/v1/portfolio/snapshots")["snapshots"]
    dates = [s["snapshot_date"] for s in snapshots]
    value = np.array([s["portfolio_value"] for s in snapshots])
    equity_chart = charts["chart-equity"]
    assert equity_chart["labels"] == dates
    assert equity_chart["datasets"][0]["data"] == value.tolist()

    # drawdown: V_t / running max − 1, the peak starting from V_0 = V before day 1
    path = np.concatenate([[snapshots[0]["previous_portfolio_value"]], value])
    expected_dd = (path / np.maximum.accumulate(path) - 1)[1:]
    drawn_dd = np.array(charts["chart-drawdown"]["datasets"][0]["data"])
    np.testing.assert_allclose(drawn_dd, expected_dd, rtol=0, atol=1e-15)
    metrics = api(env, "/api/v1/risk/metrics")
    assert drawn_dd.min() == pytest.approx(metrics["metrics"]["max_drawdown"], abs=1e-12)

    exposures = {d["label"]: d["data"] for d in charts["chart-exposures"]["datasets"]}
    for label, key in [("Long", "long_exposure"), ("Short (≤ 0)", "short_exposure"),
                       ("Gross", "gross_exposure"), ("Net", "net_exposure")]:
        assert exposures[label] == [s[key] for s in snapshots], label
    np.testing.assert_allclose(np.array(exposures["Gross"]),
                               np.array(exposures["Long"]) - np.array(exposures["Short (≤ 0)"]),
                               rtol=1e-12)

    greeks = api(env, "/api/v1/risk/greeks")
    by_underlying: dict[str, float] = defaultdict(float)
    for row in greeks["positions"]:
        by_underlying[row["underlying_symbol"]] += row["dollar_delta"]
    drawn = dict(zip(charts["chart-greeks"]["labels"],
                     charts["chart-greeks"]["datasets"][0]["data"], strict=True))
    assert drawn.keys() == by_underlying.keys()
    for underlying, total in by_underlying.items():
        assert drawn[underlying] == pytest.approx(total, rel=1e-12, abs=1e-9)
    assert sum(drawn.values()) == pytest.approx(greeks["totals"]["dollar_delta"], rel=1e-9)

    factors = api(env, "/api/v1/risk/factors")["factors"]
    assert charts["chart-factors"]["datasets"][0]["data"] == [f["exposure"] for f in factors]
    assert len(factors) == 8

    var_positions = charts["chart-var-positions"]["datasets"][0]["data"]
    assert len(var_positions) == len(metrics["var_components_positions"])
    assert sum(var_positions) == pytest.approx(metrics["metrics"]["parametric_var_95"],
                                               rel=1e-9)
    tags_drawn = dict(zip(charts["chart-var-tags"]["labels"],
                          charts["chart-var-tags"]["datasets"][0]["data"], strict=True))
    assert tags_drawn == {r["tag_name"]: r["component_var"]
                          for r in metrics["var_components_tags"]}
    log.assert_clean()


def test_risk_metrics_show_their_values_and_conventions(dashboard):
    env, page, log = dashboard
    report = api(env, "/api/v1/risk/metrics")
    metrics = page.eval_on_selector_all("#metrics [data-metric]", """ns => ns.map(n => ({
        key: n.dataset.metric, value: n.dataset.value, text: n.textContent,
        convention: n.nextElementSibling.textContent}))""")
    assert len(metrics) == 10
    for item in metrics:
        expected = report["metrics"][item["key"]]
        assert float(item["value"]) == expected, item
        assert item["convention"] in report["conventions"].values(), item
    shown = {m["key"]: m["text"] for m in metrics}
    m = report["metrics"]
    assert shown["var_95"] == f"{m['var_95'] * 1e4:,.1f} bp"
    assert shown["parametric_var_95"] == money(m["parametric_var_95"])
    assert shown["max_drawdown"] == pct(m["max_drawdown"])
    assert shown["volatility"] == pct(m["volatility"])
    conventions = page.eval_on_selector_all("#metrics-conventions dd", "ns => ns.length")
    assert conventions == len(report["conventions"])
    log.assert_clean()


def _positions_shown(page, query_part: str) -> list[str]:
    page.wait_for_selector(f"#positions-table[data-query*='{query_part}']")
    return page.eval_on_selector_all("#positions-table tbody tr",
                                     "rows => rows.map(r => r.dataset.symbol)")


def test_positions_filters_and_grouping_match_the_api(dashboard):
    env, page, log = dashboard
    everything = api(env, "/api/v1/positions", limit=500)
    assert _positions_shown(page, "offset=0") == [p["symbol"] for p in everything["items"]]

    page.check("#filter-tags input[value='tech']")
    expected = api(env, "/api/v1/positions", tags="tech", limit=100)
    assert _positions_shown(page, "tags=tech&") == [p["symbol"] for p in expected["items"]]
    assert 0 < expected["total"] < everything["total"]

    page.check("#filter-tags input[value='core']")
    page.check("input[name=tagMode][value=all]")
    expected = api(env, "/api/v1/positions", tags="tech,core", tagMode="all", limit=100)
    shown = _positions_shown(page, "tagMode=all")
    assert shown == [p["symbol"] for p in expected["items"]]
    for symbol in shown:  # every row carries both tags (chips on the page)
        chips = page.eval_on_selector_all(f"#positions-table tr[data-symbol='{symbol}'] .chip",
                                          "ns => ns.map(n => n.textContent)")
        assert {"tech", "core"} <= set(chips)

    page.uncheck("#filter-tags input[value='tech']")
    page.uncheck("#filter-tags input[value='core']")
    page.check("input[name=tagMode][value=any]")
    page.check("#filter-types input[value='SHORT']")
    expected = api(env, "/api/v1/positions", type="SHORT", limit=100)
    shown = _positions_shown(page, "type=SHORT&")
    assert shown == [p["symbol"] for p in expected["items"]]
    types = page.eval_on_selector_all("#positions-table tbody td[data-col='type']",
                                      "ns => ns.map(n => n.textContent)")
    assert set(types) == {"SHORT"}  # the side is written out, not only coloured

    page.select_option("#group-by", "tag")
    expected = api(env, "/api/v1/positions", type="SHORT", groupBy="tag", limit=100)
    _positions_shown(page, "groupBy=tag")
    groups = page.eval_on_selector_all("#groups-table tbody tr", """rows => rows.map(r => [
        r.dataset.group, r.children[1].textContent, r.children[3].textContent])""")
    assert groups == [[g["key"] or "", str(g["count"]), money(g["exposure"])]
                      for g in expected["groups"]]
    page.uncheck("#filter-types input[value='SHORT']")
    page.select_option("#group-by", "")
    _positions_shown(page, "groupBy=&")
    log.assert_clean()


def test_tags_are_edited_from_the_table(dashboard):
    env, page, log = dashboard
    target = api(env, "/api/v1/positions", limit=1)["items"][0]
    before = [t["id"] for t in target["tags"]]
    row = f"#positions-table tr[data-position-id='{target['position_id']}']"
    name = f"browser-{env.settings.warehouse_kind}"
    page.click(f"{row} button")
    page.fill("#new-tag-name", name)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{row} .chip:text-is('{name}')")
    tags = api(env, f"/api/v1/positions/{target['position_id']}/tags")["tags"]
    created = next(t for t in tags if t["name"] == name)
    assert sorted(t["id"] for t in tags) == sorted([*before, created["id"]])

    page.click(f"{row} button")  # and off again, by unticking it
    page.uncheck(f"dialog input[value='{created['id']}']")
    page.click("dialog button[type=submit]")
    page.wait_for_selector(f"{row} .chip:text-is('{name}')", state="detached")
    tags = api(env, f"/api/v1/positions/{target['position_id']}/tags")["tags"]
    assert sorted(t["id"] for t in tags) == sorted(before)
    assert env.client.delete(f"/api/v1/tags/{created['id']}",
                             headers=env.headers("demo_user_1")).status_code == 200
    log.assert_clean()


@pytest.mark.parametrize("view", ["longs", "shorts", "portfolio"])
def test_greeks_by_view(dashboard, view):
    env, page, log = dashboard
    page.select_option("#greeks-view", view)
    page.wait_for_selector(f"#greeks-table[data-view='{view}']")
    report = api(env, "/api/v1/risk/greeks", view=view)
    totals = dict(page.eval_on_selector_all(
        "#greeks-totals [data-greek]", "ns => ns.map(n => [n.dataset.greek, n.dataset.value])"))
    assert {key: float(value) for key, value in totals.items()} == report["totals"]
    rows = page.eval_on_selector_all("#greeks-table tbody tr",
                                     "rows => rows.map(r => Number(r.dataset.positionId))")
    assert rows == [p["position_id"] for p in report["positions"]]
    quantities = [p["quantity"] for p in report["positions"]]
    if view == "longs":
        assert min(quantities) > 0
    if view == "shorts":
        assert max(quantities) < 0
    log.assert_clean()


def test_factor_betas_with_their_statistics(dashboard):
    env, page, log = dashboard
    report = api(env, "/api/v1/risk/factors")
    page.select_option("#beta-factor", "MTUM")
    rows = page.eval_on_selector_all("#betas-table tbody tr", """rows => rows.map(r =>
        [Number(r.dataset.positionId), ...[...r.children].slice(1, 6).map(c => c.textContent)])""")
    expected = [p for p in report["positions"] if p["factor"] == "MTUM"]
    assert len(rows) == len(expected) > 0

    def num(x, digits):
        return "—" if x is None else f"{x:,.{digits}f}"

    assert rows == [[p["position_id"], num(p["beta"], 3), num(p["std_error"], 3),
                     num(p["t_stat"], 2), num(p["r_squared"], 3),
                     "—" if p["n_obs"] is None else str(p["n_obs"])] for p in expected]
    log.assert_clean()


def test_keyboard_and_labels(dashboard):
    env, page, log = dashboard
    # (a live update may re-render a panel meanwhile: only nodes still in the page count)
    unlabeled = page.eval_on_selector_all("input, select", """nodes => nodes.filter(n =>
        n.isConnected && !(n.labels && n.labels.length) && !n.getAttribute('aria-label'))
        .map(n => n.outerHTML)""")
    assert unlabeled == []
    tables = page.eval_on_selector_all("table", "ts => ts.filter(t => !t.caption).length")
    assert tables == 0
    canvases = page.eval_on_selector_all("canvas", """cs => cs.filter(c =>
        c.getAttribute('role') !== 'img' || !c.getAttribute('aria-label')).length""")
    assert canvases == 0
    # keyboard only: Tab reaches the skip link first, Enter moves focus to the content,
    # the next Tabs walk the section links, Enter follows one
    page.reload()  # the session survives a reload (sessionStorage); focus starts at the top
    wait_for_refresh(page, 1)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    links = []
    for _ in range(8):
        page.keyboard.press("Tab")
        links.append(page.evaluate("() => document.activeElement.getAttribute('href')"))
    assert links == ["#overview", "#history", "#positions", "#greeks", "#factors", "#risk",
                     "#depth", "#upload"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#upload"
    log.assert_clean()


def test_formatting_in_the_browser(dashboard):
    env, page, log = dashboard
    shown = page.evaluate("""async () => {
        const f = await import('/static/dashboard/js/format.js');
        return [f.money(1234567.8), f.money(-5.2), f.money(null), f.pnl(1234.4), f.pnl(-1234.6),
                f.pnl(0), f.pct(0.012345), f.pct(-0.1, 1), f.bp(0.0123), f.num(1234.567, 2),
                f.money(12.345, true), f.side(-3), f.side(2), f.side(0)];
    }""")
    assert shown == ["$1,234,568", "-$5", "—", "+$1,234", "-$1,235", "$0", "1.23%", "-10.0%",
                     "123.0 bp", "1,234.57", "$12.35", "short", "long", "flat"]
    log.assert_clean()


@pytest.mark.parametrize("by", ["tag", "asset_type", "sector"])
def test_exposures_by_group_match_the_api(dashboard, by):
    env, page, log = dashboard
    page.select_option("#exposure-by", by)
    page.wait_for_selector(f"#exposures-table[data-by='{by}']")
    report = api(env, "/api/v1/risk/exposures", by=by)
    rows = page.eval_on_selector_all("#exposures-table tbody tr", """rows => rows.map(r =>
        [r.dataset.group, r.children[4].textContent])""")
    assert rows == [[g["group_name"], money(g["net_exposure"])] for g in report["groups"]]
    drawn = chart_state(page, "chart-exposure-groups")["datasets"][0]["data"]
    assert drawn == [g["net_exposure"] for g in report["groups"]]
    if by != "tag":  # sectors and asset types partition the book: they sum to its net
        net = api(env, "/api/v1/portfolio")["net_exposure"]
        assert sum(drawn) == pytest.approx(net, rel=1e-9)
    log.assert_clean()


def test_stress_test_from_the_page(dashboard):
    env, page, log = dashboard
    page.fill("#stress-shocks input[name=SPY]", "-10")
    page.fill("#stress-shocks input[name=VUG]", "-5")
    page.fill("#stress-vol", "10")
    page.click("#stress-form button[type=submit]")
    page.wait_for_selector("#stress-total[data-value]")
    expected = ok_data(env.client.post(
        "/api/v1/risk/stress", headers=env.headers("demo_user_1"),
        json={"shocks": {"SPY": -0.10, "VUG": -0.05}, "vol_shift": 0.10}))
    assert float(page.get_attribute("#stress-total", "data-value")) == pytest.approx(
        expected["total"]["pnl"], rel=1e-12)
    assert pnl(expected["total"]["pnl"]) in page.text_content("#stress-total")
    sectors = chart_state(page, "chart-stress-sectors")["datasets"][0]["data"]
    assert sum(sectors) == pytest.approx(expected["total"]["pnl"], rel=1e-9)  # a partition
    moves = dict(page.eval_on_selector_all("#stress-moves tbody tr", """rows => rows.map(r =>
        [r.dataset.factor, r.children[2].textContent])"""))
    assert moves["SPY"] == moves["VUG"] == "shocked"
    assert {f for f, given in moves.items() if given == "implied"} == {
        "MTUM", "VTV", "QUAL", "IWM", "SPLV"}
    log.assert_clean()


def test_another_user_sees_only_their_own_book(browser, served):
    env, base_url = served
    page, log = open_page(browser, base_url)
    log_in(page, "demo_user_2")
    summary = api(env, "/api/v1/portfolio", user="demo_user_2")
    value = page.get_attribute("#kpis [data-kpi='portfolio_value']", "data-value")
    assert float(value) == summary["portfolio_value"]
    symbols = set(page.eval_on_selector_all("#positions-table tbody tr",
                                            "rows => rows.map(r => r.dataset.symbol)"))
    assert symbols == {p["symbol"] for p in api(env, "/api/v1/positions",
                                                 user="demo_user_2", limit=500)["items"]}
    mine = {p["symbol"] for p in api(env, "/api/v1/positions", limit=500)["items"]}
    assert symbols != mine
    screenshot(page, f"overview-demo_user_2-{env.settings.warehouse_kind}")
    log.assert_clean()
    page.context.close()
