-- How much to trust a day: per region, LOCAL calendar day (the region's time zone), resolution and scope, the
-- intervals of fct_grid_carbon_intensity by status, against the intervals the day should have; intervals without
-- a day-ahead price (German regions), the SMARD series that are absent, values the fact flags as modified, and the
-- redispatch energy whose fuel is a class fallback (German regions). Docs: fct_data_quality.md.
--   time zone: DE and the control areas Europe/Berlin (DOMAIN §0, §4.7); a US balancing authority the business
--              time zone of seed us_balancing_authorities; any other region UTC.
--   days:      every local day from the region's first to its last day in the fact, per resolution and scope, so
--              a day without any row appears with present_interval_count = 0.
--   expected:  (next local midnight - local midnight) / resolution: 92 / 96 / 100 quarter-hours in Berlin.
--   redispatch: measures of int_redispatch_measures_mapped that enter the area balances (not market/foreign, no
--              test run unless var redispatch_include_test_runs), GESAMTE_ARBEIT spread uniformly over
--              [start, end) and cut at local (Europe/Berlin) midnight; DE = all control areas together.
-- A table rebuilt on every run (like the aggregates): a day's quality changes with late redispatch measures and
-- series checks that the fact's incremental look-back does not see.
with grid as (
    select
        region,
        interval_start_utc,
        resolution,
        scope,
        source_system,
        price_eur_per_mwh,
        status,
        merit_order_status,
        flags
    from {{ ref('fct_grid_carbon_intensity') }}
),

balancing_authorities as (
    select
        region,
        time_zone
    from {{ ref('us_balancing_authorities') }}
),

regions as (
    select
        grid_regions.region,
        grid_regions.region = 'DE' or grid_regions.region in {{ german_control_areas_sql() }} as is_german,
        case
            when grid_regions.region = 'DE' or grid_regions.region in {{ german_control_areas_sql() }}
                then 'Europe/Berlin'
            else coalesce(balancing_authorities.time_zone, 'UTC')
        end as time_zone
    from (select distinct region from grid) as grid_regions
    left join balancing_authorities
        on grid_regions.region = balancing_authorities.region
),

localised as (
    select
        grid.*,
        regions.time_zone,
        (grid.interval_start_utc at time zone regions.time_zone)::date as local_date,
        extract(epoch from grid.resolution::interval) / 3600.0 as interval_hours
    from grid
    inner join regions
        on grid.region = regions.region
),

day_ranges as (
    select
        region,
        resolution,
        scope,
        time_zone,
        min(local_date) as first_local_date,
        max(local_date) as last_local_date
    from localised
    group by region, resolution, scope, time_zone
),

local_days as (
    select
        day_ranges.region,
        day_ranges.resolution,
        day_ranges.scope,
        day_ranges.time_zone,
        calendar.local_day::date as local_date,
        calendar.local_day at time zone day_ranges.time_zone as day_start_utc,
        (calendar.local_day + interval '1 day') at time zone day_ranges.time_zone as day_end_utc
    from day_ranges
    cross join lateral generate_series(
        day_ranges.first_local_date::timestamp, day_ranges.last_local_date::timestamp, interval '1 day'
    ) as calendar (local_day)
),

days as (
    select
        region,
        resolution,
        scope,
        time_zone,
        local_date,
        (
            extract(epoch from day_end_utc - day_start_utc) / extract(epoch from resolution::interval)
        )::bigint as expected_interval_count
    from local_days
),

interval_counts as (
    select
        region,
        local_date,
        resolution,
        scope,
        array_agg(distinct source_system order by source_system) as source_systems,
        count(*) as present_interval_count,
        count(*) filter (where status = 'OK') as ok_interval_count,
        count(*) filter (where status = 'PENDING') as pending_interval_count,
        count(*) filter (where status = 'NO_GENERATION_DATA') as no_generation_data_interval_count,
        count(*) filter (where status = 'INCOMPLETE_GENERATION') as incomplete_generation_interval_count,
        count(*) filter (where status = 'ZERO_GENERATION') as zero_generation_interval_count,
        count(*) filter (where status = 'NO_FACTOR') as no_factor_interval_count,
        count(*) filter (
            where status not in (
                'OK', 'PENDING', 'NO_GENERATION_DATA', 'INCOMPLETE_GENERATION', 'ZERO_GENERATION', 'NO_FACTOR'
            )
        ) as other_status_interval_count,
        count(*) filter (where merit_order_status = 'OK') as merit_order_ok_interval_count,
        count(*) filter (where merit_order_status = 'NO_MARGINAL_CANDIDATE') as no_marginal_candidate_interval_count,
        count(*) filter (where price_eur_per_mwh is null) as price_missing_interval_count,
        coalesce(sum(interval_hours) filter (where price_eur_per_mwh is null), 0) as price_missing_hours,
        count(*) filter (where 'SERIES_ABSENT' = any(flags)) as series_absent_interval_count,
        count(*) filter (where 'NEGATIVE_VALUE_CLAMPED' = any(flags)) as negative_value_clamped_interval_count,
        count(*) filter (where 'UNKNOWN_FUEL_MAPPED' = any(flags)) as unknown_fuel_mapped_interval_count,
        count(*) filter (
            where 'FACTOR_BOUNDARY_INSIDE_INTERVAL' = any(flags)
        ) as factor_boundary_inside_interval_count
    from localised
    group by region, local_date, resolution, scope
),

-- SMARD series answered with HTTP 404 (structurally absent, treated as 0 MWh); an hour built from quarter-hours
-- also lists the series absent at quarter-hour resolution. The day-ahead price (region DE-LU) is judged per
-- interval instead (price_missing_*): before 2025-10-01 SMARD has no quarter-hour price by design.
absent_series_labels as (
    select
        region,
        resolution,
        coalesce(
            fuel,
            case filter_id when 410 then 'load' when 4387 then 'pumped_storage_consumption' end,
            'filter_' || filter_id::text
        ) as series_label
    from {{ ref('stg_smard__series_status') }}
    where is_absent and filter_id <> 4169
),

absent_series as (
    select
        absent_by_resolution.region,
        absent_by_resolution.resolution,
        array_agg(distinct absent_by_resolution.series_label order by absent_by_resolution.series_label)
            as absent_series
    from (
        select
            region,
            resolution,
            series_label
        from absent_series_labels
        union all
        select
            region,
            'PT1H' as resolution,
            series_label
        from absent_series_labels
        where resolution = 'PT15M'
    ) as absent_by_resolution
    group by absent_by_resolution.region, absent_by_resolution.resolution
),

redispatch_measures as (
    select
        control_area,
        start_utc,
        greatest(end_utc, start_utc) as end_utc,
        total_mwh,
        is_fuel_fallback
    from {{ ref('int_redispatch_measures_mapped') }}
    where is_included_in_area_balance and start_utc is not null and end_utc is not null
),

redispatch_measure_days as (
    select
        redispatch_measures.control_area,
        redispatch_measures.is_fuel_fallback,
        measure_days.local_day::date as local_date,
        case
            when redispatch_measures.end_utc = redispatch_measures.start_utc then redispatch_measures.total_mwh
            else
                redispatch_measures.total_mwh
                * extract(epoch from (
                    least(
                        redispatch_measures.end_utc,
                        (measure_days.local_day + interval '1 day') at time zone 'Europe/Berlin'
                    )
                    - greatest(
                        redispatch_measures.start_utc,
                        measure_days.local_day at time zone 'Europe/Berlin'
                    )
                ))
                / extract(epoch from (redispatch_measures.end_utc - redispatch_measures.start_utc))
        end as energy_mwh
    from redispatch_measures
    cross join lateral generate_series(
        (redispatch_measures.start_utc at time zone 'Europe/Berlin')::date::timestamp,
        (
            greatest(redispatch_measures.end_utc - interval '1 microsecond', redispatch_measures.start_utc)
            at time zone 'Europe/Berlin'
        )::date::timestamp,
        interval '1 day'
    ) as measure_days (local_day)
),

redispatch_by_area as (
    select
        control_area as region,
        local_date,
        sum(energy_mwh) as redispatch_mwh,
        coalesce(sum(energy_mwh) filter (where is_fuel_fallback), 0) as redispatch_unmapped_mwh
    from redispatch_measure_days
    group by control_area, local_date
),

redispatch as (
    select * from redispatch_by_area
    union all
    select
        'DE' as region,
        local_date,
        sum(redispatch_mwh) as redispatch_mwh,
        sum(redispatch_unmapped_mwh) as redispatch_unmapped_mwh
    from redispatch_by_area
    group by local_date
)

select
    days.region,
    days.local_date,
    days.resolution,
    days.scope,
    days.time_zone,
    coalesce(interval_counts.source_systems, array[]::text[]) as source_systems,
    days.expected_interval_count,
    coalesce(interval_counts.present_interval_count, 0) as present_interval_count,
    days.expected_interval_count - coalesce(interval_counts.present_interval_count, 0) as missing_interval_count,
    coalesce(interval_counts.ok_interval_count, 0) as ok_interval_count,
    coalesce(interval_counts.pending_interval_count, 0) as pending_interval_count,
    coalesce(interval_counts.no_generation_data_interval_count, 0) as no_generation_data_interval_count,
    coalesce(interval_counts.incomplete_generation_interval_count, 0) as incomplete_generation_interval_count,
    coalesce(interval_counts.zero_generation_interval_count, 0) as zero_generation_interval_count,
    coalesce(interval_counts.no_factor_interval_count, 0) as no_factor_interval_count,
    coalesce(interval_counts.other_status_interval_count, 0) as other_status_interval_count,
    trim_scale(round(
        coalesce(interval_counts.ok_interval_count, 0)::numeric / days.expected_interval_count, 6
    )) as ok_interval_share,
    coalesce(interval_counts.merit_order_ok_interval_count, 0) as merit_order_ok_interval_count,
    coalesce(interval_counts.no_marginal_candidate_interval_count, 0) as no_marginal_candidate_interval_count,
    case
        when regions.is_german then coalesce(interval_counts.price_missing_interval_count, 0)
    end as price_missing_interval_count,
    case
        when regions.is_german then trim_scale(coalesce(interval_counts.price_missing_hours, 0))
    end as price_missing_hours,
    coalesce(absent_series.absent_series, array[]::text[]) as absent_series,
    coalesce(interval_counts.series_absent_interval_count, 0) as series_absent_interval_count,
    coalesce(interval_counts.negative_value_clamped_interval_count, 0) as negative_value_clamped_interval_count,
    coalesce(interval_counts.unknown_fuel_mapped_interval_count, 0) as unknown_fuel_mapped_interval_count,
    coalesce(interval_counts.factor_boundary_inside_interval_count, 0) as factor_boundary_inside_interval_count,
    case when regions.is_german then trim_scale(coalesce(redispatch.redispatch_mwh, 0)) end as redispatch_mwh,
    case
        when regions.is_german then trim_scale(coalesce(redispatch.redispatch_unmapped_mwh, 0))
    end as redispatch_unmapped_mwh
from days
inner join regions
    on days.region = regions.region
left join interval_counts
    on
        days.region = interval_counts.region
        and days.local_date = interval_counts.local_date
        and days.resolution = interval_counts.resolution
        and days.scope = interval_counts.scope
left join absent_series
    on
        days.region = absent_series.region
        and days.resolution = absent_series.resolution
left join redispatch
    on
        days.region = redispatch.region
        and days.local_date = redispatch.local_date
