-- SCD2 rule (DOMAIN 1.3.1): per (fuel, region, scope) the validity windows of dim_emission_factors neither
-- overlap nor leave gaps, and only the last window may be open. Returns the offending consecutive pairs.
with

windows as (
    select
        fuel,
        region,
        scope,
        valid_from,
        valid_to,
        lead(valid_from) over (partition by fuel, region, scope order by valid_from) as next_valid_from
    from {{ ref('dim_emission_factors') }}
)

select *
from windows
where
    valid_to <= valid_from
    or (next_valid_from is not null and valid_to is null)
    or (next_valid_from is not null and valid_to != next_valid_from)
