{#-
    Pre-hook of marts that aggregate millions of position-days. PostgreSQL: fresh
    statistics of the inputs (dbt's `create table as` leaves none, so the planner
    guesses billions of rows and spills to disk) and enough work_mem for in-memory
    hash joins and sorts, for this transaction only. DuckDB needs neither.
-#}
{% macro bulk_aggregation_settings(relations) %}
    {{ return(adapter.dispatch('bulk_aggregation_settings')(relations)) }}
{% endmacro %}

{% macro postgres__bulk_aggregation_settings(relations) %}
    set local work_mem = '256MB';
    {% for relation in relations %}
    analyze {{ relation }};
    {% endfor %}
{% endmacro %}

{% macro default__bulk_aggregation_settings(relations) %}
    select 1
{% endmacro %}
