{#-
    One row per portfolio per factor (7 factor ETFs + short_interest) on the latest risk
    run: dollar exposure = sum of position dollar exposures, exposure = dollar exposure
    / equity (signed; a short with positive beta lowers it). Positions with a NULL beta
    / short interest are left out and counted in n_positions_excluded.
-#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__portfolio_factor_exposures')) }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

final as (

    select source_rows.*

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id

)

select * from final
