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
        cast(equity as {{ double_type() }}) as equity,
        cast(n_names as integer) as n_names,
        cast(n_positions_excluded as integer) as n_positions_excluded,
        cast(top5_weight as {{ double_type() }}) as top5_weight,
        cast(top10_weight as {{ double_type() }}) as top10_weight,
        cast(herfindahl as {{ double_type() }}) as herfindahl,
        cast(effective_names as {{ double_type() }}) as effective_names,
        cast(largest_name as {{ text_type() }}) as largest_name,
        cast(largest_name_weight as {{ double_type() }}) as largest_name_weight,
        cast(largest_sector as {{ text_type() }}) as largest_sector,
        cast(largest_sector_weight as {{ double_type() }}) as largest_sector_weight,
        cast(largest_sector_gross_weight as {{ double_type() }}) as largest_sector_gross_weight

    from source

)

select * from renamed
