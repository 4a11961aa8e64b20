{#- analytics.factor_betas (written by the risk step, flows/risk_step.py) with the
    marts' types; one row per security per factor ETF per risk run (as_of_date). -#}

with

source as (

    select * from {{ source('analytics', 'factor_betas') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(factor as {{ text_type() }}) as factor,
        cast(factor_name as {{ text_type() }}) as factor_name,
        cast(beta as {{ double_type() }}) as beta,
        cast(alpha as {{ double_type() }}) as alpha,
        cast(std_error as {{ double_type() }}) as std_error,
        cast(t_stat as {{ double_type() }}) as t_stat,
        cast(r_squared as {{ double_type() }}) as r_squared,
        cast(n_obs as integer) as n_obs,
        cast(window_returns as integer) as window_returns,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(quality_flag as {{ text_type() }}) as quality_flag,
        cast(computed_at as timestamp) as computed_at

    from source

)

select * from renamed
