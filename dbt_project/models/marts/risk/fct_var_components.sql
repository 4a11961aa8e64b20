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

    {{ latest_analytics_run(ref('stg_analytics__var_components')) }}

),

portfolios as (

    select * from {{ ref('stg_app__portfolios') }}

),

final as (

    select source_rows.*

    from source_rows
    inner join portfolios
        on source_rows.portfolio_id = portfolios.portfolio_id

)

select * from final
