{#-
    One row per position per loaded session (raw.trading_days) on or after its entry
    date from its first session with a close (and, for an option, up to its expiry);
    the whole loaded history, not only the snapshot window (MTD / YTD need the
    sessions before the window).

    - A session without a close for the symbol carries the last close forward:
      price_date is the session of the close used, price_is_stale = price_date <
      valuation_date (the position stays in the snapshot at its last close).
    - previous_price is the price of the position's previous session; on its first
      valued session on or after the entry date it is the entry price. So a stale
      session has a daily P&L of 0, the next fresh close takes the whole move, and the
      daily P&L of a position always sums to its unrealized P&L.
    - mtd_pnl / ytd_pnl: running sum of daily_pnl over the position's sessions of the
      same calendar month / year up to the valuation date.

    Incremental (delete+insert on position_id + valuation_date; the scope comes from
    the build log, macros/incremental_scope.sql): the portfolios to rebuild are
    deleted (pre-hook) and valued again over the whole history; for every other
    position only the new sessions are valued (segment 1), seeded with its stored row
    of the session before them (its close carried forward, previous price, MTD and
    YTD): macros/position_values_scope.sql. Rows dated before the loaded history's
    first session are deleted; when that session moved, the first month of the
    history is valued again (segment 0, macros/history_start.sql).
-#}
{{
    config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='delete+insert',
        unique_key=['position_id', 'valuation_date'],
        on_schema_change='fail',
        pre_hook=["{{ delete_rebuilt_rows('valuation_date',
            'select min(session_date) from ' ~ ref('stg_raw__trading_days')) }}",
                  "{{ delete_history_head_rows() }}"],
        post_hook="{{ consume_build_changes() }}",
    )
}}
-- depends_on: {{ ref('int_build_changes') }}

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

{{ position_values_scope() }}

position_sessions as (

    select
        positions.position_id,
        positions.portfolio_id,
        positions.quantity,
        positions.entry_price,
        positions.multiplier,
        trading_days.session_date as valuation_date,
        prices.close as bar_close,
        prices.source as bar_source,
        case when prices.close is not null then trading_days.session_date end as bar_date,
        false as is_seed,
        cast(null as {{ double_type() }}) as seed_mtd_pnl,
        cast(null as {{ double_type() }}) as seed_ytd_pnl,
        {{ position_values_segment('positions', 'trading_days.session_date') }} as segment

    from scoped_positions as positions
    inner join trading_days
        on trading_days.session_date >= positions.entry_date
        and (positions.expiry_date is null
             or trading_days.session_date <= positions.expiry_date)
    left join prices
        on prices.symbol = positions.symbol
        and prices.price_date = trading_days.session_date
    {{ position_values_seed_rows('positions', 'trading_days.session_date') }}

),

bar_groups as (

    -- a group = one session with a close and the sessions without one after it
    select
        *,
        count(bar_close) over (
            partition by position_id, segment
            order by valuation_date
            rows between unbounded preceding and current row
        ) as bar_group

    from position_sessions

),

carried_forward as (

    select
        position_id,
        portfolio_id,
        quantity,
        entry_price,
        multiplier,
        valuation_date,
        max(bar_close) over (partition by position_id, segment, bar_group) as price,
        max(bar_source) over (partition by position_id, segment, bar_group) as price_source,
        max(bar_date) over (partition by position_id, segment, bar_group) as price_date,
        segment,
        is_seed,
        seed_mtd_pnl,
        seed_ytd_pnl

    from bar_groups
    where bar_group > 0

),

with_previous_price as (

    select
        *,
        coalesce(
            lag(price) over (partition by position_id, segment order by valuation_date),
            entry_price
        ) as previous_price

    from carried_forward

),

valued as (

    select
        position_id,
        portfolio_id,
        valuation_date,
        price,
        previous_price,
        price_source,
        price_date,
        price_date < valuation_date as price_is_stale,
        abs(quantity) * price * multiplier as market_value,
        quantity * price * multiplier as exposure,
        quantity * entry_price * multiplier as cost_basis,
        -- no move is a P&L of +0 (a short's q·0 would be −0)
        case
            when price = previous_price then 0.0
            else quantity * (price - previous_price) * multiplier
        end as daily_pnl,
        {{ dbt.date_trunc('year', 'valuation_date') }} as valuation_year_start,
        {{ dbt.date_trunc('month', 'valuation_date') }} as valuation_month_start,
        segment,
        is_seed,
        seed_mtd_pnl,
        seed_ytd_pnl

    from with_previous_price

),

-- running MTD / YTD sums (a seed row starts them at its stored sums)
with_period_pnl as (

    select
        *,
        sum(case when is_seed then seed_mtd_pnl else daily_pnl end) over (
            partition by position_id, segment, valuation_month_start
            order by valuation_date
            rows between unbounded preceding and current row
        ) as mtd_pnl,
        sum(case when is_seed then seed_ytd_pnl else daily_pnl end) over (
            partition by position_id, segment, valuation_year_start
            order by valuation_date
            rows between unbounded preceding and current row
        ) as ytd_pnl

    from valued

),

final as (

    select
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(valuation_date as date) as valuation_date,
        cast(price as {{ double_type() }}) as price,
        cast(previous_price as {{ double_type() }}) as previous_price,
        cast(price_source as {{ text_type() }}) as price_source,
        cast(price_date as date) as price_date,
        cast(price_is_stale as boolean) as price_is_stale,
        cast(market_value as {{ double_type() }}) as market_value,
        cast(exposure as {{ double_type() }}) as exposure,
        cast(cost_basis as {{ double_type() }}) as cost_basis,
        cast(exposure - cost_basis as {{ double_type() }}) as unrealized_pnl,
        cast(daily_pnl as {{ double_type() }}) as daily_pnl,
        cast(mtd_pnl as {{ double_type() }}) as mtd_pnl,
        cast(ytd_pnl as {{ double_type() }}) as ytd_pnl

    from with_period_pnl
    where not is_seed

)

select * from final
