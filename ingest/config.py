"""Runtime settings: one pydantic-settings class, handed out by a cached getter.

Every value can be set from the environment with the ``SIGMASIGHT_`` prefix
(e.g. ``SIGMASIGHT_DATABASE_URL``) or from a ``.env`` file at the repository root.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse as parse_rate_limit
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from python_models.liquidity import DEFAULT_PARTICIPATION

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_JWT_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside development
# (the API's start-up check: api/secret_guard.py)


class Settings(BaseSettings):
    """SigmaSight configuration.

    ``database_url`` selects the warehouse: ``duckdb:///path/to/file.duckdb`` (the
    embedded default, relative paths are taken from the repository root) or
    ``postgresql://user:password@host:port/dbname``.
    """

    model_config = SettingsConfigDict(
        env_prefix="SIGMASIGHT_", env_file=REPO_ROOT / ".env", extra="ignore",
        env_ignore_empty=True,
    )

    environment: Literal["development", "test", "production"] | None = Field(
        None, description="unset = not development: the API refuses the development JWT "
                          "secret unless this is explicitly development (or test)")
    data_dir: Path = REPO_ROOT / "data"
    database_url: str = ""
    jwt_secret: str = DEV_JWT_SECRET
    jwt_expiry_hours: int = 24
    forwarded_allow_ips: str = Field(
        "", description="comma-separated proxy addresses (IPs or networks) whose "
                        "X-Forwarded-For/-Proto are trusted; empty = none (api/server.py)")
    polygon_api_key: str = ""
    polygon_base_url: str = "https://api.polygon.io"
    polygon_requests_per_minute: float = 5.0
    polygon_timeout_seconds: float = 10.0
    polygon_max_retries: int = 5
    polygon_grouped_daily: bool = Field(
        True, description="use Polygon's grouped daily bars (one request per session for "
                          "every stock) when that takes fewer requests than per symbol")
    yfinance_enabled: bool = True
    risk_free_rate: float = Field(0.045, description="annual, continuously compounded, decimal")
    liquidity_participation_rate: float = Field(
        DEFAULT_PARTICIPATION, gt=0, le=1,
        description="share of a symbol's 20-day average daily volume traded per day "
                    "(days to liquidate)")
    as_of_date: dt.date | None = None
    snapshot_days: int = 90
    flow_retry_delay_seconds: float = 60.0
    duckdb_lock_timeout_seconds: float = 30.0
    duckdb_idle_release_seconds: float = 2.0
    modeling_session_ttl_hours: float = Field(24.0, gt=0, description="idle TTL of a "
                                              "what-if session")
    api_workers: int = Field(4, ge=1, description="worker processes of `make serve`")
    admin_username: str = Field("", description="admin created by `make serve` when missing")
    admin_password: SecretStr | None = Field(None, description="that admin's password")
    rate_limit: str = Field("1200/minute", description="requests per user of every "
                            "authenticated API route (limits notation, e.g. 60/minute)")
    rate_limit_storage_uri: str = Field("memory://", description="counters of the rate "
                                        "limit: memory:// (per process) or redis://host")
    log_format: Literal["auto", "text", "json"] = Field(
        "auto", description="server logs: json lines, text, or auto (json in production)")
    log_level: str = Field("INFO", description="level of the server logs")
    ready_max_batch_age_hours: float | None = Field(
        None, gt=0, description="/readyz fails when the last completed batch is older "
                                "(unset: the age is reported only)")
    fix_sender_comp_id: str = Field("SIGMASIGHT", min_length=1, description="FIX exports: 49")
    fix_target_comp_id: str = Field("BROKER", min_length=1, description="FIX exports: 56")
    batch_queue_limit: int = Field(8, ge=1, description="batch runs that may wait in the "
                                   "queue; more are refused with 429 (a portfolio's newer "
                                   "upload replaces its queued backfill instead)")
    risk_shard_portfolios: int = Field(
        500, ge=1, description="portfolios per shard of the risk step: each shard is read, "
                               "computed and written on its own, so peak memory follows "
                               "this, not the number of portfolios")
    risk_shards_in_flight: int = Field(
        2, ge=1, description="shards computing at once (threads of the in-process task "
                             "runner; shards submitted ahead to a Dask cluster)")
    csv_max_problems: int = Field(200, ge=1, le=10_000, description="problems a refused "
                                  "upload lists (its 422 body counts them all)")
    dbt_target: Literal["duckdb", "postgres", "spark"] | None = Field(
        None, description="where dbt builds: unset = in the warehouse itself; spark = on a "
                          "Spark cluster over parquet copies of the sources, the results "
                          "published back to the warehouse (ingest/warehouse/parquet_bridge.py)")
    spark_master: str = Field("local[2]", description="Spark master of the spark target: "
                              "local[N] (in-process) or spark://host:7077 (`make cluster`)")
    spark_driver_host: str = Field("127.0.0.1", description="address of this process (the "
                                   "Spark driver) that the executors connect back to")
    spark_dir: Path | None = Field(
        None, description="exported sources, Spark tables and metastore of the spark target "
                          "(unset: <data_dir>/spark); a path every Spark worker reads and writes")
    dask_address: str | None = Field(
        None, description="Dask scheduler of the risk step's fan-out (tcp://host:8786): the "
                          "Prefect flows run its shards there (prefect-dask); unset = "
                          "in-process threads")

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        parse_rate_limit(value)  # ValueError names the bad string
        return value

    @model_validator(mode="after")
    def _defaults_and_guards(self) -> Settings:
        if not self.database_url:
            self.database_url = f"duckdb:///{self.data_dir / 'warehouse.duckdb'}"
        if self.environment == "production" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("SIGMASIGHT_JWT_SECRET must be set to a secret of your own in "
                             "production (the development secret is public: anyone could "
                             "forge tokens)")
        return self

    @property
    def warehouse_kind(self) -> Literal["duckdb", "postgres"]:
        return "duckdb" if self.database_url.startswith("duckdb") else "postgres"

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file of a ``duckdb:///`` URL (relative to the repository root)."""
        path = Path(self.database_url.removeprefix("duckdb:///"))
        return path if path.is_absolute() else REPO_ROOT / path

    @property
    def spark_root(self) -> Path:
        """Absolute directory of the spark target's files (``spark_dir`` or under data)."""
        return (self.spark_dir or self.data_dir / "spark").resolve()

    @property
    def market_data_provider(self) -> Literal["polygon", "synthetic"]:
        return "polygon" if self.polygon_api_key else "synthetic"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests call ``get_settings.cache_clear()``)."""
    return Settings()
