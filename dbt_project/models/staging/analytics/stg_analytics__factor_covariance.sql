{#- analytics.factor_covariance (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'factor_covariance') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(factor as {{ text_type() }}) as factor,
        cast(factor_other as {{ text_type() }}) as factor_other,
        cast(covariance as {{ double_type() }}) as covariance,
        cast(correlation as {{ double_type() }}) as correlation,
        cast(n_obs as integer) as n_obs,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(quality_flag as {{ text_type() }}) as quality_flag

    from source

)

select * from renamed
