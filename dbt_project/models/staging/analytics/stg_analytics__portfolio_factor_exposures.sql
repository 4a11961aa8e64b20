{#- analytics.portfolio_factor_exposures (written by the risk step, flows/risk_step.py) with the
    marts' types; one row per portfolio per factor per risk run (as_of_date). -#}

with

source as (

    select * from {{ source('analytics', 'portfolio_factor_exposures') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(factor as {{ text_type() }}) as factor,
        cast(factor_name as {{ text_type() }}) as factor_name,
        cast(equity as {{ double_type() }}) as equity,
        cast(dollar_exposure as {{ double_type() }}) as dollar_exposure,
        cast(exposure as {{ double_type() }}) as exposure,
        cast(n_positions as integer) as n_positions,
        cast(n_positions_excluded as integer) as n_positions_excluded,
        cast(computed_at as timestamp) as computed_at

    from source

)

select * from renamed
