{#-
    One row per position per session of the snapshot window: its exposure and market
    value as fractions of the portfolio's equity (0.25 = 25 %; NULL when equity <= 0).
    exposure_weight is signed, so the weights of a portfolio sum to
    net exposure / equity; market_value_weight is >= 0 and sums to market value / equity.
-#}

with

position_values as (

    select * from {{ ref('int_position_values_daily') }}

),

portfolio_values as (

    select * from {{ ref('int_portfolio_values_daily') }}

),

final as (

    select
        cast(position_values.position_id as bigint) as position_id,
        cast(position_values.portfolio_id as bigint) as portfolio_id,
        cast(position_values.valuation_date as date) as valuation_date,
        cast(portfolio_values.equity as double precision) as equity,
        cast(position_values.exposure as double precision) as exposure,
        cast(position_values.market_value as double precision) as market_value,
        cast(case when portfolio_values.equity > 0
                  then position_values.exposure / portfolio_values.equity end
             as double precision) as exposure_weight,
        cast(case when portfolio_values.equity > 0
                  then position_values.market_value / portfolio_values.equity end
             as double precision) as market_value_weight

    from position_values
    inner join portfolio_values
        on portfolio_values.portfolio_id = position_values.portfolio_id
        and portfolio_values.snapshot_date = position_values.valuation_date

)

select * from final
