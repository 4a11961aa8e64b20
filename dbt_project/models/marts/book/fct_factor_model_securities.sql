{#- The latest run's rows of analytics.factor_model_securities; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('factor_model_securities') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(symbol as varchar) as symbol,
        cast(alpha as double precision) as alpha,
        cast(specific_variance as double precision) as specific_variance,
        cast(specific_volatility as double precision) as specific_volatility,
        cast(r_squared as double precision) as r_squared,
        cast(n_obs as integer) as n_obs,
        cast(quality_flag as varchar) as quality_flag

    from source_rows

)

select * from final
