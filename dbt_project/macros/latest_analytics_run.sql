{#- The rows of an analytics staging model that belong to its latest as-of date (the
    latest risk run); `relation` is a ref('stg_analytics__...'). -#}
{% macro latest_analytics_run(relation) %}
    select *
    from {{ relation }}
    where as_of_date = (select max(as_of_date) from {{ relation }})
{% endmacro %}
