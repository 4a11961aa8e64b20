"""The dashboard in Debian's headless Chromium, driven by Playwright (no browser download).

:func:`launch` starts Chromium from its system path; :func:`open_page` opens a fresh
context (empty storage) on the app and records what a careful reviewer looks for:
console errors, uncaught exceptions, failed requests, HTTP error answers and every origin
the page contacted. :meth:`PageLog.assert_clean` fails on any of them (an expected HTTP
error, such as the 422 of a rejected CSV, is named by the test).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Playwright

from tests.utils.browser import FLAGS, OUTPUT_DIR, chromium_path

SCREENSHOTS = OUTPUT_DIR / "dashboard"
PASSWORDS = {"demo_user_1": "demo123", "demo_user_2": "demo123", "demo_admin": "admin123"}


CHARTS = ["chart-equity", "chart-drawdown", "chart-exposures", "chart-greeks", "chart-factors",
          "chart-var-positions", "chart-var-tags", "chart-exposure-groups"]

_CHART_STATE = """(id) => {
  const canvas = document.getElementById(id);
  const chart = Chart.getChart(canvas);
  if (!chart) return null;
  const ctx = canvas.getContext("2d");
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted += 1;
  return {width: canvas.width, height: canvas.height, painted, label: canvas.getAttribute(
    "aria-label"), labels: chart.data.labels,
    datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data}))};
}"""


def chart_state(page: Page, chart_id: str) -> dict:
    """The Chart.js chart on canvas ``chart_id``: its data and how many pixels are painted;
    fails unless it is drawn (a real size, > 1000 painted pixels, an aria-label, data)."""
    state = page.evaluate(_CHART_STATE, chart_id)
    assert state is not None, chart_id
    assert min(state["width"], state["height"]) > 100, chart_id
    assert state["painted"] > 1000, chart_id
    assert state["label"], chart_id
    assert all(len(d["data"]) > 0 for d in state["datasets"]), chart_id
    return state


def launch(playwright: Playwright) -> Browser:
    """Headless Chromium from the system package, loopback only."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                      args=[flag for flag in FLAGS if flag != "--headless"])


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class PageLog:
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[tuple[int, str, str]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def origins(self) -> set[str]:
        return {origin(url) for url in self.urls if not url.startswith(("data:", "blob:"))}

    def assert_clean(self, expected: Iterable[tuple[int, str, str]] = ()) -> None:
        """No console error, no exception, no failed request, no HTTP error answer other
        than ``expected`` ((status, method, path) each), no origin but the app's own."""
        expected = list(expected)
        answers = [(status, method, urlsplit(url).path)
                   for status, method, url in self.error_responses]
        assert sorted(answers) == sorted(expected), answers
        # Chromium reports every HTTP error answer on the console as well: only those
        # of the expected answers may appear there
        unexplained = [text for text in self.console_errors
                       if not (expected and "the server responded with a status of" in text
                               and any(f"status of {s} " in text for s, _, _ in expected))]
        assert unexplained == []
        assert self.page_errors == []
        assert self.failed_requests == []
        assert self.origins() <= {self.base_url, origin(self.base_url).replace("http", "ws")}, \
            self.origins()


def open_page(browser: Browser, base_url: str, *,
              without_websocket: bool = False) -> tuple[Page, PageLog]:
    """A new page on the app; ``without_websocket``: a browser with no ``WebSocket``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if without_websocket:
        context.add_init_script("delete window.WebSocket;")
    page = context.new_page()
    log = PageLog(base_url)
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("requestfailed", lambda r: log.failed_requests.append(f"{r.method} {r.url} "
                                                                   f"{r.failure}"))
    page.on("request", lambda r: log.urls.append(r.url))
    page.on("websocket", lambda ws: log.urls.append(ws.url))
    page.on("response", lambda r: r.status >= 400 and log.error_responses.append(
        (r.status, r.request.method, r.url)))
    page.goto(f"{base_url}/")
    return page, log


def log_in(page: Page, username: str, password: str | None = None,
           refreshes: int = 1) -> None:
    """Log in with the keyboard only (type, Tab, type, Enter) and wait for the panels."""
    page.wait_for_selector("#login-view:not([hidden])")
    page.focus("#login-username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password or PASSWORDS[username])
    page.keyboard.press("Enter")
    wait_for_refresh(page, refreshes)


def wait_for_refresh(page: Page, count: int, timeout_ms: int = 60_000) -> None:
    """Wait until every panel has been loaded ``count`` times since the page opened."""
    page.wait_for_function("(n) => Number(document.body.dataset.refreshes || 0) >= n", arg=count,
                           timeout=timeout_ms)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
