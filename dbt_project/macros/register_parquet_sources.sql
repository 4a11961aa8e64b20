{#-
    on-run-start, Spark only: every declared source (app.*, raw.*, analytics.*) as an
    external parquet table over the copy the bridge exported from the ingest warehouse
    (ingest/warehouse/parquet_bridge.py: <SIGMASIGHT_SPARK_DIR>/sources/<schema>/<table>/).
    Re-created each run, so a table always shows the latest export. DuckDB and
    PostgreSQL read their own tables: nothing to do there.
-#}
{% macro register_parquet_sources() %}
    {{ return(adapter.dispatch('register_parquet_sources', 'sigmasight')()) }}
{% endmacro %}

{% macro default__register_parquet_sources() %}
{% endmacro %}

{% macro spark__register_parquet_sources() %}
    {% if execute %}
        {% set root = env_var('SIGMASIGHT_SPARK_DIR', 'data/spark') ~ '/sources' %}
        {% for source in graph.sources.values() %}
            {% set table = source.schema ~ '.' ~ source.identifier %}
            {% do run_query('create schema if not exists ' ~ source.schema) %}
            {% do run_query('drop table if exists ' ~ table) %}
            {% do run_query('create table ' ~ table ~ " using parquet location '"
                            ~ root ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ "'") %}
        {% endfor %}
    {% endif %}
{% endmacro %}
