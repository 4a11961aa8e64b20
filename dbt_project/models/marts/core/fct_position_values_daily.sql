with

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

final as (

    select
        cast(position_values.position_id as bigint) as position_id,
        cast(position_values.portfolio_id as bigint) as portfolio_id,
        cast(position_values.valuation_date as date) as valuation_date,
        cast(position_values.price as {{ double_type() }}) as price,
        cast(position_values.previous_price as {{ double_type() }}) as previous_price,
        cast(position_values.price_source as {{ text_type() }}) as price_source,
        cast(position_values.price_date as date) as price_date,
        cast(position_values.price_is_stale as boolean) as price_is_stale,
        cast(position_values.market_value as {{ double_type() }}) as market_value,
        cast(position_values.exposure as {{ double_type() }}) as exposure,
        cast(position_values.cost_basis as {{ double_type() }}) as cost_basis,
        cast(position_values.unrealized_pnl as {{ double_type() }}) as unrealized_pnl,
        cast(position_values.daily_pnl as {{ double_type() }}) as daily_pnl,
        cast(position_values.mtd_pnl as {{ double_type() }}) as mtd_pnl,
        cast(position_values.ytd_pnl as {{ double_type() }}) as ytd_pnl

    from position_values
    inner join snapshot_sessions
        on position_values.valuation_date = snapshot_sessions.session_date

)

select * from final
