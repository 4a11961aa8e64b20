{#-
    One row per position: the position joined to the security master.

    A position whose symbol is missing from raw.securities (the reference load failed
    for it; securities are normally loaded before dbt runs) is kept, never dropped:
    a compact OCC symbol (root + YYMMDD + C|P + 8-digit strike in thousandths) is
    read as an OPTION with underlying, expiry, type and strike parsed from the symbol;
    anything else is taken as a STOCK on itself. Sector and industry are then NULL.
-#}

{%- set occ_pattern = '[A-Z][A-Z0-9]{0,5}[0-9]{6}[CP][0-9]{8}' -%}

with

positions as (

    select * from {{ ref('stg_app__positions') }}

),

securities as (

    select * from {{ ref('stg_raw__securities') }}

),

joined as (

    select
        positions.position_id,
        positions.portfolio_id,
        positions.symbol,
        positions.quantity,
        positions.entry_price,
        positions.entry_date,
        securities.symbol is not null as has_security,
        {{ regexp_full_match('positions.symbol', occ_pattern) }} as is_occ_symbol,
        length(positions.symbol) as symbol_length,
        securities.asset_type,
        securities.underlying_symbol,
        securities.option_type,
        securities.strike,
        securities.expiry_date,
        securities.sector,
        securities.industry

    from positions
    left join securities
        on positions.symbol = securities.symbol

),

security_terms as (

    select
        position_id,
        portfolio_id,
        symbol,
        quantity,
        entry_price,
        entry_date,
        sector,
        industry,

        case
            when has_security then asset_type
            when is_occ_symbol then 'OPTION'
            else 'STOCK'
        end as asset_type,

        case
            when has_security then underlying_symbol
            when is_occ_symbol then left(symbol, symbol_length - 15)
            else symbol
        end as underlying_symbol,

        case
            when has_security then option_type
            when is_occ_symbol then substr(symbol, symbol_length - 8, 1)
        end as option_type,

        case
            when has_security then strike
            when is_occ_symbol then cast(right(symbol, 8) as {{ double_type() }}) / 1000
        end as strike,

        case
            when has_security then expiry_date
            when is_occ_symbol then cast(
                '20' || substr(symbol, symbol_length - 14, 2)
                || '-' || substr(symbol, symbol_length - 12, 2)
                || '-' || substr(symbol, symbol_length - 10, 2)
                as date
            )
        end as expiry_date

    from joined

),

final as (

    select
        cast(position_id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(underlying_symbol as {{ text_type() }}) as underlying_symbol,
        cast(asset_type as {{ text_type() }}) as asset_type,
        cast(
            case
                when asset_type = 'OPTION' and quantity >= 0 and option_type = 'C' then 'LC'
                when asset_type = 'OPTION' and quantity >= 0 and option_type = 'P' then 'LP'
                when asset_type = 'OPTION' and quantity < 0 and option_type = 'C' then 'SC'
                when asset_type = 'OPTION' and quantity < 0 and option_type = 'P' then 'SP'
                when quantity < 0 then 'SHORT'
                else 'LONG'
            end
            as {{ text_type() }}
        ) as position_type,
        cast(option_type as {{ text_type() }}) as option_type,
        cast(strike as {{ double_type() }}) as strike,
        cast(expiry_date as date) as expiry_date,
        cast(quantity as {{ double_type() }}) as quantity,
        cast(entry_price as {{ double_type() }}) as entry_price,
        cast(entry_date as date) as entry_date,
        cast(case when asset_type = 'OPTION' then 100 else 1 end as integer) as multiplier,
        cast(sector as {{ text_type() }}) as sector,
        cast(industry as {{ text_type() }}) as industry

    from security_terms

)

select * from final
