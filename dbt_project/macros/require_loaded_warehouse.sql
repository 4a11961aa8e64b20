{#- on-run-start: stop with a clear message when the raw tables were never loaded. -#}
{% macro require_loaded_warehouse() %}
    {% if execute %}
        {% set prices = adapter.get_relation(
            database=target.database, schema='raw', identifier='prices_daily') %}
        {% if prices is none %}
            {{ exceptions.raise_compiler_error(
                "The warehouse at target '" ~ target.name ~ "' has no raw tables yet. "
                ~ "Load it first: `make demo` (DuckDB) or run the pipeline "
                ~ "(python -m api.demo) against this target.") }}
        {% endif %}
    {% endif %}
{% endmacro %}
