{#-
    The loaded history as the last build saw it (one row): its first and last session
    and the snapshot window length, read by the next build's change detection.
-#}

with

trading_days as (

    select * from {{ ref('stg_raw__trading_days') }}

),

build_log as (

    select max(built_at) as built_at from {{ ref('int_build_changes') }}

)

select
    cast(min(trading_days.session_date) as date) as start_date,
    cast(max(trading_days.session_date) as date) as as_of_date,
    cast({{ var('snapshot_days') }} as integer) as snapshot_days,
    cast(max(build_log.built_at) as timestamp) as built_at

from trading_days
cross join build_log
