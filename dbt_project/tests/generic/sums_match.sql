{#-
    Fails for every key where a sum over `model` differs from a figure of
    `compare_model`: `keys` maps model columns to compare-model columns (the join),
    `sums` maps a model expression (summed per key) to a compare-model expression,
    `model_filter` filters the model rows first (`where` is taken by dbt's config).
    Keys missing on either side fail too; a key with no model rows sums to 0; a NULL
    expected figure passes only with a NULL sum.
    Tolerance: |sum - expected| <= tolerance * (1 + |expected|).
-#}
{% test sums_match(model, compare_model, keys, sums, model_filter=none, tolerance=1e-9) %}

{%- set model_keys = keys.keys() | list %}
{%- set compare_keys = keys.values() | list %}

with

model_sums as (

    select
        {% for key in model_keys %}{{ key }} as key_{{ loop.index }},{% endfor %}
        {% for expression in sums.keys() %}
        sum({{ expression }}) as total_{{ loop.index }}{{ "," if not loop.last }}
        {% endfor %}

    from {{ model }}
    {% if model_filter %}where {{ model_filter }}{% endif %}
    group by {% for key in model_keys %}{{ key }}{{ ", " if not loop.last }}{% endfor %}

),

expected as (

    select
        {% for key in compare_keys %}{{ key }} as key_{{ loop.index }},{% endfor %}
        {% for expression in sums.values() %}
        {{ expression }} as expected_{{ loop.index }}{{ "," if not loop.last }}
        {% endfor %}

    from {{ compare_model }}

),

compared as (

    select
        {% for key in model_keys %}
        expected.key_{{ loop.index }} as expected_key_{{ loop.index }},
        model_sums.key_{{ loop.index }} as model_key_{{ loop.index }},
        {% endfor %}
        {% for expression in sums.keys() %}
        model_sums.total_{{ loop.index }},
        expected.expected_{{ loop.index }}{{ "," if not loop.last }}
        {% endfor %}

    from expected
    full outer join model_sums
        on {% for key in model_keys %}expected.key_{{ loop.index }} = model_sums.key_{{ loop.index }}{{ " and " if not loop.last }}{% endfor %}

)

select *

from compared
where expected_key_1 is null
    {% for expression in sums.keys() %}
    or case
        when expected_{{ loop.index }} is null then total_{{ loop.index }} is not null
        else abs(coalesce(total_{{ loop.index }}, 0) - expected_{{ loop.index }})
            > {{ tolerance }} * (1 + abs(expected_{{ loop.index }}))
    end
    {% endfor %}

{% endtest %}
