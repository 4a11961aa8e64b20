{#- on-run-end: tell the API's response cache (api/data_version.py, scope 0 = marts)
    that the marts changed. -#}
{% macro bump_data_version() %}
    insert into app.data_version (id, version, updated_at)
    values (0, 1, current_timestamp)
    on conflict (id) do update set version = app.data_version.version + 1,
        updated_at = excluded.updated_at
{% endmacro %}
