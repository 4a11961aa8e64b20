{#-
    Spark post-hook (plain parquet tables have no DELETE): the retention of a table
    partitioned by the date `column`. Drops every partition dated more than `days` days
    before the latest `column` of `window` (the relation the table accumulates), in one
    `alter table … drop partition` statement; renders nothing when none is that old.
-#}
{% macro spark_drop_partitions_before(relation, column, days, window) %}
    {% if execute %}
        {% set latest = run_query(
            'select cast(date_add(max(' ~ column ~ '), -' ~ days ~ ') as string) from '
            ~ window).columns[0].values()[0] %}
        {% set old = [] %}
        {% if latest is not none %}
            {% for row in run_query('show partitions ' ~ relation) %}
                {% set day = row[0].split('=')[1] %}
                {% if day < latest %}
                    {% do old.append("partition (" ~ column ~ " = date'" ~ day ~ "')") %}
                {% endif %}
            {% endfor %}
        {% endif %}
        {% if old %}
            alter table {{ relation }} drop if exists {{ old | join(', ') }}
        {% endif %}
    {% endif %}
{% endmacro %}
