{#- analytics.correlation_pairs (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'correlation_pairs') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(rank as integer) as rank,
        cast(symbol_a as {{ text_type() }}) as symbol_a,
        cast(symbol_b as {{ text_type() }}) as symbol_b,
        cast(correlation as {{ double_type() }}) as correlation,
        cast(n_obs as integer) as n_obs

    from source

)

select * from renamed
