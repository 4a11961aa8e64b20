{#- The latest run's rows of analytics.stress_results; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__stress_results')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        scenario,
        level,
        group_name,
        pnl,
        pnl_fraction,
        n_positions,
        n_excluded,
        horizon_days

    from source_rows

)

select * from final
