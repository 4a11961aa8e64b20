{#-
    One row per portfolio on the latest risk run. Return-based metrics (empyrical) on up
    to 90 daily portfolio returns: annualised volatility (sqrt 252), Sharpe (daily risk-
    free (1+r)^(1/252)-1), max drawdown (<= 0), realised beta vs SPY, historical VaR and
    expected shortfall at 95 %, 1 day, as positive loss fractions and dollars.
    Parametric VaR 95 %, 1 day = 1.645 sqrt(x' S x) in positive dollars (S: 60-session
    sample covariance, ddof 1; x: delta-adjusted exposures per underlying).
-#}

with

source_rows as (

    {{ latest_analytics_run('portfolio_risk_metrics') }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

final as (

    select
        cast(source_rows.as_of_date as date) as as_of_date,
        cast(source_rows.portfolio_id as bigint) as portfolio_id,
        cast(source_rows.n_returns as integer) as n_returns,
        cast(source_rows.first_return_date as date) as first_return_date,
        cast(source_rows.last_return_date as date) as last_return_date,
        cast(source_rows.volatility as double precision) as volatility,
        cast(source_rows.sharpe_ratio as double precision) as sharpe_ratio,
        cast(source_rows.risk_free_annual as double precision) as risk_free_annual,
        cast(source_rows.risk_free_daily as double precision) as risk_free_daily,
        cast(source_rows.max_drawdown as double precision) as max_drawdown,
        cast(source_rows.beta as double precision) as beta,
        cast(source_rows.beta_n_obs as integer) as beta_n_obs,
        cast(source_rows.var_95 as double precision) as var_95,
        cast(source_rows.es_95 as double precision) as es_95,
        cast(source_rows.portfolio_value as double precision) as portfolio_value,
        cast(source_rows.var_95_dollars as double precision) as var_95_dollars,
        cast(source_rows.es_95_dollars as double precision) as es_95_dollars,
        cast(source_rows.parametric_sigma as double precision) as parametric_sigma,
        cast(source_rows.parametric_var_95 as double precision) as parametric_var_95,
        cast(source_rows.parametric_var_95_fraction as double precision) as parametric_var_95_fraction,
        cast(source_rows.var_z as double precision) as var_z,
        cast(source_rows.var_window_returns as integer) as var_window_returns,
        cast(source_rows.var_n_securities as integer) as var_n_securities,
        cast(source_rows.var_n_positions_excluded as integer) as var_n_positions_excluded,
        cast(source_rows.confidence as double precision) as confidence,
        cast(source_rows.horizon_days as integer) as horizon_days,
        cast(source_rows.quality_flag as varchar) as quality_flag,
        cast(source_rows.computed_at as timestamp) as computed_at

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id

)

select * from final
