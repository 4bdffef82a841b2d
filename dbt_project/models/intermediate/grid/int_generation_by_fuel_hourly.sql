-- Generation per region, UTC hour and canonical fuel, DOMAIN §4.8:
--   SMARD: an hour is the sum of its four quarter-hours whenever the region has quarter-hour data in that hour
--          (an hour with fewer than four published quarters is unpublished); otherwise SMARD's hourly series.
--   EIA:   hourly as delivered.
--   ISO:   5-minute (or other sub-hourly) values summed to hours; complete only with all sub-intervals.
-- One source per (region, hour): smard, then eia, then iso (EIA respondent and ISO names can coincide, e.g. PJM).
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back and every hour with newly loaded
-- rows of any of the sources.
{{ window_replace_config(['region', 'interval_start_utc'], extra_indexes=[{'columns': ['region', 'fuel']}]) }}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('int_generation_by_fuel_quarter_hourly')},
    {'relation': ref('stg_smard__generation'), 'loaded': '_loaded_at',
     'where': "changed_input.resolution = 'PT1H' and changed_input.counts_as_generation"},
    {'relation': ref('stg_eia__fuel_type_data'), 'loaded': '_loaded_at'},
    {'relation': ref('stg_iso__generation_by_fuel'), 'loaded': '_loaded_at'},
]) %}
{{ replace_from_marker(replace_from) }}
with smard_quarter_hours as (
    select * from {{ ref('int_generation_by_fuel_quarter_hourly') }}
    {%- if is_incremental() %}
        where interval_start_utc >= {{ replace_from }}
    {%- endif %}
),

smard_from_quarter_hours as (
    select
        region,
        {{ utc_hour_start('interval_start_utc') }} as interval_start_utc,
        fuel,
        sum(generation_mwh) as generation_mwh,
        sum(raw_generation_mwh) as raw_generation_mwh,
        count(*) = 4 and bool_and(is_published) as is_published,
        bool_or(is_negative_clamped) as is_negative_clamped,
        bool_or(is_unknown_fuel) as is_unknown_fuel,
        max(source_loaded_at) as source_loaded_at
    from smard_quarter_hours
    group by region, {{ utc_hour_start('interval_start_utc') }}, fuel
),

smard_hours_with_quarters as (
    select distinct
        region,
        interval_start_utc
    from smard_from_quarter_hours
),

smard_native_hours as (
    select
        native.region,
        native.interval_start_utc,
        native.fuel,
        sum(native.generation_mwh) as generation_mwh,
        sum(native.raw_generation_mwh) as raw_generation_mwh,
        bool_and(native.is_published) as is_published,
        bool_or(native.is_negative_clamped) as is_negative_clamped,
        bool_or(native.is_unknown_fuel) as is_unknown_fuel,
        max(native._loaded_at) as source_loaded_at
    from {{ ref('stg_smard__generation') }} as native
    left join smard_hours_with_quarters as quarters
        on
            native.region = quarters.region
            and native.interval_start_utc = quarters.interval_start_utc
    where
        native.resolution = 'PT1H' and native.counts_as_generation and quarters.region is null
        and native.interval_start_utc >= {{ replace_from }}
    group by native.region, native.interval_start_utc, native.fuel
),

smard_hours as (
    select * from smard_from_quarter_hours
    union all
    select * from smard_native_hours
),

eia_hours as (
    select
        region,
        interval_start_utc,
        fuel,
        sum(generation_mwh) as generation_mwh,
        sum(raw_generation_mwh) as raw_generation_mwh,
        bool_and(is_published) as is_published,
        bool_or(is_negative_clamped) as is_negative_clamped,
        bool_or(is_unknown_fuel) as is_unknown_fuel,
        max(_loaded_at) as source_loaded_at
    from {{ ref('stg_eia__fuel_type_data') }}
    where
        counts_as_generation
        and interval_start_utc >= {{ replace_from }}
    group by region, interval_start_utc, fuel
),

iso_sub_hourly as (
    -- one row per region, sub-hourly interval and fuel (several ISO labels can map to one fuel)
    select
        region,
        interval_start_utc,
        fuel,
        sum(generation_mwh) as generation_mwh,
        sum(raw_generation_mwh) as raw_generation_mwh,
        bool_and(is_published) as is_published,
        bool_or(is_negative_clamped) as is_negative_clamped,
        bool_or(is_unknown_fuel) as is_unknown_fuel,
        max(extract(epoch from interval_end_utc - interval_start_utc) / 60) as interval_minutes,
        max(_loaded_at) as source_loaded_at
    from {{ ref('stg_iso__generation_by_fuel') }}
    where
        counts_as_generation
        and interval_start_utc >= {{ replace_from }}
    group by region, interval_start_utc, fuel
),

iso_hours as (
    select
        region,
        {{ utc_hour_start('interval_start_utc') }} as interval_start_utc,
        fuel,
        sum(generation_mwh) as generation_mwh,
        sum(raw_generation_mwh) as raw_generation_mwh,
        -- complete when the sub-intervals cover the hour: 12 x 5 min, or ISO-NE's irregular 4-6 minute
        -- stamps summing to about 60 (one missing sub-interval makes the hour incomplete)
        bool_and(is_published)
        and abs(sum(interval_minutes) - 60) < max(interval_minutes) as is_published,
        bool_or(is_negative_clamped) as is_negative_clamped,
        bool_or(is_unknown_fuel) as is_unknown_fuel,
        max(source_loaded_at) as source_loaded_at
    from iso_sub_hourly
    group by region, {{ utc_hour_start('interval_start_utc') }}, fuel
),

all_hours as (
    select
        'smard' as source_system,
        1 as source_priority,
        *
    from smard_hours
    union all
    select
        'eia' as source_system,
        2 as source_priority,
        *
    from eia_hours
    union all
    select
        'iso' as source_system,
        3 as source_priority,
        *
    from iso_hours
),

preferred_source as (
    select
        region,
        interval_start_utc,
        min(source_priority) as source_priority
    from all_hours
    group by region, interval_start_utc
)

select
    all_hours.source_system,
    all_hours.region,
    'PT1H' as resolution,
    all_hours.interval_start_utc,
    all_hours.interval_start_utc + interval '1 hour' as interval_end_utc,
    all_hours.fuel,
    trim_scale(case when all_hours.is_published then all_hours.generation_mwh end) as generation_mwh,
    trim_scale(all_hours.raw_generation_mwh) as raw_generation_mwh,
    all_hours.is_published,
    all_hours.is_negative_clamped,
    all_hours.is_unknown_fuel,
    all_hours.source_loaded_at
from all_hours
inner join preferred_source
    on
        all_hours.region = preferred_source.region
        and all_hours.interval_start_utc = preferred_source.interval_start_utc
        and all_hours.source_priority = preferred_source.source_priority
