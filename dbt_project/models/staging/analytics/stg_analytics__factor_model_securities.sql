{#- analytics.factor_model_securities (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'factor_model_securities') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(symbol as varchar) as symbol,
        cast(alpha as double precision) as alpha,
        cast(specific_variance as double precision) as specific_variance,
        cast(specific_volatility as double precision) as specific_volatility,
        cast(r_squared as double precision) as r_squared,
        cast(n_obs as integer) as n_obs,
        cast(quality_flag as varchar) as quality_flag

    from source

)

select * from renamed
