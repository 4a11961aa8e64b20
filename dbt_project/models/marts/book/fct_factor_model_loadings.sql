{#- The latest run's rows of analytics.factor_model_loadings; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__factor_model_loadings')) }}

),

final as (

    select
        as_of_date,
        symbol,
        factor,
        loading

    from source_rows

)

select * from final
