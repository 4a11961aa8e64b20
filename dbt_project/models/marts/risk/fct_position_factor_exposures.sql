{#-
    One row per position per factor (7 factor ETFs + short_interest) on the latest risk
    run: the underlying's beta (for short_interest: its short interest as a fraction of
    float) and the dollar exposure = delta-adjusted exposure x beta (NULL when beta is
    NULL).
-#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__position_factor_exposures')) }}

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
