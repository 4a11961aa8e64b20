{#-
    The two type names the models cast to, per engine. DuckDB and PostgreSQL keep the
    names the contracts declare (`double precision`, length-less `varchar`); Spark SQL
    has neither and calls them `double` and `string`.
-#}
{% macro double_type() -%}
    {{ return(adapter.dispatch('double_type', 'sigmasight')()) }}
{%- endmacro %}

{% macro default__double_type() -%}
    double precision
{%- endmacro %}

{% macro spark__double_type() -%}
    double
{%- endmacro %}

{% macro text_type() -%}
    {{ return(adapter.dispatch('text_type', 'sigmasight')()) }}
{%- endmacro %}

{% macro default__text_type() -%}
    varchar
{%- endmacro %}

{% macro spark__text_type() -%}
    string
{%- endmacro %}

{#- Spark: a contract's `data_type` (written for DuckDB and PostgreSQL) in Spark SQL's
    spelling, so dbt's contract check (`cast(null as <data_type>)`, dbt's `cast` macro)
    parses there too. -#}
{% macro spark_type_name(data_type) -%}
    {%- set name = data_type | trim | lower -%}
    {{- {'double precision': 'double', 'varchar': 'string', 'text': 'string'}.get(name, name) -}}
{%- endmacro %}

{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type_name(type) }})
{%- endmacro %}
