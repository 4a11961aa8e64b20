{#-
    The books as the last build saw them, read by the next build's change detection
    (int_build_changes): one row per portfolio with its book fingerprint.
-#}

with

books as (

    {{ book_fingerprints() }}

),

-- the build log this state follows (so this model is built after it)
build_log as (

    select max(built_at) as built_at from {{ ref('int_build_changes') }}

)

select
    cast(books.portfolio_id as bigint) as portfolio_id,
    cast(books.book_fingerprint as {{ text_type() }}) as book_fingerprint,
    cast(build_log.built_at as timestamp) as built_at

from books
cross join build_log
