{#- The latest run's rows of analytics.stress_results; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('stress_results') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(scenario as varchar) as scenario,
        cast(level as varchar) as level,
        cast(group_name as varchar) as group_name,
        cast(pnl as double precision) as pnl,
        cast(pnl_fraction as double precision) as pnl_fraction,
        cast(n_positions as integer) as n_positions,
        cast(n_excluded as integer) as n_excluded,
        cast(horizon_days as integer) as horizon_days

    from source_rows

)

select * from final
