with

source as (

    select * from {{ source('raw', 'securities') }}

),

renamed as (

    select
        cast(symbol as {{ text_type() }}) as symbol,
        cast(asset_type as {{ text_type() }}) as asset_type,
        cast(underlying_symbol as {{ text_type() }}) as underlying_symbol,
        cast(option_type as {{ text_type() }}) as option_type,
        cast(strike as {{ double_type() }}) as strike,
        cast(expiry_date as date) as expiry_date,
        cast(name as {{ text_type() }}) as security_name,
        cast(sector as {{ text_type() }}) as sector,
        cast(industry as {{ text_type() }}) as industry,
        cast(short_interest as {{ double_type() }}) as short_interest,
        cast(reference_source as {{ text_type() }}) as reference_source,
        cast(reference_error as {{ text_type() }}) as reference_error,
        updated_at

    from source

)

select * from renamed
