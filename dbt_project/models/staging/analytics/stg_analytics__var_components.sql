{#- analytics.var_components (written by the risk step, flows/risk_step.py) with the
    marts' types; one row per portfolio per VaR component (position or tag) per risk run (as_of_date). -#}

with

source as (

    select * from {{ source('analytics', 'var_components') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(portfolio_id as bigint) as portfolio_id,
        cast(component_level as {{ text_type() }}) as component_level,
        cast(component_key as {{ text_type() }}) as component_key,
        cast(position_id as bigint) as position_id,
        cast(symbol as {{ text_type() }}) as symbol,
        cast(underlying_symbol as {{ text_type() }}) as underlying_symbol,
        cast(tag_id as bigint) as tag_id,
        cast(tag_name as {{ text_type() }}) as tag_name,
        cast(delta_adjusted_exposure as {{ double_type() }}) as delta_adjusted_exposure,
        cast(marginal_var as {{ double_type() }}) as marginal_var,
        cast(component_var as {{ double_type() }}) as component_var,
        cast(share_of_var as {{ double_type() }}) as share_of_var,
        cast(n_positions as integer) as n_positions,
        cast(computed_at as timestamp) as computed_at

    from source

)

select * from renamed
