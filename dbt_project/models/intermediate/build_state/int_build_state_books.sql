{#-
    The books as the last build saw them, read by the next build's change detection
    (int_build_changes): one row per portfolio with its book fingerprint and the first
    session of its rows in int_position_values_daily (NULL when none is valued). Built
    after int_build_changes and int_position_values_daily.
-#}

with

books as (

    {{ book_fingerprints() }}

),

first_sessions as (

    select
        portfolio_id,
        min(valuation_date) as first_valuation_date

    from {{ ref('int_position_values_daily') }}
    group by portfolio_id

),

-- the build log this state follows (so this model is built after it)
build_log as (

    select max(built_at) as built_at from {{ ref('int_build_changes') }}

)

select
    cast(books.portfolio_id as bigint) as portfolio_id,
    cast(books.book_fingerprint as varchar) as book_fingerprint,
    cast(first_sessions.first_valuation_date as date) as first_valuation_date,
    cast(build_log.built_at as timestamp) as built_at

from books
cross join build_log
left join first_sessions
    on first_sessions.portfolio_id = books.portfolio_id
