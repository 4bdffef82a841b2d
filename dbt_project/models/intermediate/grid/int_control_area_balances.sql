-- Per German control area (var german_control_areas), interval (PT15M, PT1H) and scope: generation G_a,
-- emissions E_a, load L_a (SMARD 410; an hour = sum of its four quarter-hours where quarter-hours exist),
-- surplus s_a = max(0, G_a - L_a), deficit d_a = max(0, L_a - G_a) (DOMAIN §3.4 steps 1-2) and the redispatch
-- emissions delta dE_RD_a = sum_f (R_up - R_down) e_f (kg, may be negative).
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back and every interval with newly
-- loaded generation, load or redispatch rows.
{{ window_replace_config(['control_area', 'resolution', 'interval_start_utc']) }}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('int_grid_intensity'), 'where': 'changed_input.region in ' ~ german_control_areas_sql()},
    {'relation': ref('stg_smard__load'), 'loaded': '_loaded_at',
     'where': 'changed_input.region in ' ~ german_control_areas_sql()},
    {'relation': ref('int_redispatch_by_interval')},
]) %}
{{ replace_from_marker(replace_from) }}
with grid as (
    select * from {{ ref('int_grid_intensity') }}
    where
        region in {{ german_control_areas_sql() }}
        and interval_start_utc >= {{ replace_from }}
),

native_load as (
    select
        region,
        resolution,
        interval_start_utc,
        load_mwh,
        _loaded_at
    from {{ ref('stg_smard__load') }}
    where
        region in {{ german_control_areas_sql() }}
        and interval_start_utc >= {{ replace_from }}
),

hourly_load_from_quarter_hours as (
    select
        region,
        'PT1H' as resolution,
        {{ utc_hour_start('interval_start_utc') }} as interval_start_utc,
        case when count(load_mwh) = 4 then sum(load_mwh) end as load_mwh,
        max(_loaded_at) as _loaded_at
    from native_load
    where resolution = 'PT15M'
    group by region, {{ utc_hour_start('interval_start_utc') }}
),

area_load as (
    select * from native_load
    where
        resolution = 'PT15M'
        or not exists (
            select 1 from hourly_load_from_quarter_hours as derived
            where
                derived.region = native_load.region
                and derived.interval_start_utc = native_load.interval_start_utc
        )
    union all
    select * from hourly_load_from_quarter_hours
),

redispatch_emissions as (
    select
        redispatch.control_area,
        redispatch.resolution,
        redispatch.interval_start_utc,
        factors.scope,
        sum(redispatch.redispatch_up_mwh) as redispatch_up_mwh,
        sum(redispatch.redispatch_down_mwh) as redispatch_down_mwh,
        sum((redispatch.redispatch_up_mwh - redispatch.redispatch_down_mwh) * factors.g_co2eq_per_kwh)
            as redispatch_delta_emissions_kg,
        bool_or(not factors.has_factor) as has_redispatch_without_factor,
        bool_or(redispatch.has_fuel_fallback) as has_redispatch_fuel_fallback,
        max(redispatch.source_loaded_at) as source_loaded_at
    from {{ ref('int_redispatch_by_interval') }} as redispatch
    inner join {{ ref('int_emission_factors_effective') }} as factors
        on
            redispatch.control_area = factors.region
            and redispatch.resolution = factors.resolution
            and redispatch.interval_start_utc = factors.interval_start_utc
            and redispatch.fuel = factors.fuel
    {%- if is_incremental() %}
        where
            redispatch.interval_start_utc >= {{ replace_from }}
            and factors.interval_start_utc >= {{ replace_from }}
    {%- endif %}
    group by redispatch.control_area, redispatch.resolution, redispatch.interval_start_utc, factors.scope
)

select
    grid.region as control_area,
    grid.resolution,
    grid.interval_start_utc,
    grid.interval_end_utc,
    grid.scope,
    grid.generation_mwh,
    grid.emissions_kg,
    area_load.load_mwh,
    trim_scale(greatest(grid.generation_mwh - area_load.load_mwh, 0)) as surplus_mwh,
    trim_scale(greatest(area_load.load_mwh - grid.generation_mwh, 0)) as deficit_mwh,
    grid.status as generation_status,
    area_load.load_mwh is null as is_load_missing,
    coalesce(redispatch_emissions.redispatch_up_mwh, 0) as redispatch_up_mwh,
    coalesce(redispatch_emissions.redispatch_down_mwh, 0) as redispatch_down_mwh,
    trim_scale(case
        when redispatch_emissions.control_area is null then 0
        when not redispatch_emissions.has_redispatch_without_factor
            then redispatch_emissions.redispatch_delta_emissions_kg
    end) as redispatch_delta_emissions_kg,
    coalesce(redispatch_emissions.has_redispatch_fuel_fallback, false) as has_redispatch_fuel_fallback,
    coalesce(redispatch_emissions.has_redispatch_without_factor, false) as has_redispatch_without_factor,
    grid.flags as generation_flags,
    grid.factor_ids,
    greatest(grid.source_loaded_at, area_load._loaded_at, redispatch_emissions.source_loaded_at) as source_loaded_at
from grid
left join area_load
    on
        grid.region = area_load.region
        and grid.resolution = area_load.resolution
        and grid.interval_start_utc = area_load.interval_start_utc
left join redispatch_emissions
    on
        grid.region = redispatch_emissions.control_area
        and grid.resolution = redispatch_emissions.resolution
        and grid.interval_start_utc = redispatch_emissions.interval_start_utc
        and grid.scope = redispatch_emissions.scope
