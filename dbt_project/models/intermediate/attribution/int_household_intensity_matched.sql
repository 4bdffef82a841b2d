-- Household intervals matched to the four attribution models (DOMAIN §3, §4.8, §4.11):
--   grain: quarter-hour consumption uses the quarter-hour intensity where the region has one, otherwise the
--          intensity of its UTC hour (step function); hourly consumption uses the hourly intensity
--          (= sum of quarter-hour energies, never a mean of quarter-hour intensities).
--   models average / merit_order / worst_emitter use region var('household_grid_region') (default DE);
--   locality uses the household's control area.
--   no intensity row: PENDING when the interval is later than the region's last computable interval,
--   otherwise NO_GENERATION_DATA (no forward fill, no interpolation); locality without a configured control
--   area: NO_CONTROL_AREA.
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back, every hour with newly loaded
-- consumption or newly loaded grid data (DE or a control area: a SMARD backfill reaches the households that were
-- waiting for it), and every interval of a household whose settings changed.
-- depends_on: {{ ref('int_households_configured') }}
{{ window_replace_config(
    ['household_id', 'resolution', 'interval_start_utc'],
    extra_indexes=[{'columns': ['household_id', 'settings_fingerprint']}],
    pre_hook="set local jit = off",
    post_hook="{{ analyze_if_never_analyzed() }}",
) }}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('fct_household_consumption')},
    {'relation': ref('int_grid_intensity'),
     'where': "changed_input.region = '" ~ var('household_grid_region', 'DE') ~ "'"},
    {'relation': ref('int_locality_intensity')},
]) %}
{{ replace_from_marker(replace_from) }}
{%- set changed_households = changed_settings_households('household_id') %}
{#- the grid and locality rows the re-processed intervals need; the newest computable interval (PENDING or
    NO_GENERATION_DATA below) is the same on them, as every re-processed interval is at or after their start -#}
{%- set intensity_from = replace_from if changed_households == 'false' else "timestamptz '-infinity'" %}
{%- set pick_columns = [
    'resolution', 'status', 'average_intensity_g_per_kwh', 'merit_order_status',
    'merit_order_intensity_g_per_kwh', 'marginal_fuel', 'merit_order_factor_id',
    'worst_emitter_intensity_g_per_kwh', 'worst_fuel', 'worst_factor_id', 'flags', 'factor_ids',
    'source_loaded_at',
] %}
{%- set locality_columns = [
    'resolution', 'status', 'locality_intensity_g_per_kwh', 'rd_intensity_g_per_kwh',
    'flags', 'factor_ids', 'source_loaded_at',
] %}
with consumption as (
    select
        household_id,
        interval_start_utc,
        interval_end_utc,
        resolution,
        consumption_kwh,
        ev_kwh,
        household_kwh,
        flags as consumption_flags,
        control_area,
        settings_fingerprint,
        source_loaded_at,
        {{ utc_hour_start('interval_start_utc') }} as hour_start_utc
    from {{ ref('fct_household_consumption') }}
    {%- if is_incremental() %}
        where
            interval_start_utc >= {{ replace_from }}
            or {{ changed_households }}
    {%- endif %}
),

scopes as (
    select scope from ({{ scope_values() }}) as scope_list (scope)
),

-- not materialized: the joins below then see the tables' statistics. As materialized CTEs (no statistics) the
-- planner merge-joined locality on control_area alone, i.e. every household interval with every interval of its
-- area (20 households, 90 days: > 60 s instead of 4 s)
grid as not materialized (
    select * from {{ ref('int_grid_intensity') }}
    where
        region = '{{ var("household_grid_region", "DE") }}'
        and interval_start_utc >= {{ intensity_from }}
),

locality as not materialized (
    select * from {{ ref('int_locality_intensity') }}
    where interval_start_utc >= {{ intensity_from }}
),

latest_grid as (
    select max(interval_end_utc) as latest_end_utc
    from grid
    where status not in ('PENDING', 'NO_GENERATION_DATA')
),

latest_locality as (
    select
        control_area,
        max(interval_end_utc) as latest_end_utc
    from locality
    where status not in ('PENDING', 'NO_GENERATION_DATA', 'INCOMPLETE_GENERATION')
    group by control_area
),

