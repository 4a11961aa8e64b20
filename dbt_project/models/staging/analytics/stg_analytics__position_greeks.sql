{#- analytics.position_greeks (written by the risk step, flows/risk_step.py) with the
    marts' types; one row per position per risk run (as_of_date). -#}

with

source as (

    select * from {{ source('analytics', 'position_greeks') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(underlying_symbol as {{ text_type() }}) as underlying_symbol,
        cast(asset_type as {{ text_type() }}) as asset_type,
        cast(position_type as {{ text_type() }}) as position_type,
        cast(option_type as {{ text_type() }}) as option_type,
        cast(quantity as {{ double_type() }}) as quantity,
        cast(multiplier as integer) as multiplier,
        cast(spot as {{ double_type() }}) as spot,
        cast(spot_date as date) as spot_date,
        cast(strike as {{ double_type() }}) as strike,
        cast(expiry_date as date) as expiry_date,
        cast(days_to_expiry as integer) as days_to_expiry,
        cast(t_years as {{ double_type() }}) as t_years,
        cast(volatility as {{ double_type() }}) as volatility,
        cast(volatility_n_obs as integer) as volatility_n_obs,
        cast(volatility_window as integer) as volatility_window,
        cast(rate as {{ double_type() }}) as rate,
        cast(greeks_source as {{ text_type() }}) as greeks_source,
        cast(fallback_reason as {{ text_type() }}) as fallback_reason,
        cast(theoretical_price as {{ double_type() }}) as theoretical_price,
        cast(contract_delta as {{ double_type() }}) as contract_delta,
        cast(contract_gamma as {{ double_type() }}) as contract_gamma,
        cast(contract_theta as {{ double_type() }}) as contract_theta,
        cast(contract_vega as {{ double_type() }}) as contract_vega,
        cast(contract_rho as {{ double_type() }}) as contract_rho,
        cast(delta as {{ double_type() }}) as delta,
        cast(gamma as {{ double_type() }}) as gamma,
        cast(theta as {{ double_type() }}) as theta,
        cast(vega as {{ double_type() }}) as vega,
        cast(rho as {{ double_type() }}) as rho,
        cast(dollar_delta as {{ double_type() }}) as dollar_delta,
        cast(computed_at as timestamp) as computed_at

    from source

)

select * from renamed
