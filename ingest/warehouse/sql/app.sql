-- App-owned tables: written by the API and the flows, read by dbt as sources.
-- Portable DDL (DuckDB and PostgreSQL). No foreign keys: DuckDB restricts updates of
-- referenced rows; referential integrity is kept by the writers and tested by dbt.
create schema if not exists app;

create sequence if not exists app.users_id_seq;
create table if not exists app.users (
    id bigint primary key default nextval('app.users_id_seq'),
    username varchar not null unique,
    password_hash varchar not null,
    is_admin boolean not null default false,
    created_at timestamp not null default current_timestamp
);

create sequence if not exists app.portfolios_id_seq;
create table if not exists app.portfolios (
    id bigint primary key default nextval('app.portfolios_id_seq'),
    user_id bigint not null,
    name varchar not null,
    equity double precision,               -- settable on upload; NULL = default rule
    created_at timestamp not null default current_timestamp,
    updated_at timestamp not null default current_timestamp
);

create sequence if not exists app.positions_id_seq;
create table if not exists app.positions (
    id bigint primary key default nextval('app.positions_id_seq'),
    portfolio_id bigint not null,
    symbol varchar not null,               -- stock/ETF ticker or compact OCC symbol (AAPL240119C00150000)
    quantity double precision not null,    -- signed: shares or contracts
    entry_price double precision not null, -- per share / per contract unit (before x100)
    entry_date date not null,
    created_at timestamp not null default current_timestamp,
    updated_at timestamp not null default current_timestamp,
    unique (portfolio_id, symbol, entry_date)
);

create sequence if not exists app.tags_id_seq;
create table if not exists app.tags (
    id bigint primary key default nextval('app.tags_id_seq'),
    user_id bigint not null,
    name varchar not null,
    color varchar not null default '#6B7280',
    created_at timestamp not null default current_timestamp,
    unique (user_id, name)
);

create table if not exists app.position_tags (
    position_id bigint not null,
    tag_id bigint not null,
    primary key (position_id, tag_id)
);

create table if not exists app.batch_runs (
    id varchar primary key,                -- uuid4 hex
    kind varchar not null,                 -- portfolio_backfill | daily_update | ...
    portfolio_id bigint,
    requested_by bigint,
    status varchar not null,               -- queued | running | completed | failed | skipped
    progress double precision not null default 0,  -- 0..1
    message varchar,
    error varchar,
    details varchar,                       -- JSON text
    created_at timestamp not null default current_timestamp,
    started_at timestamp,
    finished_at timestamp
);

create table if not exists app.historical_backfill_progress (
    batch_run_id varchar primary key,
    provider varchar not null,
    start_date date,
    end_date date,
    total_symbols integer not null default 0,
    processed_symbols integer not null default 0,
    failed_symbols integer not null default 0,
    status varchar not null,               -- running | completed | failed
    started_at timestamp not null default current_timestamp,
    updated_at timestamp not null default current_timestamp,
    completed_at timestamp,
    error_details varchar                  -- JSON text: {symbol: reason}
);

-- Data versions for the API's response cache (ingest/warehouse/data_version.py): id 0 = marts and
-- market data (bumped at the end of every successful pipeline run), id = a user id =
-- that user's app data (bumped in the transaction of each API write).
create table if not exists app.data_version (
    id bigint primary key,
    version bigint not null,
    updated_at timestamp not null default current_timestamp
);
