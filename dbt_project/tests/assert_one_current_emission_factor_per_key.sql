-- Exactly one open (current) version per (fuel, region, scope) in dim_emission_factors.
select
    fuel,
    region,
    scope,
    count(*) filter (where is_current) as n_current
from {{ ref('dim_emission_factors') }}
group by fuel, region, scope
having count(*) filter (where is_current) != 1
