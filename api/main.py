"""The SigmaSight API: ``create_app()`` builds it; ``app`` is what uvicorn serves.

Building the app opens no database connection: the warehouse is reached through the
``WarehouseDep`` dependency on the first request (when the server starts, the lifespan
creates the schema of an empty warehouse outside production and refuses to start on one
whose schema revision is behind: :func:`ingest.warehouse.migrate.prepare_schema`).
``/healthz``, ``/readyz`` and ``/metrics`` (:mod:`api.routes.health`) sit outside the
prefix; :class:`api.metrics.MetricsMiddleware` times every request.
Routers, one per resource, live under
``api/routes/`` and are mounted at ``/api/v1``. ``/docs`` is Swagger UI served from
the vendored assets in ``api/static/swagger-ui`` (no CDN); ``/`` is the risk dashboard
(static files under ``api/static/dashboard``, a client of ``/api/v1`` only). The read
endpoints over the marts are served through a response cache keyed on the warehouse data version
(:mod:`api.cache`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import API_PREFIX, batches, openapi_doc
from api.cache import ResponseCache, ResponseCacheMiddleware
from api.errors import BodySizeLimitMiddleware, UnexpectedErrorMiddleware, install_error_handlers
from api.http_methods import HeadAsGetMiddleware
from api.input_guard import NulGuardMiddleware
from api.live.hub import EventHub
from api.live.sources import start_live_sources
from api.metrics import MetricsMiddleware
from api.rate_limit import UserRateLimitMiddleware, document_rate_limit
from api.request_id import RequestIdMiddleware
from api.request_state import start_listener, stop_listener
from api.routes import (
    admin,
    auth,
    batch_runs,
    book_risk,
    exports,
    exposures,
    health,
    modeling,
    portfolio,
    positions,
    prices,
    risk,
    scenarios,
    tags,
    ws,
)
from api.schemas.common import Envelope, ok
from api.secret_guard import LoopbackOnlyMiddleware, check_signing_secret
from api.security import LoginRateLimiter
from api.security_headers import SecurityHeadersMiddleware, docs_csp
from ingest.config import Settings, get_settings
from ingest.warehouse import WarehouseBusyError, get_warehouse
from ingest.warehouse.migrate import prepare_schema

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SWAGGER = "/static/swagger-ui"
DASHBOARD_INDEX = STATIC_DIR / "dashboard" / "index.html"  # its assets: /static/dashboard/
DEFAULT_BODY_LIMIT = 1024 * 1024  # JSON bodies

DESCRIPTION = """
Portfolio risk warehouse API. Log in with `POST /api/v1/auth/login`, then send
`Authorization: Bearer <token>` (use **Authorize** above).

Every response except the login is an envelope: `{"success": true, "data": ..., "message":
null}`, or `{"success": false, "error": {"code", "message", "details"}}` with the HTTP
status of the error. You only ever see your own portfolio: another user's portfolio,
position, tag or run id answers 404.

**The demo runs on synthetic prices** (`price_source` / `source` = `synthetic`).
"""


def _settings_of(app: FastAPI) -> Settings:
    given = app.state.settings
    return given if given is not None else get_settings()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = _settings_of(app)
    check_signing_secret(settings)  # refuses to start on the public development secret
    warehouse = get_warehouse(settings)
    try:  # an out-of-date schema refuses to start (SchemaOutOfDateError: `make migrate`)
        prepare_schema(warehouse, create_empty=settings.environment != "production")
    except WarehouseBusyError:
        log.warning("warehouse busy at start-up: schemas not checked")
    # PostgreSQL: LISTEN for data-version bumps, so the cache need not read the versions
    # on every request (api/request_state.py; also started on first use without lifespan)
    start_listener(warehouse)
    live = start_live_sources(app.state.event_hub, warehouse)  # events of /api/v1/ws
    try:
        yield
    finally:
        interrupted = batches.interrupt_in_process_batches()  # marked failed, with why
        if interrupted:
            log.warning("shutdown interrupted batch runs %s", interrupted)
        live.stop()
        stop_listener(warehouse)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; ``settings`` (optional) replaces ``get_settings()`` for its routes."""
    app = FastAPI(
        title="SigmaSight API", version="1.0.0", description=DESCRIPTION,
        docs_url=None, redoc_url=None, openapi_url=f"{API_PREFIX}/openapi.json",
        lifespan=lifespan,
        # no trailing-slash redirects: an empty path parameter (DELETE /tags/) answers 404,
        # never a 307 onto the collection's path and a 405 there
        redirect_slashes=False,
    )
    app.state.settings = settings  # None: get_settings() (api/deps.py: SettingsDep)
    app.state.login_limiter = LoginRateLimiter()
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware, default_limit=DEFAULT_BODY_LIMIT,
        limits={f"{API_PREFIX}/portfolio/upload": portfolio.MAX_UPLOAD_BODY_BYTES},
    )
    app.state.response_cache = ResponseCache()
    app.state.event_hub = EventHub()  # live events of /api/v1/ws (api/live)
    app.add_middleware(ResponseCacheMiddleware, cache=app.state.response_cache,
                       settings=lambda: _settings_of(app))
    # outer -> inner: request id, headers, metrics, loopback guard, 500s, HEAD, NUL,
    # per-user rate limit (counts cached answers too), cache, body limit
    app.add_middleware(UserRateLimitMiddleware, settings=lambda: _settings_of(app))
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(LoopbackOnlyMiddleware, settings=lambda: _settings_of(app))
    app.add_middleware(MetricsMiddleware,  # times cached answers and 500s too
                       templates=lambda: app.openapi()["paths"])
    app.add_middleware(SecurityHeadersMiddleware, settings=lambda: _settings_of(app))
    app.add_middleware(RequestIdMiddleware)  # outermost: X-Request-ID, the access line

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, portfolio, positions, tags, prices, risk, exposures, book_risk,
                   admin, batch_runs, ws, exports, scenarios, modeling):
        api.include_router(module.router)

    @api.get("/health", response_model=Envelope[dict], tags=["health"],
             summary="Liveness (no database access, no auth)",
             responses={200: {"content": {"application/json": {"example": {
                 "success": True, "data": {"status": "ok"}, "message": None}}}}})
    def api_health() -> dict:
        return ok({"status": "ok"})

    app.include_router(api)
    app.include_router(health.router)  # /healthz, /readyz, /metrics: no prefix, no auth
    openapi_doc.install(app)  # the statuses middleware and framework answer, documented
    document_rate_limit(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        """The risk dashboard: static files, a client of /api/v1 only."""
        return FileResponse(DASHBOARD_INDEX, headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "", title="SigmaSight API — docs",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
        )
        page.headers["Content-Security-Policy"] = docs_csp(bytes(page.body).decode())
        return page

    return app


app = create_app()
