{#- The latest run's rows of analytics.factor_covariance; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('factor_covariance') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(factor as varchar) as factor,
        cast(factor_other as varchar) as factor_other,
        cast(covariance as double precision) as covariance,
        cast(correlation as double precision) as correlation,
        cast(n_obs as integer) as n_obs,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(quality_flag as varchar) as quality_flag

    from source_rows

)

select * from final
