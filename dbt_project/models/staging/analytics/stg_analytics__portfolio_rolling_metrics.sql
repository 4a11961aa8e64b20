{#- analytics.portfolio_rolling_metrics (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'portfolio_rolling_metrics') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(metric_date as date) as metric_date,
        cast(window_returns as integer) as window_returns,
        cast(rolling_volatility as {{ double_type() }}) as rolling_volatility,
        cast(rolling_sharpe as {{ double_type() }}) as rolling_sharpe,
        cast(rolling_beta as {{ double_type() }}) as rolling_beta

    from source

)

select * from renamed
