{#-
    One row per portfolio per factor (7 factor ETFs + short_interest) on the latest risk
    run: dollar exposure = sum of position dollar exposures, exposure = dollar exposure
    / equity (signed; a short with positive beta lowers it). Positions with a NULL beta
    / short interest are left out and counted in n_positions_excluded.
-#}

with

source_rows as (

    {{ latest_analytics_run('portfolio_factor_exposures') }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

final as (

    select
        cast(source_rows.as_of_date as date) as as_of_date,
        cast(source_rows.portfolio_id as bigint) as portfolio_id,
        cast(source_rows.factor as varchar) as factor,
        cast(source_rows.factor_name as varchar) as factor_name,
        cast(source_rows.equity as double precision) as equity,
        cast(source_rows.dollar_exposure as double precision) as dollar_exposure,
        cast(source_rows.exposure as double precision) as exposure,
        cast(source_rows.n_positions as integer) as n_positions,
        cast(source_rows.n_positions_excluded as integer) as n_positions_excluded,
        cast(source_rows.computed_at as timestamp) as computed_at

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id

)

select * from final
