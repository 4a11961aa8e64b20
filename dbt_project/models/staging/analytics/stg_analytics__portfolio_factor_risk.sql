{#- analytics.portfolio_factor_risk (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'portfolio_factor_risk') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(equity as {{ double_type() }}) as equity,
        cast(factor_variance as {{ double_type() }}) as factor_variance,
        cast(specific_variance as {{ double_type() }}) as specific_variance,
        cast(total_variance as {{ double_type() }}) as total_variance,
        cast(factor_risk as {{ double_type() }}) as factor_risk,
        cast(specific_risk as {{ double_type() }}) as specific_risk,
        cast(total_risk as {{ double_type() }}) as total_risk,
        cast(factor_risk_fraction as {{ double_type() }}) as factor_risk_fraction,
        cast(specific_risk_fraction as {{ double_type() }}) as specific_risk_fraction,
        cast(total_risk_fraction as {{ double_type() }}) as total_risk_fraction,
        cast(n_securities as integer) as n_securities,
        cast(n_securities_excluded as integer) as n_securities_excluded,
        cast(excluded_exposure as {{ double_type() }}) as excluded_exposure,
        cast(quality_flag as {{ text_type() }}) as quality_flag

    from source

)

select * from renamed
