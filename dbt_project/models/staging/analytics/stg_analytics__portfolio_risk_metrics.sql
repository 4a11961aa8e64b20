{#- analytics.portfolio_risk_metrics (written by the risk step, flows/risk_step.py) with the
    marts' types; one row per portfolio per risk run (as_of_date). -#}

with

source as (

    select * from {{ source('analytics', 'portfolio_risk_metrics') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(n_returns as integer) as n_returns,
        cast(first_return_date as date) as first_return_date,
        cast(last_return_date as date) as last_return_date,
        cast(volatility as {{ double_type() }}) as volatility,
        cast(sharpe_ratio as {{ double_type() }}) as sharpe_ratio,
        cast(risk_free_annual as {{ double_type() }}) as risk_free_annual,
        cast(risk_free_daily as {{ double_type() }}) as risk_free_daily,
        cast(max_drawdown as {{ double_type() }}) as max_drawdown,
        cast(beta as {{ double_type() }}) as beta,
        cast(beta_n_obs as integer) as beta_n_obs,
        cast(var_95 as {{ double_type() }}) as var_95,
        cast(es_95 as {{ double_type() }}) as es_95,
        cast(portfolio_value as {{ double_type() }}) as portfolio_value,
        cast(var_95_dollars as {{ double_type() }}) as var_95_dollars,
        cast(es_95_dollars as {{ double_type() }}) as es_95_dollars,
        cast(parametric_sigma as {{ double_type() }}) as parametric_sigma,
        cast(parametric_var_95 as {{ double_type() }}) as parametric_var_95,
        cast(parametric_var_95_fraction as {{ double_type() }}) as parametric_var_95_fraction,
        cast(var_z as {{ double_type() }}) as var_z,
        cast(var_window_returns as integer) as var_window_returns,
        cast(var_n_securities as integer) as var_n_securities,
        cast(var_n_positions_excluded as integer) as var_n_positions_excluded,
        cast(confidence as {{ double_type() }}) as confidence,
        cast(horizon_days as integer) as horizon_days,
        cast(quality_flag as {{ text_type() }}) as quality_flag,
        cast(computed_at as timestamp) as computed_at

    from source

)

select * from renamed