matched as (
    select
        consumption.*,
        scopes.scope,
        {%- for column in pick_columns %}
            case
                when grid_quarter_hour.interval_start_utc is not null then grid_quarter_hour.{{ column }}
                else grid_hour.{{ column }}
            end as grid_{{ column }},
        {%- endfor %}
        {%- for column in locality_columns %}
            case
                when locality_quarter_hour.interval_start_utc is not null then locality_quarter_hour.{{ column }}
                else locality_hour.{{ column }}
            end as locality_{{ column }},
        {%- endfor %}
        case
            when consumption.interval_start_utc >= coalesce(latest_grid.latest_end_utc, timestamptz '-infinity')
                then 'PENDING'
            else 'NO_GENERATION_DATA'
        end as grid_missing_status,
        case
            when consumption.control_area is null then 'NO_CONTROL_AREA'
            when
                consumption.interval_start_utc
                >= coalesce(latest_locality.latest_end_utc, timestamptz '-infinity')
                then 'PENDING'
            else 'NO_GENERATION_DATA'
        end as locality_missing_status
    from consumption
    cross join scopes
    cross join latest_grid
    left join latest_locality
        on consumption.control_area = latest_locality.control_area
    left join grid as grid_quarter_hour
        on
            consumption.resolution = 'PT15M'
            and grid_quarter_hour.resolution = 'PT15M'
            and consumption.interval_start_utc = grid_quarter_hour.interval_start_utc
            and scopes.scope = grid_quarter_hour.scope
    left join grid as grid_hour
        on
            grid_hour.resolution = 'PT1H'
            and consumption.hour_start_utc = grid_hour.interval_start_utc
            and scopes.scope = grid_hour.scope
    left join locality as locality_quarter_hour
        on
            consumption.resolution = 'PT15M'
            and locality_quarter_hour.resolution = 'PT15M'
            and consumption.control_area = locality_quarter_hour.control_area
            and consumption.interval_start_utc = locality_quarter_hour.interval_start_utc
            and scopes.scope = locality_quarter_hour.scope
    left join locality as locality_hour
        on
            locality_hour.resolution = 'PT1H'
            and consumption.control_area = locality_hour.control_area
            and consumption.hour_start_utc = locality_hour.interval_start_utc
            and scopes.scope = locality_hour.scope
),

models as (
    select
        matched.household_id,
        matched.interval_start_utc,
        matched.interval_end_utc,
        matched.resolution,
        matched.scope,
        matched.consumption_kwh,
        matched.ev_kwh,
        matched.household_kwh,
        matched.consumption_flags,
        matched.settings_fingerprint,
        -- the newest load behind the row: its consumption, or the grid / locality row it was matched with
        greatest(
            matched.source_loaded_at,
            case
                when model_rows.model = 'locality' then matched.locality_source_loaded_at
                else matched.grid_source_loaded_at
            end
        ) as source_loaded_at,
        model_rows.model,
        model_rows.region_used,
        model_rows.intensity_resolution,
        model_rows.intensity_g_per_kwh,
        model_rows.rd_intensity_g_per_kwh,
        model_rows.marginal_fuel,
        model_rows.model_status,
        model_rows.model_flags,
        model_rows.factor_ids
    from matched
    cross join lateral (
        values
        (
            'average',
            '{{ var("household_grid_region", "DE") }}',
            matched.grid_resolution,
            matched.grid_average_intensity_g_per_kwh,
            null::numeric,
            null::text,
            coalesce(matched.grid_status, matched.grid_missing_status),
            matched.grid_flags,
            matched.grid_factor_ids
        ),
        (
            'merit_order',
            '{{ var("household_grid_region", "DE") }}',
            matched.grid_resolution,
            matched.grid_merit_order_intensity_g_per_kwh,
            null::numeric,
            matched.grid_marginal_fuel,
            coalesce(matched.grid_merit_order_status, matched.grid_missing_status),
            matched.grid_flags,
            array_remove(array[matched.grid_merit_order_factor_id], null)
        ),
        (
            'worst_emitter',
            '{{ var("household_grid_region", "DE") }}',
            matched.grid_resolution,
            matched.grid_worst_emitter_intensity_g_per_kwh,
            null::numeric,
            matched.grid_worst_fuel,
            coalesce(matched.grid_status, matched.grid_missing_status),
            matched.grid_flags,
            array_remove(array[matched.grid_worst_factor_id], null)
        ),
        (
            'locality',
            matched.control_area,
            matched.locality_resolution,
            matched.locality_locality_intensity_g_per_kwh,
            matched.locality_rd_intensity_g_per_kwh,
            null::text,
            coalesce(matched.locality_status, matched.locality_missing_status),
            matched.locality_flags,
            matched.locality_factor_ids
        )
    ) as model_rows (
        model,
        region_used,
        intensity_resolution,
        intensity_g_per_kwh,
        rd_intensity_g_per_kwh,
        marginal_fuel,
        model_status,
        model_flags,
        factor_ids
    )
)

select
    household_id,
    interval_start_utc,
    interval_end_utc,
    resolution,
    model,
    scope,
    region_used,
    intensity_resolution,
    consumption_kwh,
    ev_kwh,
    household_kwh,
    trim_scale(case when model_status = 'OK' then intensity_g_per_kwh end) as intensity_g_per_kwh,
    trim_scale(
        case when model_status = 'OK' then consumption_kwh * intensity_g_per_kwh / 1000 end
    ) as emissions_kg,
    trim_scale(case when model_status = 'OK' then ev_kwh * intensity_g_per_kwh / 1000 end) as ev_emissions_kg,
    trim_scale(
        case when model_status = 'OK' then household_kwh * intensity_g_per_kwh / 1000 end
    ) as household_emissions_kg,
    trim_scale(case when model_status = 'OK' then rd_intensity_g_per_kwh end) as rd_intensity_g_per_kwh,
    trim_scale(
        case when model_status = 'OK' then consumption_kwh * rd_intensity_g_per_kwh / 1000 end
    ) as rd_emissions_kg,
    case when model_status = 'OK' then marginal_fuel end as marginal_fuel,
    model_status as status,
    {{ flag_union([
        "consumption_flags",
        "model_flags",
        "case when model_status <> 'OK' then array[model_status] end",
    ]) }} as flags,
    coalesce(factor_ids, array[]::text[]) as factor_ids,
    settings_fingerprint,
    source_loaded_at
from models
