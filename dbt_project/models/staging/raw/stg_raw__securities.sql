with

source as (

    select * from {{ source('raw', 'securities') }}

),

renamed as (

    select
        cast(symbol as varchar) as symbol,
        cast(asset_type as varchar) as asset_type,
        cast(underlying_symbol as varchar) as underlying_symbol,
        cast(option_type as varchar) as option_type,
        cast(strike as double precision) as strike,
        cast(expiry_date as date) as expiry_date,
        cast(name as varchar) as security_name,
        cast(sector as varchar) as sector,
        cast(industry as varchar) as industry,
        cast(short_interest as double precision) as short_interest,
        cast(reference_source as varchar) as reference_source,
        cast(reference_error as varchar) as reference_error,
        updated_at

    from source

)

select * from renamed
