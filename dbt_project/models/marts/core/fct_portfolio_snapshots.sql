{#-
    One row per portfolio per session of the snapshot window.

    Incremental (delete+insert by portfolio_id; the scope comes from the build log,
    macros/incremental_scope.sql): rebuilt portfolios, and on new sessions every
    portfolio (the window moved), are copied again; rows of removed portfolios, of
    sessions that left the window and of portfolios no longer in
    int_portfolio_values_daily are deleted.
-#}
{{
    config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        unique_key='portfolio_id',
        pre_hook="{{ delete_rebuilt_rows('snapshot_date', snapshot_window_start()) }}",
        post_hook=[
            "{% if is_incremental() %}
             delete from {{ this }} as snapshots
             where not exists (
                 select 1 from {{ ref('int_portfolio_values_daily') }} as portfolio_values
                 where portfolio_values.portfolio_id = snapshots.portfolio_id)
             {% else %} select 1 {% endif %}",
            "{{ consume_build_changes() }}",
        ],
    )
}}
-- depends_on: {{ ref('int_build_changes') }}

with

portfolio_values as (

    select * from {{ ref('int_portfolio_values_daily') }}

),

{%- if is_incremental() %}

scope as (

    {{ build_scope() }}

),

rebuilt as (

    {{ rebuilt_portfolios() }}

),

{%- endif %}

final as (

    select
        cast(portfolio_id as bigint) as portfolio_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(equity as {{ double_type() }}) as equity,
        cast(market_value as {{ double_type() }}) as market_value,
        cast(long_exposure as {{ double_type() }}) as long_exposure,
        cast(short_exposure as {{ double_type() }}) as short_exposure,
        cast(gross_exposure as {{ double_type() }}) as gross_exposure,
        cast(net_exposure as {{ double_type() }}) as net_exposure,
        cast(daily_pnl as {{ double_type() }}) as daily_pnl,
        cast(mtd_pnl as {{ double_type() }}) as mtd_pnl,
        cast(ytd_pnl as {{ double_type() }}) as ytd_pnl,
        cast(cumulative_pnl as {{ double_type() }}) as cumulative_pnl,
        cast(portfolio_value as {{ double_type() }}) as portfolio_value,
        cast(previous_portfolio_value as {{ double_type() }}) as previous_portfolio_value,
        cast(daily_return as {{ double_type() }}) as daily_return,
        cast(position_count as integer) as position_count,
        cast(stale_position_count as integer) as stale_position_count,
        cast(long_count as integer) as long_count,
        cast(short_count as integer) as short_count,
        cast(lc_count as integer) as lc_count,
        cast(lp_count as integer) as lp_count,
        cast(sc_count as integer) as sc_count,
        cast(sp_count as integer) as sp_count

    from portfolio_values
    {%- if is_incremental() %}
    where (select rebuild_all from scope)
       or (select since_date from scope) is not null
       or portfolio_values.portfolio_id in (select portfolio_id from rebuilt)
    {%- endif %}

)

select * from final
