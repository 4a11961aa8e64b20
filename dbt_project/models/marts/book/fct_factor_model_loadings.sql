{#- The latest run's rows of analytics.factor_model_loadings; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('factor_model_loadings') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(symbol as varchar) as symbol,
        cast(factor as varchar) as factor,
        cast(loading as double precision) as loading

    from source_rows

)

select * from final
