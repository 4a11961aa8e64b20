with

source as (

    select * from {{ source('raw', 'prices_daily') }}

),

renamed as (

    select
        cast(symbol as varchar) as symbol,
        cast(price_date as date) as price_date,
        cast(open as double precision) as open,
        cast(high as double precision) as high,
        cast(low as double precision) as low,
        cast(close as double precision) as close,
        cast(volume as double precision) as volume,
        cast(vwap as double precision) as vwap,
        cast(trades as bigint) as trades,
        cast(source as varchar) as source,
        loaded_at

    from source

)

select * from renamed
