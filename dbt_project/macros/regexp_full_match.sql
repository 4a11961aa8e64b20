{#-
    True when the whole of `expression` matches the regular expression `pattern`
    (POSIX-style classes and {m,n} only, so the pattern means the same everywhere).
    DuckDB: regexp_full_match(); PostgreSQL: the ~ operator with anchors; Spark: rlike
    (Java patterns, which read these classes the same way) with anchors.
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

{% macro spark__regexp_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}
