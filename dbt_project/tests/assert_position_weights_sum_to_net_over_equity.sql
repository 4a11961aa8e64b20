{#-
    The weights of fct_position_weights sum, per portfolio, to net exposure / equity and
    market value / equity of the same session in fct_portfolio_snapshots (NULL when
    equity <= 0). Fails for every portfolio where they do not.
-#}

with

weights as (

    select
        portfolio_id,
        valuation_date,
        sum(exposure_weight) as exposure_weight,
        sum(market_value_weight) as market_value_weight

    from {{ ref('fct_position_weights') }}
    group by portfolio_id, valuation_date

),

snapshots as (

    select * from {{ ref('fct_portfolio_snapshots') }}

),

compared as (

    select
        weights.*,
        case when snapshots.equity > 0
             then snapshots.net_exposure / snapshots.equity end as expected_exposure_weight,
        case when snapshots.equity > 0
             then snapshots.market_value / snapshots.equity end as expected_mv_weight

    from weights
    left join snapshots
        on snapshots.portfolio_id = weights.portfolio_id
        and snapshots.snapshot_date = weights.valuation_date

)

select *

from compared
where not coalesce(
    (expected_exposure_weight is null and exposure_weight is null)
    or abs(exposure_weight - expected_exposure_weight) <= 1e-9 * (1 + abs(expected_exposure_weight)),
    false)
    or not coalesce(
    (expected_mv_weight is null and market_value_weight is null)
    or abs(market_value_weight - expected_mv_weight) <= 1e-9 * (1 + abs(expected_mv_weight)),
    false)
