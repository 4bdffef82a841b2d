-- DOMAIN §3.4 property (ii) for complete intervals without an import gap:
--   sum_a L_a I_loc,a = sum_a min(L_a, G_a) I_a^gen + D I_pool   (kg, tolerance 1 kg).
-- With var data_test_scope = 'recent' (macro data_test_scope_predicate) only the intervals an asset-triggered run
-- rebuilt.
with areas as (
    select * from {{ ref('int_locality_intensity') }}
    where {{ data_test_scope_predicate(ref('int_locality_intensity')) }}
),

complete_intervals as (
    select
        resolution,
        interval_start_utc,
        scope
    from areas
    group by resolution, interval_start_utc, scope
    having bool_and(status = 'OK') and coalesce(max(import_gap_mwh), 0) = 0
),

sides as (
    select
        areas.resolution,
        areas.interval_start_utc,
        areas.scope,
        sum(areas.load_mwh * areas.locality_intensity_g_per_kwh) as attributed_kg,
        sum(least(areas.load_mwh, areas.generation_mwh) * areas.emissions_kg / areas.generation_mwh)
        filter (where areas.generation_mwh > 0)
        + coalesce(sum(areas.deficit_mwh * areas.pool_intensity_g_per_kwh) filter (where areas.deficit_mwh > 0), 0)
            as produced_kg
    from areas
    inner join complete_intervals
        on
            areas.resolution = complete_intervals.resolution
            and areas.interval_start_utc = complete_intervals.interval_start_utc
            and areas.scope = complete_intervals.scope
    group by areas.resolution, areas.interval_start_utc, areas.scope
)

select *
from sides
where abs(attributed_kg - produced_kg) > 1
