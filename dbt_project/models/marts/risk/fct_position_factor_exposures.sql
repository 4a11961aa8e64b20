{#-
    One row per position per factor (7 factor ETFs + short_interest) on the latest risk
    run: the underlying's beta (for short_interest: its short interest as a fraction of
    float) and the dollar exposure = delta-adjusted exposure x beta (NULL when beta is
    NULL).
-#}

with

source_rows as (

    {{ latest_analytics_run('position_factor_exposures') }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

positions as (

    select * from {{ ref('dim_positions') }}

),

final as (

    select
        cast(source_rows.as_of_date as date) as as_of_date,
        cast(source_rows.position_id as bigint) as position_id,
        cast(source_rows.portfolio_id as bigint) as portfolio_id,
        cast(source_rows.factor as varchar) as factor,
        cast(source_rows.underlying_symbol as varchar) as underlying_symbol,
        cast(source_rows.beta as double precision) as beta,
        cast(source_rows.delta_adjusted_exposure as double precision) as delta_adjusted_exposure,
        cast(source_rows.dollar_exposure as double precision) as dollar_exposure,
        cast(source_rows.computed_at as timestamp) as computed_at

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id
    inner join positions
        on source_rows.position_id = positions.position_id

)

select * from final
