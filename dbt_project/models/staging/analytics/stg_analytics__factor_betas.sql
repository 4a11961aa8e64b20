{#- analytics.factor_betas (written by the risk step, flows/risk_step.py) with the
    marts' types; one row per security per factor ETF per risk run (as_of_date). -#}

with

source as (

    select * from {{ source('analytics', 'factor_betas') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(symbol as varchar) as symbol,
        cast(factor as varchar) as factor,
        cast(factor_name as varchar) as factor_name,
        cast(beta as double precision) as beta,
        cast(alpha as double precision) as alpha,
        cast(std_error as double precision) as std_error,
        cast(t_stat as double precision) as t_stat,
        cast(r_squared as double precision) as r_squared,
        cast(n_obs as integer) as n_obs,
        cast(window_returns as integer) as window_returns,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(quality_flag as varchar) as quality_flag,
        cast(computed_at as timestamp) as computed_at

    from source

)

select * from renamed
