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
        cast(symbol as {{ text_type() }}) as symbol,
        cast(units as {{ double_type() }}) as units,
        cast(adv as {{ double_type() }}) as adv,
        cast(adv_sessions as integer) as adv_sessions,
        cast(pct_of_adv as {{ double_type() }}) as pct_of_adv,
        cast(days_to_liquidate as {{ double_type() }}) as days_to_liquidate,
        cast(participation_rate as {{ double_type() }}) as participation_rate,
        cast(liquidity_flag as {{ text_type() }}) as liquidity_flag

    from source

)

select * from renamed
