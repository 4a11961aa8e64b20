with

source as (

    select * from {{ source('raw', 'prices_daily') }}

),

renamed as (

    select
        cast(symbol as {{ text_type() }}) as symbol,
        cast(price_date as date) as price_date,
        cast(open as {{ double_type() }}) as open,
        cast(high as {{ double_type() }}) as high,
        cast(low as {{ double_type() }}) as low,
        cast(close as {{ double_type() }}) as close,
        cast(volume as {{ double_type() }}) as volume,
        cast(vwap as {{ double_type() }}) as vwap,
        cast(trades as bigint) as trades,
        cast(source as {{ text_type() }}) as source,
        loaded_at

    from source

)

select * from renamed
