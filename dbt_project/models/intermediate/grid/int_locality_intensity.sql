-- Model 4 (locality, balance-and-pool, DOMAIN §3.4) per German control area, interval and scope:
--   S = sum s_a, D = sum d_a, M = max(0, D - S) with intensity I_M = DE production intensity
--   (var locality_import_region), I_pool = (sum_a s_a E_a/G_a + M I_M) / (S + M);
--   L_a <= G_a: I_loc = E_a / G_a;   L_a > G_a: I_loc = (E_a + d_a I_pool) / L_a.
--   Redispatch component with the same operator: RD_a = dE_a/G_a (surplus) or (dE_a + d_a RD_pool)/L_a
--   (deficit), RD_pool = sum_b s_b dE_b/G_b / (S + M) (the foreign gap carries 0).
-- An area whose generation is not complete or whose load is missing is NULL; deficit areas are NULL too when
-- any area of the pool cannot be computed (status of the pool); surplus areas are unaffected (§4.1).
-- Flags survive re-graining: an hour built from quarter-hours carries every flag and non-OK status of those
-- quarter-hours (e.g. BALANCE_GAP_IMPORTED, LOAD_MISSING, SERIES_ABSENT) besides its own.
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back and every interval (all areas of
-- its pool) with a newly loaded input of any area or of the import region.
{{ window_replace_config(['control_area', 'resolution', 'interval_start_utc']) }}
{%- set areas = var('german_control_areas', ['50Hertz', 'Amprion', 'TenneT', 'TransnetBW']) %}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('int_control_area_balances')},
    {'relation': ref('int_grid_intensity'),
     'where': "changed_input.region = '" ~ var('locality_import_region', 'DE') ~ "'"},
]) %}
{{ replace_from_marker(replace_from) }}
with balances as (
    select
        *,
        generation_status in ('OK', 'ZERO_GENERATION') and not is_load_missing as is_computable
    from {{ ref('int_control_area_balances') }}
    {%- if is_incremental() %}
        where interval_start_utc >= {{ replace_from }}
    {%- endif %}
),

pools as (
    select
        resolution,
        interval_start_utc,
        scope,
        count(distinct control_area) as area_count,
        sum(surplus_mwh) as total_surplus_mwh,
        sum(deficit_mwh) as total_deficit_mwh,
        coalesce(sum(surplus_mwh * emissions_kg / generation_mwh) filter (where surplus_mwh > 0), 0)
            as pool_emissions_kg,
        sum(surplus_mwh * coalesce(redispatch_delta_emissions_kg, 0) / generation_mwh)
        filter (where surplus_mwh > 0) as pool_redispatch_kg,
        bool_or(surplus_mwh > 0 and redispatch_delta_emissions_kg is null) as is_pool_redispatch_missing,
        max(source_loaded_at) as pool_loaded_at,
        case
            when bool_or(generation_status = 'PENDING') then 'PENDING'
            when bool_or(generation_status = 'NO_GENERATION_DATA') then 'NO_GENERATION_DATA'
            when
                bool_or(generation_status = 'INCOMPLETE_GENERATION')
                or count(distinct control_area) < {{ areas | length }}
                then 'INCOMPLETE_GENERATION'
            when bool_or(generation_status = 'NO_FACTOR') then 'NO_FACTOR'
            when bool_or(is_load_missing) then 'LOAD_MISSING'
            else 'OK'
        end as pool_status
    from balances
    group by resolution, interval_start_utc, scope
),

pool_factor_ids as (
    select
        balances.resolution,
        balances.interval_start_utc,
        balances.scope,
        array_agg(distinct pool_factor.emission_factor_id order by pool_factor.emission_factor_id)
            as factor_ids
    from balances
    cross join lateral unnest(balances.factor_ids) as pool_factor (emission_factor_id)
    where balances.surplus_mwh > 0
    group by balances.resolution, balances.interval_start_utc, balances.scope
),

import_intensity as (
    select
        resolution,
        interval_start_utc,
        scope,
        status,
        average_intensity_g_per_kwh,
        factor_ids,
        source_loaded_at
    from {{ ref('int_grid_intensity') }}
    where
        region = '{{ var("locality_import_region", "DE") }}'
        and interval_start_utc >= {{ replace_from }}
),

pool_intensity as (
    select
        pools.*,
        greatest(pools.total_deficit_mwh - pools.total_surplus_mwh, 0) as import_gap_mwh,
        import_intensity.average_intensity_g_per_kwh as import_intensity_g_per_kwh,
        import_intensity.status as import_status,
        import_intensity.factor_ids as import_factor_ids,
        -- every area of the pool depends on every other area's data and on the import region's
        greatest(pools.pool_loaded_at, import_intensity.source_loaded_at) as pool_source_loaded_at
    from pools
    left join import_intensity
        on
            pools.resolution = import_intensity.resolution
            and pools.interval_start_utc = import_intensity.interval_start_utc
            and pools.scope = import_intensity.scope
),

