{#-
    Fails for every combination of `combination_of_columns` that occurs more than
    once in `model` (the grain of a table keyed by several columns).
-#}
{% test unique_combination(model, combination_of_columns) %}

{%- set columns = combination_of_columns | join(', ') %}

select
    {{ columns }},
    count(*) as n_rows

from {{ model }}
group by {{ columns }}
having count(*) > 1

{% endtest %}
