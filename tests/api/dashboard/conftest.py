"""Fixtures of the browser tests: a real server over a built warehouse, headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from api.main import create_app
from tests.api.conftest import KINDS, ApiEnv
from tests.utils.dashboard import launch
from tests.utils.live_server import serve


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module", params=KINDS)
def served(request, api_builds) -> Iterator[tuple[ApiEnv, str]]:
    """The shared built warehouse of each kind, served by uvicorn: (env, base URL)."""
    env = api_builds.get(request.param)
    with serve(create_app(env.settings)) as base_url:
        yield env, base_url
