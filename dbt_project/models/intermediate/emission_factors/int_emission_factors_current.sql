{#
    The input of the SCD2 snapshot snp_emission_factors: ONE current row per (fuel, region, scope) = the
    version with the latest effective date (valid_from, business time) among the published seed rows and the
    optional var emission_factor_overrides (a list of {fuel, region, scope, g_co2eq_per_kwh, valid_from,
    source, source_url, comment}; at the same valid_from an override wins). The snapshot uses the timestamp
    strategy with updated_at = valid_from, so its dbt_valid_from / dbt_valid_to are business validity.
#}
{%- set overrides = var('emission_factor_overrides', []) -%}

with

published as (
    select
        fuel,
        region,
        scope,
        g_co2eq_per_kwh,
        valid_from,
        source,
        source_url,
        comment,
        2 as precedence
    from {{ ref('emission_factors_published') }}
),

{%- if overrides %}

overrides as (
    {%- for override in overrides %}
        select
            {{ sql_literal(override['fuel']) }}::text as fuel,
            {{ sql_literal(override['region']) }}::text as region,
            {{ sql_literal(override['scope']) }}::text as scope,
            {{ sql_literal(override['g_co2eq_per_kwh']) }}::numeric as g_co2eq_per_kwh,
            {{ sql_literal(override['valid_from']) }}::timestamptz as valid_from,
            {{ sql_literal(override.get('source', 'emission_factor_overrides var')) }}::text as source,
            {{ sql_literal(override.get('source_url')) }}::text as source_url,
            {{ sql_literal(override.get('comment')) }}::text as comment,
            1 as precedence
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),
{%- endif %}

versions as (
    select * from published
    {%- if overrides %}
        union all
        select * from overrides
    {%- endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by fuel, region, scope
            order by valid_from desc, precedence asc
        ) as recency
    from versions
)

select
    fuel,
    region,
    scope,
    g_co2eq_per_kwh,
    valid_from,
    source,
    source_url,
    comment
from ranked
where recency = 1
