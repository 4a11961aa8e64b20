{#-
    One row per portfolio of the batch (quarantined ones are not in staging): an md5
    of everything its rows in the incremental models depend on besides prices and
    sessions — its equity and, per position in id order, the security terms of
    int_positions_enriched and the position's tag names. Any change (a replaced book, a
    split applied to a lot, a new sector, a tag) changes the fingerprint.
-#}
{% macro book_fingerprints() %}
    {%- set position_terms = ['positions.position_id', 'positions.symbol',
        'positions.underlying_symbol', 'positions.asset_type', 'positions.position_type',
        'positions.option_type', 'positions.strike', 'positions.expiry_date',
        'positions.quantity', 'positions.entry_price', 'positions.entry_date',
        'positions.multiplier', 'positions.sector', 'positions.industry',
        'position_tag_names.tag_names'] -%}
    select
        portfolios.portfolio_id,
        {{ dbt.hash(fingerprint_text(['portfolios.equity']) ~ " || '#' || coalesce(position_terms.terms, '')") }}
            as book_fingerprint

    from {{ ref('stg_app__portfolios') }} as portfolios
    left join (
        select
            positions.portfolio_id,
            {{ dbt.listagg(fingerprint_text(position_terms), "';'",
                           'order by positions.position_id') }} as terms

        from {{ ref('int_positions_enriched') }} as positions
        left join (
            select
                position_tags.position_id,
                {{ dbt.listagg('tags.tag_name', "','", 'order by tags.tag_name') }}
                    as tag_names

            from {{ ref('stg_app__position_tags') }} as position_tags
            inner join {{ ref('stg_app__tags') }} as tags
                on tags.tag_id = position_tags.tag_id
            group by position_tags.position_id
        ) as position_tag_names
            on position_tag_names.position_id = positions.position_id
        group by positions.portfolio_id
    ) as position_terms
        on position_terms.portfolio_id = portfolios.portfolio_id
{% endmacro %}

{#- `columns` as one text: each cast to varchar, NULL as '~', joined by '|'. -#}
{% macro fingerprint_text(columns) -%}
    {%- for column in columns -%}
        coalesce(cast({{ column }} as {{ text_type() }}), '~'){{ " || '|' || " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
