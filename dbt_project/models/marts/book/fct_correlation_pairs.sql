{#- The latest run's rows of analytics.correlation_pairs; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__correlation_pairs')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        rank,
        symbol_a,
        symbol_b,
        correlation,
        n_obs

    from source_rows

)

select * from final
