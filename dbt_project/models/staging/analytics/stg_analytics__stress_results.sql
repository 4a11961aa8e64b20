{#- analytics.stress_results (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'stress_results') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(scenario as {{ text_type() }}) as scenario,
        cast(level as {{ text_type() }}) as level,
        cast(group_name as {{ text_type() }}) as group_name,
        cast(pnl as {{ double_type() }}) as pnl,
        cast(pnl_fraction as {{ double_type() }}) as pnl_fraction,
        cast(n_positions as integer) as n_positions,
        cast(n_excluded as integer) as n_excluded,
        cast(horizon_days as integer) as horizon_days

    from source

)

select * from renamed
