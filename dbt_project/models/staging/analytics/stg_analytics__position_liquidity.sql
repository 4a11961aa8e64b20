{#- analytics.position_liquidity (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'position_liquidity') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(symbol as varchar) as symbol,
        cast(units as double precision) as units,
        cast(adv as double precision) as adv,
        cast(adv_sessions as integer) as adv_sessions,
        cast(pct_of_adv as double precision) as pct_of_adv,
        cast(days_to_liquidate as double precision) as days_to_liquidate,
        cast(participation_rate as double precision) as participation_rate,
        cast(liquidity_flag as varchar) as liquidity_flag

    from source

)

select * from renamed
