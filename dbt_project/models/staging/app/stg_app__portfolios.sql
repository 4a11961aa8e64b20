with

source as (

    select * from {{ source('app', 'portfolios') }}

),

quarantine as (

    select portfolio_id from {{ source('app', 'portfolio_quarantine') }}

),

renamed as (

    select
        cast(id as bigint) as portfolio_id,
        cast(user_id as bigint) as user_id,
        cast(name as {{ text_type() }}) as portfolio_name,
        cast(equity as {{ double_type() }}) as equity,
        created_at,
        updated_at

    from source
    where not exists (  -- held out by the pre-flight check: ingest/quarantine.py
        select 1 from quarantine where quarantine.portfolio_id = source.id
    )

)

select * from renamed
