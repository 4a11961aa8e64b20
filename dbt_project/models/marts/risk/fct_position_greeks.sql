{#-
    One row per position held on the latest risk run's as-of date: the Black-Scholes
    inputs (S, K, expiry, days, T, sigma, r) and per-contract and position Greeks in
    mibian's units (theta per calendar day, vega per vol point, rho per rate point).
    greeks_source is black_scholes, stock (delta = q, other Greeks 0) or fallback
    (design table x |q| x m, rho NULL).
-#}

with

source_rows as (

    {{ latest_analytics_run('position_greeks') }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

positions as (

    select * from {{ ref('dim_positions') }}

),

final as (

    select
        cast(source_rows.as_of_date as date) as as_of_date,
        cast(source_rows.position_id as bigint) as position_id,
        cast(source_rows.portfolio_id as bigint) as portfolio_id,
        cast(source_rows.symbol as varchar) as symbol,
        cast(source_rows.underlying_symbol as varchar) as underlying_symbol,
        cast(source_rows.asset_type as varchar) as asset_type,
        cast(source_rows.position_type as varchar) as position_type,
        cast(source_rows.option_type as varchar) as option_type,
        cast(source_rows.quantity as double precision) as quantity,
        cast(source_rows.multiplier as integer) as multiplier,
        cast(source_rows.spot as double precision) as spot,
        cast(source_rows.spot_date as date) as spot_date,
        cast(source_rows.strike as double precision) as strike,
        cast(source_rows.expiry_date as date) as expiry_date,
        cast(source_rows.days_to_expiry as integer) as days_to_expiry,
        cast(source_rows.t_years as double precision) as t_years,
        cast(source_rows.volatility as double precision) as volatility,
        cast(source_rows.volatility_n_obs as integer) as volatility_n_obs,
        cast(source_rows.volatility_window as integer) as volatility_window,
        cast(source_rows.rate as double precision) as rate,
        cast(source_rows.greeks_source as varchar) as greeks_source,
        cast(source_rows.fallback_reason as varchar) as fallback_reason,
        cast(source_rows.theoretical_price as double precision) as theoretical_price,
        cast(source_rows.contract_delta as double precision) as contract_delta,
        cast(source_rows.contract_gamma as double precision) as contract_gamma,
        cast(source_rows.contract_theta as double precision) as contract_theta,
        cast(source_rows.contract_vega as double precision) as contract_vega,
        cast(source_rows.contract_rho as double precision) as contract_rho,
        cast(source_rows.delta as double precision) as delta,
        cast(source_rows.gamma as double precision) as gamma,
        cast(source_rows.theta as double precision) as theta,
        cast(source_rows.vega as double precision) as vega,
        cast(source_rows.rho as double precision) as rho,
        cast(source_rows.dollar_delta as double precision) as dollar_delta,
        cast(source_rows.computed_at as timestamp) as computed_at

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id
    inner join positions
        on source_rows.position_id = positions.position_id

)

select * from final
