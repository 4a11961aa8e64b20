{#- on-run-end: tell the API's response cache (ingest/warehouse/data_version.py, scope 0 = marts)
    that the marts changed. On PostgreSQL the same transaction also notifies the API
    processes' listeners (channel sigmasight_data_version, payload '0'; delivered at
    commit); DuckDB has no NOTIFY (its only writer process forgets on its own). On Spark
    the app tables are read-only parquet copies: the publish step
    (ingest/warehouse/parquet_bridge.py) bumps the serving warehouse instead. -#}
{% macro bump_data_version() %}
    {{ return(adapter.dispatch('bump_data_version')()) }}
{% endmacro %}

{% macro default__bump_data_version() %}
    insert into app.data_version (id, version, updated_at)
    values (0, 1, current_timestamp)
    on conflict (id) do update set version = app.data_version.version + 1,
        updated_at = excluded.updated_at
{% endmacro %}

{% macro postgres__bump_data_version() %}
    {{ default__bump_data_version() }};
    select pg_notify('sigmasight_data_version', '0')
{% endmacro %}

{% macro spark__bump_data_version() %}
{% endmacro %}
