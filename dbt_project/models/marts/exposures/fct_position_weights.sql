{#-
    One row per position valued on its portfolio's latest snapshot session: exposure and
    market value as fractions of the portfolio's equity (0.25 = 25 %; NULL when equity
    <= 0). exposure_weight is signed, so a portfolio's weights sum to
    net exposure / equity; market_value_weight is >= 0 and sums to market value / equity.
    (Exposures per group for every day of the window: fct_group_exposures_daily.)
-#}

with

position_values as (

    select * from {{ ref('int_position_values_daily') }}

),

portfolio_values as (

    select * from {{ ref('int_portfolio_values_daily') }}

),

latest_sessions as (

    select
        portfolio_id,
        max(snapshot_date) as snapshot_date

    from portfolio_values
    group by portfolio_id

),

latest_values as (

    select portfolio_values.*

    from portfolio_values
    inner join latest_sessions
        on latest_sessions.portfolio_id = portfolio_values.portfolio_id
        and latest_sessions.snapshot_date = portfolio_values.snapshot_date

),

final as (

    select
        cast(position_values.position_id as bigint) as position_id,
        cast(position_values.portfolio_id as bigint) as portfolio_id,
        cast(position_values.valuation_date as date) as valuation_date,
        cast(latest_values.equity as {{ double_type() }}) as equity,
        cast(position_values.exposure as {{ double_type() }}) as exposure,
        cast(position_values.market_value as {{ double_type() }}) as market_value,
        cast(case when latest_values.equity > 0
                  then position_values.exposure / latest_values.equity end
             as {{ double_type() }}) as exposure_weight,
        cast(case when latest_values.equity > 0
                  then position_values.market_value / latest_values.equity end
             as {{ double_type() }}) as market_value_weight

    from position_values
    inner join latest_values
        on latest_values.portfolio_id = position_values.portfolio_id
        and latest_values.snapshot_date = position_values.valuation_date

)

select * from final
