"""Uploading from the page, on an empty warehouse of each kind (users seeded, no books),
as ``demo_admin`` (the one demo user seeded without a portfolio).

A bad CSV is rejected with its problems listed by row and column and nothing written;
a good one is accepted, its batch run is followed to 100 % and the figures appear —
then a second upload (same book, equity set) changes them — without a page reload.
"""

from __future__ import annotations

import pytest

from api.main import create_app
from tests.api.conftest import login, ok_data
from tests.utils.dashboard import (
    CHARTS,
    chart_state,
    log_in,
    open_page,
    screenshot,
)
from tests.utils.live_server import serve

UPLOAD = "/api/v1/portfolio/upload"
USER = "demo_admin"
BAD_CSV = (b"ticker,quantity,entry_price,entry_date,tags\n"
           b"AAPL,ten,190.5,2026-09-01,tech\n"        # data row 1: quantity not a number
           b"MSFT,100,-5,2026-09-01,tech\n"           # row 2: negative price
           b"NVDA,50,120,2026-13-45,tech\n")          # row 3: no such date
BAD_PROBLEMS = [("1", "quantity"), ("2", "entry_price"), ("3", "entry_date")]  # header = row 0
GOOD_CSV = (b"ticker,quantity,entry_price,entry_date,tags\n"
            b"AAPL,300,210.5,2026-06-01,\"tech,core\"\n"
            b"MSFT,-120,410.25,2026-07-15,tech\n"
            b"KO,900,61.1,2026-05-04,core\n"
            b"XOM,-400,112.3,2026-08-03,energy\n"
            b"AAPL270115C00250000,5,14.2,2026-09-02,options\n"
            b"MSFT270115P00380000,-4,18.9,2026-09-02,options\n")
GOOD_SYMBOLS = ["AAPL", "AAPL270115C00250000", "KO", "MSFT", "MSFT270115P00380000", "XOM"]


def _upload(page, data: bytes, equity: str = "") -> None:
    page.set_input_files("#upload-file", files=[{"name": "book.csv", "mimeType": "text/csv",
                                                 "buffer": data}])
    page.fill("#upload-equity", equity)
    page.click("#upload-form button[type=submit]")


def _follow_progress(page) -> None:
    """Record every percentage the progress bar shows until it reaches 100."""
    page.evaluate("""() => {
        window.seenProgress = [];
        const bar = document.getElementById('upload-progress');
        new MutationObserver(() => window.seenProgress.push(Number(bar.value)))
            .observe(bar, {attributes: true});
    }""")


def _kpi_values(page) -> dict[str, float]:
    return {key: float(value) for key, value in page.eval_on_selector_all(
        "#kpis [data-kpi]", "ns => ns.map(n => [n.dataset.kpi, n.dataset.value])")}


def _wait_for_figures(page, summary: dict, timeout_ms: int = 120_000) -> None:
    """Wait until every overview figure on the page is the API's ``summary`` value."""
    keys = page.eval_on_selector_all("#kpis [data-kpi]", "ns => ns.map(n => n.dataset.kpi)")
    page.wait_for_function("""(expected) => Object.entries(expected).every(([key, value]) =>
        Number(document.querySelector(`#kpis [data-kpi=${key}]`).dataset.value) === value)""",
                           arg={key: summary[key] for key in keys}, timeout=timeout_ms)


def _polled_runs(log) -> list[str]:
    return [url for url in log.urls if "/api/v1/batch-runs/" in url]


@pytest.mark.slow
def test_upload_from_the_page(fresh_env, browser):
    """Page A (WebSocket) uploads a bad then a good book; page B (no WebSocket: polling)
    uploads the same book with its equity set, and page A follows without a reload."""
    env = fresh_env
    with serve(create_app(env.settings)) as base_url:
        page, log = open_page(browser, base_url)
        log_in(page, USER)
        page.wait_for_selector("body[data-live=live]")
        assert page.is_visible("#no-book")
        assert not page.is_visible("#overview")
        page.evaluate("() => { window.notReloaded = true; }")

        _upload(page, BAD_CSV)
        page.wait_for_selector("#upload-errors:not([hidden])")
        problems = page.eval_on_selector_all("#upload-error-table tbody tr", """rows =>
            rows.map(r => [r.children[0].textContent, r.children[1].textContent,
                           r.children[2].textContent])""")
        assert [(row, column) for row, column, _ in problems] == BAD_PROBLEMS
        assert all(message for _, _, message in problems)
        assert page.text_content("#upload-error-message").startswith("Rejected (422): 3 problem")
        screenshot(page, f"upload-rejected-{env.settings.warehouse_kind}")
        assert login(env.client, USER).json()["portfolio_id"] is None  # nothing written

        _follow_progress(page)
        _upload(page, GOOD_CSV)
        page.wait_for_selector("#upload-progress-box[data-status=completed]", timeout=300_000)
        summary = ok_data(env.get("/api/v1/portfolio", USER))
        _wait_for_figures(page, summary)
        seen = page.evaluate("() => window.seenProgress")
        assert seen[-1] == 100
        assert seen == sorted(seen)
        assert len(seen) > 2  # intermediate progress was shown, not only the end
        assert page.text_content("#upload-percent") == "100 %"
        page.wait_for_selector("#upload-status:has-text('Figures updated')")
        assert page.is_hidden("#upload-errors")
        assert _polled_runs(log) == []  # the progress came over the WebSocket
        assert page.text_content("#as-of") == summary["as_of"]
        assert page.text_content("#price-source") == "synthetic"
        shown = page.eval_on_selector_all("#positions-table tbody tr",
                                          "rows => rows.map(r => r.dataset.symbol)")
        assert shown == GOOD_SYMBOLS
        for chart_id in CHARTS:
            chart_state(page, chart_id)
        screenshot(page, f"upload-completed-{env.settings.warehouse_kind}")

        # page B has no WebSocket: it follows its run by polling GET /batch-runs/{id}
        other, other_log = open_page(browser, base_url, without_websocket=True)
        log_in(other, USER)
        assert other.get_attribute("body", "data-live") == "unavailable"
        _follow_progress(other)
        _upload(other, GOOD_CSV, equity="1000000")
        other.wait_for_selector("#upload-progress-box[data-status=completed]",
                                timeout=300_000)
        updated = ok_data(env.get("/api/v1/portfolio", USER))
        assert updated["equity"] == 1_000_000
        _wait_for_figures(other, updated)
        assert other.evaluate("() => window.seenProgress")[-1] == 100
        assert _polled_runs(other_log)

        # page A was told over the WebSocket and shows the new figures, with no reload
        _wait_for_figures(page, updated)
        assert page.get_attribute("#kpis [data-kpi=equity]", "data-value") == "1000000"
        assert page.evaluate("() => window.notReloaded === true")
        assert page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
        assert _polled_runs(log) == []
        screenshot(page, f"upload-pushed-{env.settings.warehouse_kind}")
        log.assert_clean(expected=[(422, "POST", UPLOAD)])
        other_log.assert_clean()
        page.context.close()
        other.context.close()
