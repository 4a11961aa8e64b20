{#- analytics.position_factor_exposures (written by the risk step, flows/risk_step.py) with the
    marts' types; one row per position per factor per risk run (as_of_date). -#}

with

source as (

    select * from {{ source('analytics', 'position_factor_exposures') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(factor as {{ text_type() }}) as factor,
        cast(underlying_symbol as {{ text_type() }}) as underlying_symbol,
        cast(beta as {{ double_type() }}) as beta,
        cast(delta_adjusted_exposure as {{ double_type() }}) as delta_adjusted_exposure,
        cast(dollar_exposure as {{ double_type() }}) as dollar_exposure,
        cast(computed_at as timestamp) as computed_at

    from source

)

select * from renamed
