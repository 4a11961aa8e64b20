with

positions as (

    select * from {{ ref('int_positions_enriched') }}

),

final as (

    select
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(underlying_symbol as {{ text_type() }}) as underlying_symbol,
        cast(asset_type as {{ text_type() }}) as asset_type,
        cast(position_type as {{ text_type() }}) as position_type,
        cast(option_type as {{ text_type() }}) as option_type,
        cast(strike as {{ double_type() }}) as strike,
        cast(expiry_date as date) as expiry_date,
        cast(quantity as {{ double_type() }}) as quantity,
        cast(entry_price as {{ double_type() }}) as entry_price,
        cast(entry_date as date) as entry_date,
        cast(multiplier as integer) as multiplier,
        cast(sector as {{ text_type() }}) as sector,
        cast(industry as {{ text_type() }}) as industry

    from positions

)

select * from final