pool_with_status as (
    select
        *,
        case
            when pool_status <> 'OK' then pool_status
            when import_gap_mwh > 0 and import_intensity_g_per_kwh is null
                then coalesce(nullif(import_status, 'OK'), 'NO_GENERATION_DATA')
            else 'OK'
        end as effective_pool_status
    from pool_intensity
),

pool_values as (
    select
        *,
        case
            when effective_pool_status = 'OK' and total_surplus_mwh + import_gap_mwh > 0
                then
                    (pool_emissions_kg + import_gap_mwh * coalesce(import_intensity_g_per_kwh, 0))
                    / (total_surplus_mwh + import_gap_mwh)
        end as pool_intensity_g_per_kwh,
        case
            when
                effective_pool_status = 'OK'
                and total_surplus_mwh + import_gap_mwh > 0
                and not coalesce(is_pool_redispatch_missing, false)
                then coalesce(pool_redispatch_kg, 0) / (total_surplus_mwh + import_gap_mwh)
        end as pool_rd_intensity_g_per_kwh
    from pool_with_status
),

areas as (
    select
        balances.*,
        pool_values.effective_pool_status,
        pool_values.pool_intensity_g_per_kwh,
        pool_values.pool_rd_intensity_g_per_kwh,
        pool_values.import_gap_mwh,
        pool_values.import_factor_ids,
        pool_values.pool_source_loaded_at,
        pool_factor_ids.factor_ids as pool_factor_ids,
        case
            when not balances.is_computable
                then
                    case
                        when balances.generation_status not in ('OK', 'ZERO_GENERATION')
                            then balances.generation_status
                        else 'LOAD_MISSING'
                    end
            when balances.load_mwh <= balances.generation_mwh
                then case when balances.generation_mwh = 0 then 'ZERO_GENERATION' else 'OK' end
            else pool_values.effective_pool_status
        end as status,
        balances.is_computable and balances.load_mwh > balances.generation_mwh as is_deficit_area
    from balances
    inner join pool_values
        on
            balances.resolution = pool_values.resolution
            and balances.interval_start_utc = pool_values.interval_start_utc
            and balances.scope = pool_values.scope
    left join pool_factor_ids
        on
            balances.resolution = pool_factor_ids.resolution
            and balances.interval_start_utc = pool_factor_ids.interval_start_utc
            and balances.scope = pool_factor_ids.scope
)
,

locality as (
    select
        control_area,
        resolution,
        interval_start_utc,
        interval_end_utc,
        scope,
        generation_mwh,
        emissions_kg,
        load_mwh,
        surplus_mwh,
        deficit_mwh,
        trim_scale(case when effective_pool_status = 'OK' then import_gap_mwh end) as import_gap_mwh,
        trim_scale(case when is_deficit_area then pool_intensity_g_per_kwh end) as pool_intensity_g_per_kwh,
        trim_scale(case
            when status <> 'OK' then null
            when not is_deficit_area then emissions_kg / generation_mwh
            else (emissions_kg + deficit_mwh * pool_intensity_g_per_kwh) / load_mwh
        end) as locality_intensity_g_per_kwh,
        trim_scale(case
            when status <> 'OK' then null
            when not is_deficit_area then redispatch_delta_emissions_kg / generation_mwh
            else (redispatch_delta_emissions_kg + deficit_mwh * pool_rd_intensity_g_per_kwh) / load_mwh
        end) as rd_intensity_g_per_kwh,
        redispatch_up_mwh,
        redispatch_down_mwh,
        redispatch_delta_emissions_kg,
        status,
        {{ flag_union([
            "generation_flags",
            flag_array([
                ("effective_pool_status = 'OK' and import_gap_mwh > 0", "BALANCE_GAP_IMPORTED"),
                ("is_load_missing", "LOAD_MISSING"),
                ("has_redispatch_fuel_fallback", "REDISPATCH_FUEL_FALLBACK"),
                ("has_redispatch_without_factor", "NO_FACTOR"),
            ]),
        ]) }} as flags,
        {{ flag_union([
            "factor_ids",
            "case when is_deficit_area then pool_factor_ids end",
            "case when is_deficit_area and import_gap_mwh > 0 then import_factor_ids end",
        ]) }} as factor_ids,
        pool_source_loaded_at as source_loaded_at
    from areas
)

-- every column of locality; an hourly row also carries every flag and non-OK status of its quarter-hours
-- (macros/quarter_hour_flags.sql)
{{ select_with_quarter_hour_flags('locality', 'control_area', columns=[
    'control_area', 'resolution', 'interval_start_utc', 'interval_end_utc', 'scope', 'generation_mwh',
    'emissions_kg', 'load_mwh', 'surplus_mwh', 'deficit_mwh', 'import_gap_mwh', 'pool_intensity_g_per_kwh',
    'locality_intensity_g_per_kwh', 'rd_intensity_g_per_kwh', 'redispatch_up_mwh', 'redispatch_down_mwh',
    'redispatch_delta_emissions_kg', 'status', 'flags', 'factor_ids', 'source_loaded_at',
]) }}
