with

portfolio_values as (

    select * from {{ ref('int_portfolio_values_daily') }}

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
        cast(daily_return as {{ double_type() }}) as daily_return,
        cast(position_count as integer) as position_count,
        cast(stale_position_count as integer) as stale_position_count,
        cast(long_count as integer) as long_count,
        cast(short_count as integer) as short_count,
        cast(lc_count as integer) as lc_count,
        cast(lp_count as integer) as lp_count,
        cast(sc_count as integer) as sc_count,
        cast(sp_count as integer) as sp_count

    from portfolio_values

)

select * from final
