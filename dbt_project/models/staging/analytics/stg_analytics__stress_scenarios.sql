{#- analytics.stress_scenarios (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'stress_scenarios') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(scenario as varchar) as scenario,
        cast(factor as varchar) as factor,
        cast(kind as varchar) as kind,
        cast(description as varchar) as description,
        cast(source as varchar) as source,
        cast(factor_move as double precision) as factor_move,
        cast(shocked as boolean) as shocked,
        cast(vol_shift as double precision) as vol_shift,
        cast(horizon_days as integer) as horizon_days,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end

    from source

)

select * from renamed
