with

source as (

    select * from {{ source('raw', 'trading_days') }}

),

renamed as (

    select
        cast(session_date as date) as session_date,
        cast(session_index as integer) as session_index

    from source

)

select * from renamed
