{#- The latest run's rows of analytics.factor_risk_contributions; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__factor_risk_contributions')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        factor,
        dollar_exposure,
        exposure,
        variance_contribution,
        risk_contribution,
        share_of_factor_risk

    from source_rows

)

select * from final
