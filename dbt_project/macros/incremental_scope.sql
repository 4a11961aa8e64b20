{#-
    What an incremental model must rebuild: the entries of the build log
    (int_build_changes) it has not consumed yet.

    Each incremental model records, in a post-hook in its own transaction, that it
    consumed the log up to this invocation (`consume_build_changes`: a row
    change_kind = 'consumed' with its name and the invocation's run_started_at). The
    entries it has not consumed are those logged after its last 'consumed' row — so a
    model that failed (or was not selected) in a run catches up with every change since
    its own last build, and stage 2 sees what stage 1 logged. Kinds:
      all       everything (first build, a full refresh, the window moved back);
      rebuild   a portfolio whose book, security terms, tags, equity or price history
                changed, or whose history start moved past its first valued session;
      removed   a portfolio that is gone (deleted or held out by the quarantine);
      sessions  sessions from since_date on are new (the daily update);
      start_moved  the loaded history's first session moved on from since_date (the
                previous first session): int_position_values_daily values the first
                month of the new history again (macros/history_start.sql).
    A model that never consumed the log (no 'consumed' row) rebuilds everything.
-#}

{% macro build_run_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The log entries this model has not consumed yet. -#}
{% macro unconsumed_build_changes() %}
    select build_log.*
    from {{ ref('int_build_changes') }} as build_log
    where build_log.change_kind <> 'consumed'
      and build_log.built_at > coalesce(
          (select max(consumed.built_at) from {{ ref('int_build_changes') }} as consumed
           where consumed.change_kind = 'consumed'
             and consumed.model_name = '{{ this.identifier }}'),
          cast('1900-01-01' as timestamp))
{% endmacro %}

{#- One row: rebuild_all (boolean), since_date (first new session, or NULL) and
    previous_start (the loaded history's former first session when it moved, or NULL). -#}
{% macro build_scope() %}
    select
        (
            coalesce(max(case when change_kind = 'all' then 1 else 0 end), 0) = 1
            or not exists (
                select 1 from {{ ref('int_build_changes') }} as consumed
                where consumed.change_kind = 'consumed'
                  and consumed.model_name = '{{ this.identifier }}')
        ) as rebuild_all,
        min(case when change_kind = 'sessions' then since_date end) as since_date,
        min(case when change_kind = 'start_moved' then since_date end) as previous_start
    from ({{ unconsumed_build_changes() }}) as unconsumed
{% endmacro %}

{#- Portfolios to rebuild or remove (every stored one when rebuild_all). -#}
{% macro rebuilt_portfolios() %}
    select portfolio_id
    from ({{ unconsumed_build_changes() }}) as unconsumed
    where change_kind in ('rebuild', 'removed')
    union
    select stored.portfolio_id
    from {{ this }} as stored
    where (select rebuild_all from ({{ build_scope() }}) as scope)
{% endmacro %}

{#-
    Pre-hook of an incremental model: delete the rows of the portfolios it rebuilds or
    removes and, with `date_column` and `first_date`, the rows dated before
    `first_date` (a SQL expression: sessions that left the loaded history or window).
    A no-op on a first build or a full refresh.
-#}
{% macro delete_rebuilt_rows(date_column=none, first_date=none) %}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where portfolio_id in ({{ rebuilt_portfolios() }})
    {%- if date_column %}
       or {{ date_column }} < ({{ first_date }})
    {%- endif %}
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}

{#- Post-hook of an incremental model: it consumed the build log up to this run. On
    Spark (plain parquet, no DELETE) these models are tables rebuilt whole: no mark. -#}
{% macro consume_build_changes() %}
    {%- if target.type == 'spark' -%}
    select 1
    {%- else -%}
    insert into {{ ref('int_build_changes') }}
        (built_at, change_kind, portfolio_id, since_date, model_name)
    values ({{ build_run_started_at() }}, 'consumed', null, null, '{{ this.identifier }}')
    {%- endif -%}
{% endmacro %}

{#- The first session of the snapshot window. -#}
{% macro snapshot_window_start() %}
    select min(session_date) from {{ ref('stg_raw__trading_days') }}
    where session_index < {{ var('snapshot_days') }}
{% endmacro %}
