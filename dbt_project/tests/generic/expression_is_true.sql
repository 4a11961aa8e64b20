{#-
    Fails for every row of `model` where `expression` is not true (false or NULL).
    Use it for business rules, e.g. `abs(gross_exposure - (long_exposure - short_exposure)) <= 1e-6`.
-#}
{% test expression_is_true(model, expression) %}

select *

from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
