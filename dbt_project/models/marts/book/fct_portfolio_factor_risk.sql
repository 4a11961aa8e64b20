{#- The latest run's rows of analytics.portfolio_factor_risk; units and signs in the model's yml. -#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__portfolio_factor_risk')) }}

),

final as (

    select
        as_of_date,
        portfolio_id,
        equity,
        factor_variance,
        specific_variance,
        total_variance,
        factor_risk,
        specific_risk,
        total_risk,
        factor_risk_fraction,
        specific_risk_fraction,
        total_risk_fraction,
        n_securities,
        n_securities_excluded,
        excluded_exposure,
        quality_flag

    from source_rows

)

select * from final
