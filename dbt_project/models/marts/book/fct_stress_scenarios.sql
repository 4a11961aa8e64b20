{#- The latest run's rows of analytics.stress_scenarios; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__stress_scenarios')) }}

),

final as (

    select
        as_of_date,
        scenario,
        factor,
        kind,
        description,
        source,
        factor_move,
        shocked,
        vol_shift,
        horizon_days,
        window_start,
        window_end

    from source_rows

)

select * from final
