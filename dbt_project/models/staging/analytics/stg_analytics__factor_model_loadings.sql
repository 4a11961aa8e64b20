{#- analytics.factor_model_loadings (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'factor_model_loadings') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(factor as {{ text_type() }}) as factor,
        cast(loading as {{ double_type() }}) as loading

    from source

)

select * from renamed
