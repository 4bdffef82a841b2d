-- Redispatch energy per control area, interval (quarter-hour and hour grain) and fuel, DOMAIN §4.8, §8.3 step 5:
--   R^dir_{a,f}(t) = sum_r W_r * overlap(t, [s_r, e_r)) / (e_r - s_r)   (GESAMTE_ARBEIT spread uniformly).
-- A measure with end <= start puts its whole energy into the interval containing its start.
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back and every interval a newly loaded
-- measure touches (from the hour of its start on), from every measure overlapping them. A change of the plant
-- mapping for old measures needs --full-refresh.
{{ window_replace_config(
    ['control_area', 'resolution', 'interval_start_utc'],
    post_hook="{{ analyze_if_never_analyzed() }}",
) }}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('int_redispatch_measures_mapped'), 'interval': 'start_utc'},
]) %}
{{ replace_from_marker(replace_from) }}
with measures as (
    select
        measure_id,
        start_utc,
        greatest(end_utc, start_utc) as end_utc,
        direction,
        total_mwh,
        control_area,
        fuel,
        is_fuel_fallback,
        source_loaded_at
    from {{ ref('int_redispatch_measures_mapped') }}
    where
        is_included_in_area_balance
        and greatest(end_utc - interval '1 microsecond', start_utc) >= {{ replace_from }}
),

grains as (
    select
        'PT15M' as resolution,
        interval '15 minutes' as step
    union all
    select
        'PT1H' as resolution,
        interval '1 hour' as step
),

measure_intervals as (
    select
        measures.measure_id,
        measures.control_area,
        measures.fuel,
        measures.direction,
        measures.is_fuel_fallback,
        measures.source_loaded_at,
        grains.resolution,
        slot.interval_start_utc,
        slot.interval_start_utc + grains.step as interval_end_utc,
        case
            when measures.end_utc = measures.start_utc then measures.total_mwh
            else
                measures.total_mwh
                * extract(epoch from (
                    least(measures.end_utc, slot.interval_start_utc + grains.step)
                    - greatest(measures.start_utc, slot.interval_start_utc)
                ))
                / extract(epoch from (measures.end_utc - measures.start_utc))
        end as energy_mwh
    from measures
    cross join grains
    cross join lateral generate_series(
        date_bin(grains.step, measures.start_utc, timestamptz '2000-01-01 00:00:00+00'),
        greatest(measures.end_utc - interval '1 microsecond', measures.start_utc),
        grains.step
    ) as slot (interval_start_utc)
)

select
    control_area,
    resolution,
    interval_start_utc,
    interval_end_utc,
    fuel,
    trim_scale(coalesce(sum(energy_mwh) filter (where direction = 'up'), 0)) as redispatch_up_mwh,
    trim_scale(coalesce(sum(energy_mwh) filter (where direction = 'down'), 0)) as redispatch_down_mwh,
    count(distinct measure_id) as measure_count,
    bool_or(is_fuel_fallback) as has_fuel_fallback,
    max(source_loaded_at) as source_loaded_at
from measure_intervals
where interval_start_utc >= {{ replace_from }}
group by control_area, resolution, interval_start_utc, interval_end_utc, fuel
