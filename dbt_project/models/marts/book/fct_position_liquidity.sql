{#- The latest run's rows of analytics.position_liquidity; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__position_liquidity')) }}

),

final as (

    select
        as_of_date,
        position_id,
        portfolio_id,
        symbol,
        units,
        adv,
        adv_sessions,
        pct_of_adv,
        days_to_liquidate,
        participation_rate,
        liquidity_flag

    from source_rows

)

select * from final
