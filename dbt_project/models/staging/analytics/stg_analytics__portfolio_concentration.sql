{#- analytics.portfolio_concentration (written by the book-analytics step, flows/book_risk_step.py)
    with the marts' types; keyed as in ingest/warehouse/sql/book_analytics.sql. -#}

with

source as (

    select * from {{ source('analytics', 'portfolio_concentration') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(equity as double precision) as equity,
        cast(n_names as integer) as n_names,
        cast(n_positions_excluded as integer) as n_positions_excluded,
        cast(top5_weight as double precision) as top5_weight,
        cast(top10_weight as double precision) as top10_weight,
        cast(herfindahl as double precision) as herfindahl,
        cast(effective_names as double precision) as effective_names,
        cast(largest_name as varchar) as largest_name,
        cast(largest_name_weight as double precision) as largest_name_weight,
        cast(largest_sector as varchar) as largest_sector,
        cast(largest_sector_weight as double precision) as largest_sector_weight,
        cast(largest_sector_gross_weight as double precision) as largest_sector_gross_weight

    from source

)

select * from renamed
