{#- The latest run's rows of analytics.portfolio_liquidity; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__portfolio_liquidity')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        participation_rate,
        max_days_to_liquidate,
        weighted_days_to_liquidate,
        liquid_1d_fraction,
        n_positions,
        n_no_volume,
        market_value_no_volume

    from source_rows

)

select * from final
