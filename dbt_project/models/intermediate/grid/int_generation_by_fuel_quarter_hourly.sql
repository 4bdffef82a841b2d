-- Generation per region, quarter-hour and canonical fuel (SMARD quarterhour series), DOMAIN §0, §4.3, §4.8.
-- Several source series mapping to one fuel are summed; a fuel is published only if all its series are.
with smard_quarter_hours as (
    select
        region,
        interval_start_utc,
        interval_end_utc,
        fuel,
        raw_generation_mwh,
        generation_mwh,
        is_published,
        is_negative_clamped,
        is_unknown_fuel
    from {{ ref('stg_smard__generation') }}
    where resolution = 'PT15M' and counts_as_generation
),

fuels_per_quarter_hour as (
    select
        region,
        interval_start_utc,
        fuel,
        max(interval_end_utc) as interval_end_utc,
        sum(generation_mwh) as generation_mwh,
        sum(raw_generation_mwh) as raw_generation_mwh,
        bool_and(is_published) as is_published,
        bool_or(is_negative_clamped) as is_negative_clamped,
        bool_or(is_unknown_fuel) as is_unknown_fuel
    from smard_quarter_hours
    group by region, interval_start_utc, fuel
)

select
    'smard' as source_system,
    region,
    'PT15M' as resolution,
    interval_start_utc,
    interval_end_utc,
    fuel,
    case when is_published then generation_mwh end as generation_mwh,
    raw_generation_mwh,
    is_published,
    is_negative_clamped,
    is_unknown_fuel
from fuels_per_quarter_hour
