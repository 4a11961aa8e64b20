-- What-if modeling sessions (api/queries/modeling_*.py): a frozen copy of one book and
-- of the market inputs of its as-of date, plus hypothetical trades. Owned by one user;
-- deleted with every row below when the user deletes the session or it stays idle
-- longer than the TTL (settings.modeling_session_ttl_hours). Portable DDL.
create table if not exists app.modeling_sessions (
    id varchar primary key,                -- uuid4 hex
    user_id bigint not null,
    portfolio_id bigint not null,
    name varchar not null,
    as_of_date date not null,              -- the as-of date of the book's stored risk
    sessions varchar not null,             -- JSON: the window's XNYS session dates
    equity double precision,               -- the book's equity on the as-of date
    portfolio_value double precision,      -- V on the as-of date
    risk_free_rate double precision not null,
    inputs_version integer not null default 0,  -- + 1 whenever a security is added
    created_at timestamp not null,
    last_used_at timestamp not null        -- the idle TTL counts from here
);

-- The frozen book: one row per position entered on or before the as-of date.
create table if not exists app.modeling_session_positions (
    session_id varchar not null,
    position_id bigint not null,
    symbol varchar not null,
    quantity double precision not null,    -- signed: shares or contracts
    entry_price double precision not null,
    entry_date date not null,
    price double precision,                -- mark: the close valued on the as-of date
    primary key (session_id, position_id)
);

-- The frozen book's tags (for component VaR per tag).
create table if not exists app.modeling_session_position_tags (
    session_id varchar not null,
    position_id bigint not null,
    tag_id bigint not null,
    tag_name varchar not null,
    primary key (session_id, position_id, tag_id)
);

-- Terms of every security the session knows (book, underlyings, factor ETFs, and
-- securities added by trades) and where their market inputs came from.
create table if not exists app.modeling_session_securities (
    session_id varchar not null,
    symbol varchar not null,
    asset_type varchar not null,           -- STOCK | ETF | OPTION
    underlying_symbol varchar not null,
    option_type varchar,
    strike double precision,
    expiry_date date,
    short_interest double precision,       -- fraction of float
    origin varchar not null,               -- batch | stored_history | fetched
    added_at timestamp not null,
    primary key (session_id, symbol)
);

-- Frozen closes of those securities on the window's sessions.
create table if not exists app.modeling_session_closes (
    session_id varchar not null,
    symbol varchar not null,
    price_date date not null,
    close double precision not null,
    primary key (session_id, symbol, price_date)
);

create sequence if not exists app.modeling_trades_id_seq;
create table if not exists app.modeling_trades (
    id bigint primary key default nextval('app.modeling_trades_id_seq'),
    session_id varchar not null,
    position_id bigint,                    -- the book position it resizes; NULL = by symbol
    symbol varchar not null,
    quantity varchar not null,             -- signed change, exact decimal text
    price double precision not null,       -- per share (options: premium per share)
    price_source varchar not null,         -- given | last_close
    created_at timestamp not null,
    updated_at timestamp not null
);
