{#-
    When the loaded history's first session moves on (the daily update drops the
    sessions before calendar.history_start), a position valued before the new first
    session s gets a new first row — its previous price is the entry price again — so
    its rows of s's month change (daily P&L of the first row, MTD); later months keep
    their MTD, and YTD is the same telescoping sum q·m·(p_t − entry) from any first row
    of the same year. int_position_values_daily therefore values the sessions from s
    to the end of s's month again, from the entry, for every position entered before
    s (`history_head_end` is the first day after that month). int_build_changes
    rebuilds instead the portfolios where that is not enough: the start moved into a
    new year (YTD restarts), a position has no close in the rest of s's month, or the
    month reaches the new sessions.
-#}

{%- macro history_head_end(start_date) -%}
    {{ dbt.dateadd('month', 1, dbt.date_trunc('month', start_date)) }}
{%- endmacro %}

{#- Pre-hook of int_position_values_daily: delete the head rows valued again (a session
    of the new first month without a close before the position's first new close has
    no row any more). A no-op unless the start moved. -#}
{% macro delete_history_head_rows() %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where (select previous_start from ({{ build_scope() }}) as scope) is not null
      and valuation_date < (
          select {{ history_head_end('min(session_date)') }}
          from {{ ref('stg_raw__trading_days') }})
      and position_id in (
          select position_id from {{ ref('int_positions_enriched') }}
          where entry_date < (select min(session_date) from {{ ref('stg_raw__trading_days') }}))
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}
