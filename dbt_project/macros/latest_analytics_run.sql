{#- The rows of an analytics table that belong to its latest as-of date (the latest risk run). -#}
{% macro latest_analytics_run(table_name) %}
    select *
    from {{ source('analytics', table_name) }}
    where as_of_date = (select max(as_of_date) from {{ source('analytics', table_name) }})
{% endmacro %}
