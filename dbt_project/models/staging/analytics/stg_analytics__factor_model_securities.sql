{#- analytics.factor_model_securities (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'factor_model_securities') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(alpha as {{ double_type() }}) as alpha,
        cast(specific_variance as {{ double_type() }}) as specific_variance,
        cast(specific_volatility as {{ double_type() }}) as specific_volatility,
        cast(r_squared as {{ double_type() }}) as r_squared,
        cast(n_obs as integer) as n_obs,
        cast(quality_flag as {{ text_type() }}) as quality_flag

    from source

)

select * from renamed
