{#-
    One row per security (every held position's underlying) per factor ETF on the latest
    risk run: univariate OLS with intercept of the security's simple daily returns on
    the factor's over the last 60 sessions ending at the as-of date (pairwise). beta =
    Cov/Var; std_error, t_stat and r_squared as statsmodels OLS. Fewer than 20 paired
    returns: NULL numbers with quality_flag 'insufficient_data'.
-#}

with

source_rows as (

    {{ latest_analytics_run('factor_betas') }}

),

final as (

    select
        cast(source_rows.as_of_date as date) as as_of_date,
        cast(source_rows.symbol as varchar) as symbol,
        cast(source_rows.factor as varchar) as factor,
        cast(source_rows.factor_name as varchar) as factor_name,
        cast(source_rows.beta as double precision) as beta,
        cast(source_rows.alpha as double precision) as alpha,
        cast(source_rows.std_error as double precision) as std_error,
        cast(source_rows.t_stat as double precision) as t_stat,
        cast(source_rows.r_squared as double precision) as r_squared,
        cast(source_rows.n_obs as integer) as n_obs,
        cast(source_rows.window_returns as integer) as window_returns,
        cast(source_rows.window_start as date) as window_start,
        cast(source_rows.window_end as date) as window_end,
        cast(source_rows.quality_flag as varchar) as quality_flag,
        cast(source_rows.computed_at as timestamp) as computed_at

    from source_rows

)

select * from final
