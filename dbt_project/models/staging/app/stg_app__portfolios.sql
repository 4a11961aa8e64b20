with

source as (

    select * from {{ source('app', 'portfolios') }}

),

renamed as (

    select
        cast(id as bigint) as portfolio_id,
        cast(user_id as bigint) as user_id,
        cast(name as varchar) as portfolio_name,
        cast(equity as double precision) as equity,
        created_at,
        updated_at

    from source

)

select * from renamed
