{#-
    The scope of an incremental build of int_position_values_daily (CTEs after its
    `positions`, `prices` and `trading_days`; macros/incremental_scope.sql reads the
    build log). Three kinds of rows are valued:

    - segment 0, from the entry over every session: the positions of rebuilt portfolios
      (every position on a first build or full refresh) and positions with no stored
      row to go on from (not valued yet);
    - segment 0, from the new first session to the end of its month: positions entered
      before it when the loaded history's start moved (macros/history_start.sql);
    - segment 1, the new sessions of every other position, after a seed row (its stored
      row of the session before them: is_seed), which carries its close forward and
      starts the running MTD / YTD at the stored sums. Seed rows are not kept.
-#}
{% macro position_values_scope() %}
{%- if is_incremental() %}

scope as (

    {{ build_scope() }}

),

rebuilt as (

    {{ rebuilt_portfolios() }}

),

history as (

    select
        min(session_date) as start_date,
        {{ history_head_end('min(session_date)') }} as head_end

    from trading_days

),

-- the stored rows of the session before the new ones, of the positions not rebuilt
seeds as (

    select stored.*

    from {{ this }} as stored
    where stored.valuation_date = (
        select max(session_date) from trading_days
        where session_date < (select since_date from scope))
      and not exists (
          select 1 from rebuilt where rebuilt.portfolio_id = stored.portfolio_id)

),

flagged_positions as (

    select
        positions.*,
        positions.portfolio_id in (select portfolio_id from rebuilt)
            or (select rebuild_all from scope) as is_rebuilt,
        seeds.position_id is not null as has_seed,
        (select previous_start from scope) is not null
            and positions.entry_date < (select start_date from history)
            and (positions.expiry_date is null
                 or positions.expiry_date >= (select start_date from history))
            as is_head

    from positions
    left join seeds
        on seeds.position_id = positions.position_id

),

scoped_positions as (

    select *

    from flagged_positions
    where is_rebuilt
       or is_head
       -- not rebuilt: a position with a stored row goes on from it; one without
       -- (not valued yet) is valued from its entry
       or ((select since_date from scope) is not null
           and (expiry_date is null or expiry_date >= (select since_date from scope)))

),

{%- else %}

scoped_positions as (

    select
        positions.*,
        false as has_seed,
        false as is_head

    from positions

),

{%- endif %}
{% endmacro %}

{#- 1 for a session valued after a seed row, else 0. -#}
{% macro position_values_segment(positions, session_date) -%}
    {%- if is_incremental() -%}
    case when {{ positions }}.has_seed
              and {{ session_date }} >= (select since_date from scope) then 1 else 0 end
    {%- else -%}
    0
    {%- endif -%}
{%- endmacro %}

{#- The sessions a scoped position is valued on, then the seed rows (incremental). -#}
{% macro position_values_seed_rows(positions, session_date) %}
    {%- if is_incremental() %}
    where not {{ positions }}.has_seed
       or {{ session_date }} >= (select since_date from scope)
       or ({{ positions }}.is_head and {{ session_date }} < (select head_end from history))

    union all

    -- the seed row: carries its close forward and its MTD / YTD into the new rows
    select
        positions.position_id,
        positions.portfolio_id,
        positions.quantity,
        positions.entry_price,
        positions.multiplier,
        seeds.valuation_date,
        seeds.price as bar_close,
        seeds.price_source as bar_source,
        seeds.price_date as bar_date,
        true as is_seed,
        seeds.mtd_pnl as seed_mtd_pnl,
        seeds.ytd_pnl as seed_ytd_pnl,
        1 as segment

    from scoped_positions as positions
    inner join seeds
        on seeds.position_id = positions.position_id
    {%- endif %}
{% endmacro %}
