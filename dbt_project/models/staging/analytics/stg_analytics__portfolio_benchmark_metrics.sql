{#- analytics.portfolio_benchmark_metrics (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'portfolio_benchmark_metrics') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(n_returns as integer) as n_returns,
        cast(n_paired as integer) as n_paired,
        cast(alpha as {{ double_type() }}) as alpha,
        cast(beta as {{ double_type() }}) as beta,
        cast(tracking_error as {{ double_type() }}) as tracking_error,
        cast(information_ratio as {{ double_type() }}) as information_ratio,
        cast(sortino_ratio as {{ double_type() }}) as sortino_ratio,
        cast(calmar_ratio as {{ double_type() }}) as calmar_ratio,
        cast(up_capture as {{ double_type() }}) as up_capture,
        cast(down_capture as {{ double_type() }}) as down_capture,
        cast(n_up as integer) as n_up,
        cast(n_down as integer) as n_down,
        cast(risk_free_daily as {{ double_type() }}) as risk_free_daily,
        cast(quality_flag as {{ text_type() }}) as quality_flag

    from source

)

select * from renamed
