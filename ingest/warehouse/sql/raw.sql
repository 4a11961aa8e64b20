-- Raw tables: written by the ingest loaders, read by dbt as sources.
create schema if not exists raw;

-- One row per uploaded CSV row (audit log of every accepted upload).
create table if not exists raw.position_uploads (
    upload_id varchar not null,
    portfolio_id bigint not null,
    row_number integer not null,           -- 1-based data row (header is row 0)
    symbol varchar not null,
    quantity double precision not null,
    entry_price double precision not null,
    entry_date date not null,
    tags varchar,                          -- comma-separated, as uploaded
    uploaded_at timestamp not null default current_timestamp,
    primary key (upload_id, row_number)
);

-- Security master: every symbol held, every option's underlying, every factor ETF.
create table if not exists raw.securities (
    symbol varchar primary key,
    asset_type varchar not null,           -- STOCK | ETF | OPTION
    underlying_symbol varchar not null,    -- itself for stocks and ETFs
    option_type varchar,                   -- C | P (options only)
    strike double precision,
    expiry_date date,
    name varchar,
    sector varchar,
    industry varchar,
    short_interest double precision,       -- fraction of float (0.05 = 5 %)
    reference_source varchar,              -- yfinance | synthetic | NULL when unknown
    reference_error varchar,               -- why enrichment failed (never blocks)
    updated_at timestamp not null default current_timestamp
);

-- Daily bars, adjusted. One row per symbol per XNYS session.
create table if not exists raw.prices_daily (
    symbol varchar not null,
    price_date date not null,
    open double precision,
    high double precision,
    low double precision,
    close double precision not null,
    volume double precision,
    vwap double precision,
    trades bigint,
    source varchar not null,               -- polygon | synthetic
    loaded_at timestamp not null default current_timestamp,
    primary key (symbol, price_date)
);

-- The XNYS sessions of the loaded history, ending at the as-of date of the last load.
-- session_index counts back from the as-of date: 0 = as-of, 1 = the session before, ...
create table if not exists raw.trading_days (
    session_date date primary key,
    session_index integer not null
);

-- Provider response cache (24 h TTL for end-of-day data).
create table if not exists raw.market_data_cache (
    cache_key varchar primary key,
    provider varchar not null,
    symbol varchar not null,
    start_date date,
    end_date date,
    payload varchar,
    fetched_at timestamp not null default current_timestamp,
    expires_at timestamp not null
);

-- Per-symbol outcome of the latest market-data load (unknown symbols, rate limits, ...).
create table if not exists raw.market_data_errors (
    symbol varchar not null,
    provider varchar not null,
    error varchar not null,
    recorded_at timestamp not null default current_timestamp,
    primary key (symbol, provider)
);
