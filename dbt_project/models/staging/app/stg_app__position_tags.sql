with

source as (

    select * from {{ source('app', 'position_tags') }}

),

renamed as (

    select
        cast(position_id as bigint) as position_id,
        cast(tag_id as bigint) as tag_id

    from source

)

select * from renamed
