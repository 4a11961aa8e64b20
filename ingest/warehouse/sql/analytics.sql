-- Risk engine outputs: written by the risk step (flows/risk_step.py, one transaction per
-- run that replaces the as-of date's rows), read by dbt's stg_analytics__* models.
-- Conventions: python_models/conventions.py. Portable DDL (DuckDB and PostgreSQL).
create schema if not exists analytics;

-- One row per position held on the as-of date: the Black-Scholes inputs and Greeks.
create table if not exists analytics.position_greeks (
    as_of_date date not null,
    position_id bigint not null,
    portfolio_id bigint not null,
    symbol varchar not null,
    underlying_symbol varchar not null,
    asset_type varchar not null,           -- STOCK | ETF | OPTION
    position_type varchar not null,        -- LONG | SHORT | LC | LP | SC | SP
    option_type varchar,                   -- C | P
    quantity double precision not null,    -- q, signed
    multiplier integer not null,           -- m
    spot double precision,                 -- S: latest underlying close on or before as-of
    spot_date date,                        -- the session of that close
    strike double precision,               -- K
    expiry_date date,
    days_to_expiry integer,                -- calendar days from as-of to expiry
    t_years double precision,              -- days_to_expiry / 365
    volatility double precision,           -- sigma: annualised (sqrt 252) sample std, ddof 1
    volatility_n_obs integer,              -- returns used for sigma (of the last 30)
    volatility_window integer,             -- 30
    rate double precision,                 -- r: annual decimal
    greeks_source varchar not null,        -- black_scholes | fallback | stock
    fallback_reason varchar,               -- expired | no_price | no_volatility | ...
    theoretical_price double precision,    -- BS price per share (options, BS only)
    contract_delta double precision,       -- per share of the option (mibian units)
    contract_gamma double precision,
    contract_theta double precision,       -- per calendar day
    contract_vega double precision,        -- per 1 vol point
    contract_rho double precision,         -- per 1 rate point
    delta double precision,                -- position: per-contract * q * m (stocks: q)
    gamma double precision,
    theta double precision,
    vega double precision,
    rho double precision,
    dollar_delta double precision,         -- delta * S = delta-adjusted exposure
    computed_at timestamp not null,
    primary key (as_of_date, position_id)
);

-- One row per security (every position's underlying) per factor ETF.
create table if not exists analytics.factor_betas (
    as_of_date date not null,
    symbol varchar not null,
    factor varchar not null,               -- SPY | MTUM | VTV | VUG | QUAL | IWM | SPLV
    factor_name varchar not null,          -- market | momentum | value | ...
    beta double precision,                 -- NULL when quality_flag <> 'ok'
    alpha double precision,                -- OLS intercept, daily decimal
    std_error double precision,            -- statsmodels bse of beta
    t_stat double precision,
    r_squared double precision,
    n_obs integer not null,                -- paired daily returns used
    window_returns integer not null,       -- 60
    window_start date,                     -- first return date of the window
    window_end date not null,              -- = as-of date
    quality_flag varchar not null,         -- ok | insufficient_data | zero_factor_variance
    computed_at timestamp not null,
    primary key (as_of_date, symbol, factor)
);

-- One row per position per factor: beta of the underlying and dollar exposure.
create table if not exists analytics.position_factor_exposures (
    as_of_date date not null,
    position_id bigint not null,
    portfolio_id bigint not null,
    factor varchar not null,               -- the 7 ETFs and short_interest
    underlying_symbol varchar not null,
    beta double precision,                 -- for short_interest: SI fraction of float
    delta_adjusted_exposure double precision,
    dollar_exposure double precision,      -- delta_adjusted_exposure * beta
    computed_at timestamp not null,
    primary key (as_of_date, position_id, factor)
);

-- One row per portfolio per factor (7 ETFs + short_interest).
create table if not exists analytics.portfolio_factor_exposures (
    as_of_date date not null,
    portfolio_id bigint not null,
    factor varchar not null,
    factor_name varchar not null,
    equity double precision,
    dollar_exposure double precision,      -- sum of position dollar exposures
    exposure double precision,             -- dollar_exposure / equity (signed)
    n_positions integer not null,
    n_positions_excluded integer not null, -- NULL beta / SI / delta-adjusted exposure
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id, factor)
);

-- One row per portfolio: return-based metrics and parametric VaR.
create table if not exists analytics.portfolio_risk_metrics (
    as_of_date date not null,
    portfolio_id bigint not null,
    n_returns integer not null,
    first_return_date date,
    last_return_date date,
    volatility double precision,           -- annualised, decimal
    sharpe_ratio double precision,         -- annualised
    risk_free_annual double precision,
    risk_free_daily double precision,      -- (1 + r)^(1/252) - 1
    max_drawdown double precision,         -- <= 0, fraction
    beta double precision,                 -- realised beta vs SPY
    beta_n_obs integer not null,
    var_95 double precision,               -- historical, positive loss fraction, 1 day
    es_95 double precision,                -- historical expected shortfall, same sign
    portfolio_value double precision,      -- V on the as-of date
    var_95_dollars double precision,
    es_95_dollars double precision,
    parametric_sigma double precision,     -- sqrt(x' S x), dollars, 1 day
    parametric_var_95 double precision,    -- 1.645 * sigma, positive dollars
    parametric_var_95_fraction double precision,  -- / portfolio_value
    var_z double precision not null,       -- 1.645
    var_window_returns integer not null,   -- 60
    var_n_securities integer not null,     -- underlyings in x
    var_n_positions_excluded integer not null,  -- no exposure or no covariance
    confidence double precision not null,  -- 0.95
    horizon_days integer not null,         -- 1
    quality_flag varchar not null,
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id)
);

-- Component VaR: one row per position and one per tag (incl. 'untagged') per portfolio.
create table if not exists analytics.var_components (
    as_of_date date not null,
    portfolio_id bigint not null,
    component_level varchar not null,      -- position | tag
    component_key varchar not null,        -- 'position:<id>' | 'tag:<name>'
    position_id bigint,
    symbol varchar,
    underlying_symbol varchar,
    tag_id bigint,
    tag_name varchar,
    delta_adjusted_exposure double precision,
    marginal_var double precision,         -- 1.645 (S x)_j / sigma, per $ of exposure
    component_var double precision,        -- dollars; positions sum to the total
    share_of_var double precision,         -- component / total
    n_positions integer not null,
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id, component_key)
);
