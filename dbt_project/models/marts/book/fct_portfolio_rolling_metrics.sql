{#- The latest run's rows of analytics.portfolio_rolling_metrics; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('portfolio_rolling_metrics') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(metric_date as date) as metric_date,
        cast(window_returns as integer) as window_returns,
        cast(rolling_volatility as double precision) as rolling_volatility,
        cast(rolling_sharpe as double precision) as rolling_sharpe,
        cast(rolling_beta as double precision) as rolling_beta

    from source_rows

)

select * from final
