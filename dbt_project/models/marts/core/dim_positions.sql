with

positions as (

    select * from {{ ref('int_positions_enriched') }}

),

final as (

    select
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(symbol as varchar) as symbol,
        cast(underlying_symbol as varchar) as underlying_symbol,
        cast(asset_type as varchar) as asset_type,
        cast(position_type as varchar) as position_type,
        cast(option_type as varchar) as option_type,
        cast(strike as double precision) as strike,
        cast(expiry_date as date) as expiry_date,
        cast(quantity as double precision) as quantity,
        cast(entry_price as double precision) as entry_price,
        cast(entry_date as date) as entry_date,
        cast(multiplier as integer) as multiplier,
        cast(sector as varchar) as sector,
        cast(industry as varchar) as industry

    from positions

)

select * from final
