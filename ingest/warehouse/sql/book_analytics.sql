-- Risk a PM can act on (python_models.book_analytics): factor risk model, correlations,
-- stress tests, concentration, liquidity, benchmark-relative and rolling metrics. Written
-- by the batch risk step (the as-of date's rows replaced in one transaction), read by the
-- stage-2 marts. Units and signs: the docstrings of the python_models modules named.
create schema if not exists analytics;

-- factor_model: annualised (x 252) covariance and correlation of the 7 factor ETFs.
create table if not exists analytics.factor_covariance (
    as_of_date date not null,
    factor varchar not null,
    factor_other varchar not null,
    covariance double precision,           -- annual decimal^2; NULL: too little data
    correlation double precision,
    n_obs integer not null,                -- complete sessions used (of the last 60)
    window_start date,
    window_end date,
    quality_flag varchar not null,
    computed_at timestamp not null,
    primary key (as_of_date, factor, factor_other)
);

-- factor_model: joint OLS of each security on the 7 factors (not the univariate betas).
create table if not exists analytics.factor_model_securities (
    as_of_date date not null,
    symbol varchar not null,
    alpha double precision,                -- daily decimal
    specific_variance double precision,    -- SSR / (n - 8) x 252, annual decimal^2
    specific_volatility double precision,  -- its square root, annual decimal
    r_squared double precision,
    n_obs integer not null,
    quality_flag varchar not null,         -- ok | insufficient_data | singular_design
    computed_at timestamp not null,
    primary key (as_of_date, symbol)
);

create table if not exists analytics.factor_model_loadings (
    as_of_date date not null,
    symbol varchar not null,
    factor varchar not null,
    loading double precision,              -- b_s,k, return per unit factor return
    computed_at timestamp not null,
    primary key (as_of_date, symbol, factor)
);

-- factor_risk: B'FB, sum x^2 s2, total; dollars^2 per year and annual dollar volatility.
create table if not exists analytics.portfolio_factor_risk (
    as_of_date date not null,
    portfolio_id bigint not null,
    equity double precision,
    factor_variance double precision,
    specific_variance double precision,
    total_variance double precision,
    factor_risk double precision,          -- sqrt, annualised dollars
    specific_risk double precision,
    total_risk double precision,
    factor_risk_fraction double precision, -- / equity
    specific_risk_fraction double precision,
    total_risk_fraction double precision,
    n_securities integer not null,
    n_securities_excluded integer not null,
    excluded_exposure double precision,    -- delta-adjusted dollars without a model
    quality_flag varchar not null,
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id)
);

create table if not exists analytics.factor_risk_contributions (
    as_of_date date not null,
    portfolio_id bigint not null,
    factor varchar not null,
    dollar_exposure double precision,      -- B_k = sum x_s b_s,k, dollars
    exposure double precision,             -- B_k / equity
    variance_contribution double precision,  -- B_k (F B)_k; sums to factor_variance
    risk_contribution double precision,    -- / factor_risk; sums to factor_risk
    share_of_factor_risk double precision, -- sums to 1
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id, factor)
);

-- correlations: the 10 most correlated pairs (|rho|) of each book's underlyings.
create table if not exists analytics.correlation_pairs (
    as_of_date date not null,
    portfolio_id bigint not null,
    rank integer not null,
    symbol_a varchar not null,
    symbol_b varchar not null,
    correlation double precision not null,
    n_obs integer not null,
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id, rank)
);

-- stress_scenarios: factor moves of every scenario (library + replay windows used).
create table if not exists analytics.stress_scenarios (
    as_of_date date not null,
    scenario varchar not null,
    factor varchar not null,
    kind varchar not null,                 -- library | replay
    description varchar not null,
    source varchar not null,               -- where the numbers come from
    factor_move double precision,          -- simple return, decimal
    shocked boolean not null,              -- false: E[f | shocked factors]
    vol_shift double precision not null,   -- absolute, annual decimal (0.10 = 10 pts)
    horizon_days integer,                  -- replay: 1 | 5
    window_start date,                     -- replay: first return date of the window
    window_end date,
    computed_at timestamp not null,
    primary key (as_of_date, scenario, factor)
);

create table if not exists analytics.stress_results (
    as_of_date date not null,
    portfolio_id bigint not null,
    scenario varchar not null,
    level varchar not null,                -- total | sector | tag
    group_name varchar not null,
    pnl double precision,                  -- dollars, positive = gain
    pnl_fraction double precision,         -- / equity
    n_positions integer not null,
    n_excluded integer not null,           -- NaN P&L (no model / no spot)
    horizon_days integer,                  -- replay rows: 1 | 5
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id, scenario, level, group_name)
);

-- concentration: per name (underlying) on delta-adjusted exposure.
create table if not exists analytics.portfolio_concentration (
    as_of_date date not null,
    portfolio_id bigint not null,
    equity double precision,
    n_names integer not null,
    n_positions_excluded integer not null,
    top5_weight double precision,          -- sum of the 5 largest |w_n|, / equity
    top10_weight double precision,
    herfindahl double precision,           -- sum (|w_n| / sum |w|)^2
    effective_names double precision,      -- 1 / herfindahl
    largest_name varchar,
    largest_name_weight double precision,  -- signed, / equity
    largest_sector varchar,
    largest_sector_weight double precision,
    largest_sector_gross_weight double precision,
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id)
);

-- liquidity: 20-session ADV of the position's own symbol; participation rate rho.
create table if not exists analytics.position_liquidity (
    as_of_date date not null,
    position_id bigint not null,
    portfolio_id bigint not null,
    symbol varchar not null,
    units double precision not null,       -- |q|: shares or contracts
    adv double precision,                  -- same unit per session
    adv_sessions integer not null,
    pct_of_adv double precision,           -- |q| / ADV (1.5 = 150 %)
    days_to_liquidate double precision,    -- |q| / (rho ADV), trading days
    participation_rate double precision not null,
    liquidity_flag varchar not null,       -- ok | no_volume
    computed_at timestamp not null,
    primary key (as_of_date, position_id)
);

create table if not exists analytics.portfolio_liquidity (
    as_of_date date not null,
    portfolio_id bigint not null,
    participation_rate double precision not null,
    max_days_to_liquidate double precision,
    weighted_days_to_liquidate double precision,  -- market-value weighted
    liquid_1d_fraction double precision,   -- share of MV sellable in one day
    n_positions integer not null,
    n_no_volume integer not null,
    market_value_no_volume double precision not null,
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id)
);

-- benchmark: vs SPY (empyrical conventions), annualised.
create table if not exists analytics.portfolio_benchmark_metrics (
    as_of_date date not null,
    portfolio_id bigint not null,
    n_returns integer not null,
    n_paired integer not null,
    alpha double precision,                -- (1 + mean daily excess)^252 - 1
    beta double precision,
    tracking_error double precision,       -- std(r - b) x sqrt(252)
    information_ratio double precision,
    sortino_ratio double precision,
    calmar_ratio double precision,
    up_capture double precision,
    down_capture double precision,
    n_up integer not null,
    n_down integer not null,
    risk_free_daily double precision not null,
    quality_flag varchar not null,
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id)
);

-- rolling: 20-session windows ending at metric_date (full windows only).
create table if not exists analytics.portfolio_rolling_metrics (
    as_of_date date not null,
    portfolio_id bigint not null,
    metric_date date not null,
    window_returns integer not null,
    rolling_volatility double precision,   -- annual decimal
    rolling_sharpe double precision,       -- annualised
    rolling_beta double precision,         -- vs SPY
    computed_at timestamp not null,
    primary key (as_of_date, portfolio_id, metric_date)
);
