{#- The latest run's rows of analytics.factor_risk_contributions; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run('factor_risk_contributions') }}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(factor as varchar) as factor,
        cast(dollar_exposure as double precision) as dollar_exposure,
        cast(exposure as double precision) as exposure,
        cast(variance_contribution as double precision) as variance_contribution,
        cast(risk_contribution as double precision) as risk_contribution,
        cast(share_of_factor_risk as double precision) as share_of_factor_risk

    from source_rows

)

select * from final
