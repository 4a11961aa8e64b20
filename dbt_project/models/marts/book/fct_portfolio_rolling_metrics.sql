{#- The latest run's rows of analytics.portfolio_rolling_metrics; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__portfolio_rolling_metrics')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        metric_date,
        window_returns,
        rolling_volatility,
        rolling_sharpe,
        rolling_beta

    from source_rows

)

select * from final
