{#- The latest run's rows of analytics.factor_covariance; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__factor_covariance')) }}

),

final as (

    select
        as_of_date,
        factor,
        factor_other,
        covariance,
        correlation,
        n_obs,
        window_start,
        window_end,
        quality_flag

    from source_rows

)

select * from final
