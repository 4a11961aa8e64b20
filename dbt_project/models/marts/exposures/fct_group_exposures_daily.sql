{#-
    One row per portfolio per session of the snapshot window per grouping
    (sector | industry | asset_type | tag) per group: the exposures of the positions
    valued that session (design §5: exposure = q * p * m, signed).

    - long / short: sums of exposure over exposure > 0 / < 0 (short <= 0), gross = sum of
      |exposure| = long - short, net = sum of exposure; *_of_equity = figure / equity
      (a fraction: 0.25 = 25 %), NULL when equity <= 0.
    - A position without a sector (industry) is in the group 'Unknown', never dropped.
    - tag: a position counts in every tag it carries (tag groups can add up to more
      than the book); a position without a tag is in 'untagged'. Tags are today's
      tags, applied to every day of the window.
    - sector, industry and asset_type partition the book: their groups sum to the
      book's long / short / gross / net of fct_portfolio_snapshots on every day.
-#}

{{ config(pre_hook="{{ bulk_aggregation_settings([ref('int_position_values_daily'),
    ref('int_portfolio_values_daily'), ref('int_positions_enriched')]) }}") }}

with

position_values as (

    select * from {{ ref('int_position_values_daily') }}

),

positions as (

    select * from {{ ref('int_positions_enriched') }}

),

portfolio_values as (

    select * from {{ ref('int_portfolio_values_daily') }}

),

position_tags as (

    select * from {{ ref('stg_app__position_tags') }}

),

tags as (

    select * from {{ ref('stg_app__tags') }}

),

window_values as (

    select
        position_values.position_id,
        position_values.portfolio_id,
        portfolio_values.snapshot_date,
        portfolio_values.equity,
        position_values.exposure,
        position_values.market_value

    from position_values
    inner join portfolio_values
        on portfolio_values.portfolio_id = position_values.portfolio_id
        and portfolio_values.snapshot_date = position_values.valuation_date

),

position_groups as (

    select position_id, 'sector' as grouping, coalesce(sector, 'Unknown') as group_name
    from positions

    union all

    select position_id, 'industry' as grouping, coalesce(industry, 'Unknown') as group_name
    from positions

    union all

    select position_id, 'asset_type' as grouping, asset_type as group_name
    from positions

    union all

    select
        positions.position_id,
        'tag' as grouping,
        coalesce(tags.tag_name, 'untagged') as group_name

    from positions
    left join position_tags
        on position_tags.position_id = positions.position_id
    left join tags
        on tags.tag_id = position_tags.tag_id

),

grouped as (

    select
        window_values.portfolio_id,
        window_values.snapshot_date,
        position_groups.grouping,
        position_groups.group_name,
        max(window_values.equity) as equity,
        sum(case when window_values.exposure > 0 then window_values.exposure else 0 end)
            as long_exposure,
        sum(case when window_values.exposure < 0 then window_values.exposure else 0 end)
            as short_exposure,
        sum(abs(window_values.exposure)) as gross_exposure,
        sum(window_values.exposure) as net_exposure,
        sum(window_values.market_value) as market_value,
        count(*) as position_count

    from window_values
    inner join position_groups
        on position_groups.position_id = window_values.position_id
    group by 1, 2, 3, 4

),

final as (

    select
        cast(portfolio_id as bigint) as portfolio_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(grouping as {{ text_type() }}) as grouping,
        cast(group_name as {{ text_type() }}) as group_name,
        cast(equity as {{ double_type() }}) as equity,
        cast(long_exposure as {{ double_type() }}) as long_exposure,
        cast(short_exposure as {{ double_type() }}) as short_exposure,
        cast(gross_exposure as {{ double_type() }}) as gross_exposure,
        cast(net_exposure as {{ double_type() }}) as net_exposure,
        cast(market_value as {{ double_type() }}) as market_value,
        cast(case when equity > 0 then long_exposure / equity end as {{ double_type() }})
            as long_of_equity,
        cast(case when equity > 0 then short_exposure / equity end as {{ double_type() }})
            as short_of_equity,
        cast(case when equity > 0 then gross_exposure / equity end as {{ double_type() }})
            as gross_of_equity,
        cast(case when equity > 0 then net_exposure / equity end as {{ double_type() }})
            as net_of_equity,
        cast(position_count as integer) as position_count

    from grouped

)

select * from final
