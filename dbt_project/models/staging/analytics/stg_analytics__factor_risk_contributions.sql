{#- analytics.factor_risk_contributions (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'factor_risk_contributions') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(factor as {{ text_type() }}) as factor,
        cast(dollar_exposure as {{ double_type() }}) as dollar_exposure,
        cast(exposure as {{ double_type() }}) as exposure,
        cast(variance_contribution as {{ double_type() }}) as variance_contribution,
        cast(risk_contribution as {{ double_type() }}) as risk_contribution,
        cast(share_of_factor_risk as {{ double_type() }}) as share_of_factor_risk

    from source

)

select * from renamed
