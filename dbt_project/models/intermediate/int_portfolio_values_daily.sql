{#-
    One row per portfolio per session of the snapshot window (the last
    var('snapshot_days') sessions of raw.trading_days), starting at the portfolio's
    first window session with a valued position: there are no rows before any
    position entered, and none for a portfolio with no position in the window. From
    that session on every window session has a row, even one where no position could
    be valued (then exposures, P&L and counts are 0).

    - equity: app.portfolios.equity when set, else the gross market value
      (sum of market_value) on the portfolio's first snapshot session.
    - stale_position_count: positions valued at a close carried forward from an
      earlier session (no bar that session).
    - cumulative_pnl: running sum of daily_pnl from that first session;
      portfolio_value = equity + cumulative_pnl; previous_portfolio_value is the
      previous session's portfolio_value (equity on the first session);
      daily_return = daily_pnl / previous_portfolio_value (NULL when that is 0).
-#}

with

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

positions as (

    select * from {{ ref('int_positions_enriched') }}

),

position_values as (

    select * from {{ ref('int_position_values_daily') }}

),

trading_days as (

    select * from {{ ref('stg_raw__trading_days') }}

),

snapshot_sessions as (

    select session_date

    from trading_days
    where session_index < {{ var('snapshot_days') }}

),

window_position_values as (

    select
        position_values.*,
        positions.position_type

    from position_values
    inner join snapshot_sessions
        on position_values.valuation_date = snapshot_sessions.session_date
    inner join positions
        on position_values.position_id = positions.position_id

),

daily_totals as (

    select
        portfolio_id,
        valuation_date as snapshot_date,
        sum(market_value) as market_value,
        sum(case when exposure > 0 then exposure else 0 end) as long_exposure,
        sum(case when exposure < 0 then exposure else 0 end) as short_exposure,
        sum(abs(exposure)) as gross_exposure,
        sum(exposure) as net_exposure,
        sum(daily_pnl) as daily_pnl,
        sum(mtd_pnl) as mtd_pnl,
        sum(ytd_pnl) as ytd_pnl,
        count(*) as position_count,
        sum(case when price_is_stale then 1 else 0 end) as stale_position_count,
        sum(case when position_type = 'LONG' then 1 else 0 end) as long_count,
        sum(case when position_type = 'SHORT' then 1 else 0 end) as short_count,
        sum(case when position_type = 'LC' then 1 else 0 end) as lc_count,
        sum(case when position_type = 'LP' then 1 else 0 end) as lp_count,
        sum(case when position_type = 'SC' then 1 else 0 end) as sc_count,
        sum(case when position_type = 'SP' then 1 else 0 end) as sp_count

    from window_position_values
    group by portfolio_id, valuation_date

),

first_sessions as (

    select
        portfolio_id,
        min(snapshot_date) as first_snapshot_date

    from daily_totals
    group by portfolio_id

),

portfolio_sessions as (

    select
        first_sessions.portfolio_id,
        first_sessions.first_snapshot_date,
        snapshot_sessions.session_date as snapshot_date

    from first_sessions
    inner join snapshot_sessions
        on snapshot_sessions.session_date >= first_sessions.first_snapshot_date

),

filled as (

    select
        portfolio_sessions.portfolio_id,
        portfolio_sessions.snapshot_date,
        portfolio_sessions.first_snapshot_date,
        coalesce(daily_totals.market_value, 0) as market_value,
        coalesce(daily_totals.long_exposure, 0) as long_exposure,
        coalesce(daily_totals.short_exposure, 0) as short_exposure,
        coalesce(daily_totals.gross_exposure, 0) as gross_exposure,
        coalesce(daily_totals.net_exposure, 0) as net_exposure,
        coalesce(daily_totals.daily_pnl, 0) as daily_pnl,
        coalesce(daily_totals.mtd_pnl, 0) as mtd_pnl,
        coalesce(daily_totals.ytd_pnl, 0) as ytd_pnl,
        coalesce(daily_totals.position_count, 0) as position_count,
        coalesce(daily_totals.stale_position_count, 0) as stale_position_count,
        coalesce(daily_totals.long_count, 0) as long_count,
        coalesce(daily_totals.short_count, 0) as short_count,
        coalesce(daily_totals.lc_count, 0) as lc_count,
        coalesce(daily_totals.lp_count, 0) as lp_count,
        coalesce(daily_totals.sc_count, 0) as sc_count,
        coalesce(daily_totals.sp_count, 0) as sp_count

    from portfolio_sessions
    left join daily_totals
        on portfolio_sessions.portfolio_id = daily_totals.portfolio_id
        and portfolio_sessions.snapshot_date = daily_totals.snapshot_date

),

equities as (

    select
        first_sessions.portfolio_id,
        coalesce(portfolios.equity, daily_totals.market_value) as equity

    from first_sessions
    inner join portfolios
        on first_sessions.portfolio_id = portfolios.portfolio_id
    inner join daily_totals
        on first_sessions.portfolio_id = daily_totals.portfolio_id
        and first_sessions.first_snapshot_date = daily_totals.snapshot_date

),

with_value as (

    select
        filled.*,
        equities.equity,
        sum(filled.daily_pnl) over (
            partition by filled.portfolio_id
            order by filled.snapshot_date
            rows between unbounded preceding and current row
        ) as cumulative_pnl

    from filled
    inner join equities
        on filled.portfolio_id = equities.portfolio_id

),

with_previous_value as (

    select
        *,
        equity + cumulative_pnl as portfolio_value,
        coalesce(
            lag(equity + cumulative_pnl) over (
                partition by portfolio_id order by snapshot_date
            ),
            equity
        ) as previous_portfolio_value

    from with_value

),

final as (

    select
        cast(portfolio_id as bigint) as portfolio_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(equity as {{ double_type() }}) as equity,
        cast(market_value as {{ double_type() }}) as market_value,
        cast(long_exposure as {{ double_type() }}) as long_exposure,
        cast(short_exposure as {{ double_type() }}) as short_exposure,
        cast(gross_exposure as {{ double_type() }}) as gross_exposure,
        cast(net_exposure as {{ double_type() }}) as net_exposure,
        cast(daily_pnl as {{ double_type() }}) as daily_pnl,
        cast(mtd_pnl as {{ double_type() }}) as mtd_pnl,
        cast(ytd_pnl as {{ double_type() }}) as ytd_pnl,
        cast(cumulative_pnl as {{ double_type() }}) as cumulative_pnl,
        cast(portfolio_value as {{ double_type() }}) as portfolio_value,
        cast(previous_portfolio_value as {{ double_type() }}) as previous_portfolio_value,
        cast(
            daily_pnl / nullif(previous_portfolio_value, 0) as {{ double_type() }}
        ) as daily_return,
        cast(position_count as integer) as position_count,
        cast(stale_position_count as integer) as stale_position_count,
        cast(long_count as integer) as long_count,
        cast(short_count as integer) as short_count,
        cast(lc_count as integer) as lc_count,
        cast(lp_count as integer) as lp_count,
        cast(sc_count as integer) as sc_count,
        cast(sp_count as integer) as sp_count

    from with_previous_value

)

select * from final
