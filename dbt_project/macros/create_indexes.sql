{#- The marts' `indexes` config (dbt_project.yml) serves PostgreSQL, where the API reads one
    portfolio out of many. DuckDB scans columns with zone maps and would only pay for ART
    indexes on every rebuild: no indexes there. -#}
{% macro duckdb__create_indexes(relation) -%}
{%- endmacro %}
