{#- analytics.portfolio_liquidity (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'portfolio_liquidity') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(participation_rate as {{ double_type() }}) as participation_rate,
        cast(max_days_to_liquidate as {{ double_type() }}) as max_days_to_liquidate,
        cast(weighted_days_to_liquidate as {{ double_type() }}) as weighted_days_to_liquidate,
        cast(liquid_1d_fraction as {{ double_type() }}) as liquid_1d_fraction,
        cast(n_positions as integer) as n_positions,
        cast(n_no_volume as integer) as n_no_volume,
        cast(market_value_no_volume as {{ double_type() }}) as market_value_no_volume

    from source

)

select * from renamed
