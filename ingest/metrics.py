"""Prometheus metrics of the ingest layer: market-data requests and their outcomes.

``sigmasight_market_data_requests_total{provider, outcome}`` counts every HTTP request
to a market-data provider, ``outcome`` = ``ok`` | ``rate_limited`` (HTTP 429) | ``error``
(any other failure: timeout, 5xx, 4xx). The metrics live in the process that makes the
requests (the API's in-process batch, or the Prefect worker); in a multi-process server
they are aggregated through ``PROMETHEUS_MULTIPROC_DIR`` (see :mod:`api.metrics`).
"""

from __future__ import annotations

from prometheus_client import Counter

MARKET_DATA_REQUESTS = Counter(
    "sigmasight_market_data_requests_total",
    "HTTP requests to market-data providers, by outcome (ok, rate_limited = HTTP 429, error)",
    ["provider", "outcome"],
)


def count_market_data_request(provider: str, status_code: int | None) -> None:
    """Count one request; ``status_code`` None = no HTTP answer (timeout, connection)."""
    outcome = ("ok" if status_code == 200 else
               "rate_limited" if status_code == 429 else "error")
    MARKET_DATA_REQUESTS.labels(provider=provider, outcome=outcome).inc()
