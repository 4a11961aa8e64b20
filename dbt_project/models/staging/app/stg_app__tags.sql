with

source as (

    select * from {{ source('app', 'tags') }}

),

renamed as (

    select
        cast(id as bigint) as tag_id,
        cast(user_id as bigint) as user_id,
        cast(name as {{ text_type() }}) as tag_name,
        cast(color as {{ text_type() }}) as color,
        created_at

    from source

)

select * from renamed
