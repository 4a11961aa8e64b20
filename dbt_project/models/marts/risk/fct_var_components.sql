{#-
    Component VaR (Euler) on the latest risk run: one row per position (component_level
    'position': delta-adjusted exposure x marginal VaR of its underlying; the positions
    of a portfolio sum to its parametric VaR) and one per tag (component_level 'tag':
    sum over the positions carrying the tag; a position with several tags counts in
    each, so tag rows can sum to more than the total; positions without a tag form the
    'untagged' bucket).
-#}

with

source_rows as (

    {{ latest_analytics_run('var_components') }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

final as (

    select
        cast(source_rows.as_of_date as date) as as_of_date,
        cast(source_rows.portfolio_id as bigint) as portfolio_id,
        cast(source_rows.component_level as varchar) as component_level,
        cast(source_rows.component_key as varchar) as component_key,
        cast(source_rows.position_id as bigint) as position_id,
        cast(source_rows.symbol as varchar) as symbol,
        cast(source_rows.underlying_symbol as varchar) as underlying_symbol,
        cast(source_rows.tag_id as bigint) as tag_id,
        cast(source_rows.tag_name as varchar) as tag_name,
        cast(source_rows.delta_adjusted_exposure as double precision) as delta_adjusted_exposure,
        cast(source_rows.marginal_var as double precision) as marginal_var,
        cast(source_rows.component_var as double precision) as component_var,
        cast(source_rows.share_of_var as double precision) as share_of_var,
        cast(source_rows.n_positions as integer) as n_positions,
        cast(source_rows.computed_at as timestamp) as computed_at

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id

)

select * from final
