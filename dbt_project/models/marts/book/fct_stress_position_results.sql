{#- The latest run's rows of analytics.stress_position_results; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('stress_position_results') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(scenario as varchar) as scenario,
        cast(position_id as bigint) as position_id,
        cast(underlying_return as double precision) as underlying_return,
        cast(pnl as double precision) as pnl,
        cast(method as varchar) as method

    from source_rows

)

select * from final
