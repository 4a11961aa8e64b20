{#- The latest run's rows of analytics.portfolio_benchmark_metrics; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__portfolio_benchmark_metrics')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        n_returns,
        n_paired,
        alpha,
        beta,
        tracking_error,
        information_ratio,
        sortino_ratio,
        calmar_ratio,
        up_capture,
        down_capture,
        n_up,
        n_down,
        risk_free_daily,
        quality_flag

    from source_rows

)

select * from final
