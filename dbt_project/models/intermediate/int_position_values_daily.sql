{#-
    One row per position per loaded session (raw.trading_days) on or after its entry
    date on which the symbol has a close; the whole loaded history, not only the
    snapshot window (MTD / YTD need the sessions before the window).

    - Sessions without a close for the symbol are excluded (no row).
    - previous_price is the close of the position's previous valued session; on its
      first session on or after the entry date it is the entry price. So a missing
      close delays the P&L to the next priced session and the daily P&L of a position
      always sums to its unrealized P&L.
    - mtd_pnl / ytd_pnl: running sum of daily_pnl over the position's sessions of the
      same calendar month / year up to the valuation date.
-#}

with

positions as (

    select * from {{ ref('int_positions_enriched') }}

),

prices as (

    select * from {{ ref('stg_raw__prices_daily') }}

),

trading_days as (

    select * from {{ ref('stg_raw__trading_days') }}

),

position_sessions as (

    select
        positions.position_id,
        positions.portfolio_id,
        positions.quantity,
        positions.entry_price,
        positions.multiplier,
        trading_days.session_date as valuation_date,
        prices.close as price,
        prices.source as price_source

    from positions
    inner join trading_days
        on trading_days.session_date >= positions.entry_date
    inner join prices
        on prices.symbol = positions.symbol
        and prices.price_date = trading_days.session_date

),

with_previous_price as (

    select
        *,
        coalesce(
            lag(price) over (partition by position_id order by valuation_date),
            entry_price
        ) as previous_price

    from position_sessions

),

valued as (

    select
        position_id,
        portfolio_id,
        valuation_date,
        price,
        previous_price,
        price_source,
        abs(quantity) * price * multiplier as market_value,
        quantity * price * multiplier as exposure,
        quantity * entry_price * multiplier as cost_basis,
        quantity * (price - previous_price) * multiplier as daily_pnl,
        {{ dbt.date_trunc('year', 'valuation_date') }} as valuation_year_start,
        {{ dbt.date_trunc('month', 'valuation_date') }} as valuation_month_start

    from with_previous_price

),

final as (

    select
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(valuation_date as date) as valuation_date,
        cast(price as double precision) as price,
        cast(previous_price as double precision) as previous_price,
        cast(price_source as varchar) as price_source,
        cast(market_value as double precision) as market_value,
        cast(exposure as double precision) as exposure,
        cast(cost_basis as double precision) as cost_basis,
        cast(exposure - cost_basis as double precision) as unrealized_pnl,
        cast(daily_pnl as double precision) as daily_pnl,
        cast(
            sum(daily_pnl) over (
                partition by position_id, valuation_month_start
                order by valuation_date
                rows between unbounded preceding and current row
            )
            as double precision
        ) as mtd_pnl,
        cast(
            sum(daily_pnl) over (
                partition by position_id, valuation_year_start
                order by valuation_date
                rows between unbounded preceding and current row
            )
            as double precision
        ) as ytd_pnl

    from valued

)

select * from final
