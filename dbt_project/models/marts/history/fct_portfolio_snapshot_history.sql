{#-
    Daily portfolio snapshots kept beyond the 90-session window, for 365 days.

    Incremental (delete+insert on portfolio_id + snapshot_date, portable on DuckDB and
    PostgreSQL): each build replaces the rows of every (portfolio, session) of the
    current window with today's fct_portfolio_snapshots, so a rerun of a day changes
    nothing and sessions that leave the window stay here. The post-hooks then
      1. make the window authoritative: a row dated inside the current window that the
         window no longer has (a book replaced, a portfolio deleted) is removed;
      2. apply the retention: rows dated more than 365 days before the as-of date
         (the latest snapshot_date of fct_portfolio_snapshots) are removed.
    The first is an anti-join (NOT EXISTS), which every engine hashes or merges: a
    NOT IN (subquery) runs on PostgreSQL as a subplan rescanned per row once the
    subquery exceeds work_mem (tests/dbt/test_hot_statements.py EXPLAINs it).
    full_refresh is off, so `dbt build --full-refresh` never drops the accumulated
    history (drop the table by hand to rebuild it from the window only).
    Spark (plain parquet: no DELETE): partitioned by snapshot_date and built with
    insert_overwrite, which replaces every partition (session) of the window whole, so
    the window is authoritative without the first hook; the retention drops the
    partitions older than 365 days (macro spark_drop_partitions_before).
-#}
{%- set spark = target.type == 'spark' -%}
{{
    config(
        materialized='incremental',
        unique_key=none if spark else ['portfolio_id', 'snapshot_date'],
        incremental_strategy='insert_overwrite' if spark else 'delete+insert',
        partition_by=['snapshot_date'] if spark else none,
        on_schema_change='fail',
        full_refresh=false,
        post_hook=["{{ spark_drop_partitions_before(this, 'snapshot_date',
                      var('snapshot_retention_days', 365), ref('fct_portfolio_snapshots')) }}"]
                  if spark else [
            "delete from {{ this }} as history
             where history.snapshot_date >= (
                   select min(snapshot_date) from {{ ref('fct_portfolio_snapshots') }})
               and not exists (
                   select 1 from {{ ref('fct_portfolio_snapshots') }} as window_row
                   where window_row.portfolio_id = history.portfolio_id
                     and window_row.snapshot_date = history.snapshot_date)",
            "delete from {{ this }}
             where snapshot_date < (
                 select {{ dbt.dateadd('day', -var('snapshot_retention_days', 365), 'max(snapshot_date)') }}
                 from {{ ref('fct_portfolio_snapshots') }})",
        ],
    )
}}

with

snapshots as (

    select * from {{ ref('fct_portfolio_snapshots') }}

)

select
    portfolio_id,
    snapshot_date,
    equity,
    market_value,
    long_exposure,
    short_exposure,
    gross_exposure,
    net_exposure,
    daily_pnl,
    mtd_pnl,
    ytd_pnl,
    cumulative_pnl,
    portfolio_value,
    previous_portfolio_value,
    daily_return,
    position_count,
    long_count,
    short_count,
    lc_count,
    lp_count,
    sc_count,
    sp_count

from snapshots
