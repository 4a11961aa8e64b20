{#- The latest run's rows of analytics.correlation_pairs; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('correlation_pairs') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(rank as integer) as rank,
        cast(symbol_a as varchar) as symbol_a,
        cast(symbol_b as varchar) as symbol_b,
        cast(correlation as double precision) as correlation,
        cast(n_obs as integer) as n_obs

    from source_rows

)

select * from final
