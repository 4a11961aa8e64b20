{#-
    The closes the last build valued positions with (every bar of the loaded history),
    compared bar by bar by the next build's change detection: a revised, added or
    removed bar of an already built session (a split refetch, a late bar) rebuilds the
    portfolios holding that symbol.
-#}

with

prices as (

    select * from {{ ref('stg_raw__prices_daily') }}

),

trading_days as (

    select * from {{ ref('stg_raw__trading_days') }}

),

build_log as (

    select max(built_at) as built_at from {{ ref('int_build_changes') }}

)

select
    cast(prices.symbol as {{ text_type() }}) as symbol,
    cast(prices.price_date as date) as price_date,
    cast(prices.close as {{ double_type() }}) as close,
    cast(prices.source as {{ text_type() }}) as source

from prices
inner join trading_days
    on trading_days.session_date = prices.price_date
where exists (select 1 from build_log)
