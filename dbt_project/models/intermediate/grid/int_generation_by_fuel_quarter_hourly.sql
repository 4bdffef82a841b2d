{{ window_replace_config(['region', 'interval_start_utc'], extra_indexes=[{'columns': ['region', 'fuel']}]) }}
-- Generation per region, quarter-hour and canonical fuel (SMARD quarterhour series), DOMAIN §0, §4.3, §4.8.
-- Several source series mapping to one fuel are summed; a fuel is published only if all its series are.
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back and every quarter-hour with
-- newly loaded raw rows.
{%- set replace_from = incremental_replace_from([
    {'relation': ref('stg_smard__generation'), 'loaded': '_loaded_at',
     'where': "changed_input.resolution = 'PT15M' and changed_input.counts_as_generation"},
]) %}
{{ replace_from_marker(replace_from) }}
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
        is_unknown_fuel,
        _loaded_at
    from {{ ref('stg_smard__generation') }}
    where
        resolution = 'PT15M' and counts_as_generation
        and interval_start_utc >= {{ replace_from }}
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
        bool_or(is_unknown_fuel) as is_unknown_fuel,
        max(_loaded_at) as source_loaded_at
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
    is_unknown_fuel,
    source_loaded_at
from fuels_per_quarter_hour
