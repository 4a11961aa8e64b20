{#-
    The build log: what changed since the last build, appended by every build (one row
    per change, all rows of one build share built_at = the invocation's start), and the
    'consumed' marks the incremental models add after they processed it
    (macros/incremental_scope.sql says how they read it).

    Compared with the state the last build left (int_build_state_books / _window /
    _prices, read here without ref: they are built after this model):
      all       no state yet, a full refresh, the loaded history moved back or the
                snapshot window length changed;
      removed   a portfolio of the last build that is gone (deleted or quarantined);
      rebuild   a new portfolio, a changed book fingerprint (macros/book_fingerprints),
                a portfolio holding a symbol with a revised, added or removed bar on an
                already built session, or one valued before a new first session of
                the loaded history where revaluing its first month is not enough
                (macros/history_start.sql);
      sessions  since_date = the first session after the last build's as-of date;
      start_moved  since_date = the last build's first session, when the loaded
                history's first session moved on.
    Rows every model has consumed are pruned (each model's latest mark is kept).
-#}
{{
    config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook=[] if target.type == 'spark' else [
            "delete from {{ this }}
             where built_at < (
                 select min(last_consumed) from (
                     select max(built_at) as last_consumed from {{ this }}
                     where change_kind = 'consumed' group by model_name
                 ) as marks)",
        ],
    )
}}

{%- set state = {} -%}
{%- if execute and is_incremental() -%}
    {%- for name in ['books', 'window', 'prices'] -%}
        {%- do state.update({name: adapter.get_relation(this.database, this.schema,
                                                        'int_build_state_' ~ name)}) -%}
    {%- endfor -%}
{%- endif %}

with

trading_days as (

    select * from {{ ref('stg_raw__trading_days') }}

),

positions as (

    select * from {{ ref('int_positions_enriched') }}

),

prices as (

    select * from {{ ref('stg_raw__prices_daily') }}

),

books as (

    {{ book_fingerprints() }}

),

loaded as (

    select
        min(session_date) as start_date,
        max(session_date) as as_of_date

    from trading_days

),

{% if state.get('books') and state.get('window') and state.get('prices') %}

previous_books as (

    select * from {{ state['books'] }}

),

previous_window as (

    select * from {{ state['window'] }}

),

revised_symbols as (

    select distinct coalesce(current_bars.symbol, previous_bars.symbol) as symbol

    from (
        select prices.symbol, prices.price_date, prices.close, prices.source
        from prices
        inner join trading_days
            on trading_days.session_date = prices.price_date
        where prices.price_date <= (select as_of_date from previous_window)
    ) as current_bars
    full outer join (
        select symbol, price_date, close, source
        from {{ state['prices'] }}
        where price_date >= (select start_date from loaded)
    ) as previous_bars
        on previous_bars.symbol = current_bars.symbol
        and previous_bars.price_date = current_bars.price_date
    where current_bars.symbol is null
       or previous_bars.symbol is null
       or current_bars.close <> previous_bars.close
       or current_bars.source is distinct from previous_bars.source

),

changes as (

    select 'all' as change_kind, cast(null as bigint) as portfolio_id,
           cast(null as date) as since_date
    from loaded
    cross join previous_window
    where loaded.as_of_date < previous_window.as_of_date
       or loaded.start_date < previous_window.start_date
       or previous_window.snapshot_days <> {{ var('snapshot_days') }}

    union all

    select 'removed', previous_books.portfolio_id, cast(null as date)
    from previous_books
    where not exists (
        select 1 from books where books.portfolio_id = previous_books.portfolio_id)

    union all

    select 'rebuild', books.portfolio_id, cast(null as date)
    from books
    left join previous_books
        on previous_books.portfolio_id = books.portfolio_id
    where previous_books.portfolio_id is null
       or previous_books.book_fingerprint <> books.book_fingerprint

    union all

    -- valued before the new first session, and its first month cannot be revalued alone
    select distinct 'rebuild', positions.portfolio_id, cast(null as date)
    from positions
    cross join loaded
    cross join previous_window
    where positions.entry_date < loaded.start_date
      and (positions.expiry_date is null or positions.expiry_date >= loaded.start_date)
      and exists (
          select 1 from {{ state['prices'] }} as previous_bars
          where previous_bars.symbol = positions.symbol
            and previous_bars.price_date >= positions.entry_date
            and previous_bars.price_date < loaded.start_date)
      and (
          {{ dbt.date_trunc('year', 'loaded.start_date') }}
              > {{ dbt.date_trunc('year', 'previous_window.start_date') }}
          or {{ history_head_end('loaded.start_date') }} > previous_window.as_of_date
          or not exists (
              select 1
              from prices
              inner join trading_days
                  on trading_days.session_date = prices.price_date
              where prices.symbol = positions.symbol
                and prices.price_date < {{ history_head_end('loaded.start_date') }}
                and (positions.expiry_date is null
                     or prices.price_date <= positions.expiry_date))
      )

    union all

    select 'start_moved', cast(null as bigint), previous_window.start_date
    from loaded
    cross join previous_window
    where loaded.start_date > previous_window.start_date

    union all

    select distinct 'rebuild', positions.portfolio_id, cast(null as date)
    from positions
    inner join revised_symbols
        on revised_symbols.symbol = positions.symbol

    union all

    select 'sessions', cast(null as bigint), min(trading_days.session_date)
    from trading_days
    where trading_days.session_date > (select as_of_date from previous_window)
    having count(*) > 0

)

{% else %}

changes as (

    select 'all' as change_kind, cast(null as bigint) as portfolio_id,
           cast(null as date) as since_date

)

{% endif %}

select distinct
    {{ build_run_started_at() }} as built_at,
    cast(change_kind as {{ text_type() }}) as change_kind,
    cast(portfolio_id as bigint) as portfolio_id,
    cast(since_date as date) as since_date,
    cast(null as {{ text_type() }}) as model_name

from changes
