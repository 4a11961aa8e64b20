{#-
    True when the whole of `expression` matches the regular expression `pattern`
    (POSIX-style classes and {m,n} only, so the pattern means the same everywhere).
    DuckDB: regexp_full_match(); PostgreSQL: the ~ operator with anchors.
-#}
{% macro regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'sigmasight')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}
