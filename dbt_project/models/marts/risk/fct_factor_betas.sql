{#-
    One row per security (every held position's underlying) per factor ETF on the latest
    risk run: univariate OLS with intercept of the security's simple daily returns on
    the factor's over the last 60 sessions ending at the as-of date (pairwise). beta =
    Cov/Var; std_error, t_stat and r_squared as statsmodels OLS. Fewer than 20 paired
    returns: NULL numbers with quality_flag 'insufficient_data'.
-#}

with

source_rows as (

    {{ latest_analytics_run(ref('stg_analytics__factor_betas')) }}

),

final as (

    select source_rows.*

    from source_rows

)

select * from final
