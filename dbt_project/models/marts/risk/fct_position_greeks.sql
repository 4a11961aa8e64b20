{#-
    One row per position held on the latest risk run's as-of date: the Black-Scholes
    inputs (S, K, expiry, days, T, sigma, r) and per-contract and position Greeks in
    mibian's units (theta per calendar day, vega per vol point, rho per rate point).
    greeks_source is black_scholes, stock (delta = q, other Greeks 0) or fallback
    (design table x |q| x m, rho NULL).
-#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__position_greeks')) }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

positions as (

    select * from {{ ref('dim_positions') }}

),

final as (

    select source_rows.*

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id
    inner join positions
        on source_rows.position_id = positions.position_id

)

select * from final
