{#- The latest run's rows of analytics.portfolio_concentration; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__portfolio_concentration')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        equity,
        n_names,
        n_positions_excluded,
        top5_weight,
        top10_weight,
        herfindahl,
        effective_names,
        largest_name,
        largest_name_weight,
        largest_sector,
        largest_sector_weight,
        largest_sector_gross_weight

    from source_rows

)

select * from final
