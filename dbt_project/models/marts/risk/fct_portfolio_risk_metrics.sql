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

    {{ latest_analytics_run(ref('stg_analytics__portfolio_risk_metrics')) }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

final as (

    select source_rows.*

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id

)

select * from final
