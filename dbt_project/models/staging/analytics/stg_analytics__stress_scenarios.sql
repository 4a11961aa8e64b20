{#- analytics.stress_scenarios (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'stress_scenarios') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(scenario as {{ text_type() }}) as scenario,
        cast(factor as {{ text_type() }}) as factor,
        cast(kind as {{ text_type() }}) as kind,
        cast(description as {{ text_type() }}) as description,
        cast(source as {{ text_type() }}) as source,
        cast(factor_move as {{ double_type() }}) as factor_move,
        cast(shocked as boolean) as shocked,
        cast(vol_shift as {{ double_type() }}) as vol_shift,
        cast(horizon_days as integer) as horizon_days,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end

    from source

)

select * from renamed
