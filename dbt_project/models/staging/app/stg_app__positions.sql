with

source as (

    select * from {{ source('app', 'positions') }}

),

quarantine as (

    select portfolio_id from {{ source('app', 'portfolio_quarantine') }}

),

renamed as (

    select
        cast(id as bigint) as position_id,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(quantity as {{ double_type() }}) as quantity,
        cast(entry_price as {{ double_type() }}) as entry_price,
        cast(entry_date as date) as entry_date,
        created_at,
        updated_at

    from source
    where not exists (  -- held out by the pre-flight check: ingest/quarantine.py
        select 1 from quarantine where quarantine.portfolio_id = source.portfolio_id
    )

)

select * from renamed
