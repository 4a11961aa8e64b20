{#- The latest run's rows of analytics.factor_model_securities; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__factor_model_securities')) }}

),

final as (

    select
        as_of_date,
        symbol,
        alpha,
        specific_variance,
        specific_volatility,
        r_squared,
        n_obs,
        quality_flag

    from source_rows

)

select * from final
