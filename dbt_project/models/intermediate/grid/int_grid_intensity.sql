-- Grid carbon intensity per region, interval (PT15M and PT1H), and scope for attribution models 1-3
-- (DOMAIN §3.1-§3.3) with the status rules of §4.1-§4.6.
--   average:      I = sum_f g_f e_f / sum_f g_f                                  (energy-weighted)
--   merit order:  candidates = dispatched (g > theta) and is_marginal_candidate (ranks effective at start);
--                 price <= 0 and wind/PV dispatched -> 'renewable_surplus' with e_wind_onshore;
--                 otherwise the highest rank, ties -> higher factor, then fuel name.
--   worst emitter: the highest factor among dispatched fuels, ties -> higher rank, then fuel name.
-- status (first that applies): PENDING (nothing published yet, later than the last published interval),
-- NO_GENERATION_DATA, INCOMPLETE_GENERATION (some fuel null or missing), ZERO_GENERATION, NO_FACTOR, OK.
-- Intensities are NULL unless status = OK (merit order also needs merit_order_status = OK).
-- Day-ahead price (DOMAIN §4.8): a quarter-hour takes its quarter-hour price, else the hourly price of its hour
-- (before delivery day 2025-10-01 SMARD has hourly prices only: a step function); an hour takes the mean of its
-- four quarter-hour prices (time average, from 2025-10-01), else SMARD's hourly price (before 2025-10-01).
-- Flags survive re-graining: an hour built from quarter-hours carries every flag of those quarter-hours and
-- every status other than OK they had (e.g. SERIES_ABSENT, NEGATIVE_VALUE_CLAMPED, PENDING, ZERO_GENERATION),
-- besides its own.
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back and every interval with newly
-- loaded generation or price rows. PENDING is decided on the rebuilt rows (the newest published interval is in them
-- or older than all of them); the fuels a region must report are read from the whole history.
{{ window_replace_config(['region', 'resolution', 'interval_start_utc']) }}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('int_generation_by_fuel_quarter_hourly')},
    {'relation': ref('int_generation_by_fuel_hourly')},
    {'relation': ref('stg_smard__prices'), 'loaded': '_loaded_at'},
]) %}
{{ replace_from_marker(replace_from) }}
with generation as (
    {{ generation_by_fuel_rows(replace_from) }}
),

factors as (
    {{ input_rows(ref('int_emission_factors_effective'), replace_from) }}
),

ranks as (
    select * from {{ ref('int_merit_order_ranks') }}
),

-- fuels a (region, resolution) has ever reported; a fuel missing from an interval is unpublished there. Read with
-- one index descent per (region, fuel) (macro distinct_region_fuels), not by scanning the whole history each run.
reported_fuels as (
    select
        region,
        'PT15M' as resolution,
        fuel
    from ({{ distinct_region_fuels(ref('int_generation_by_fuel_quarter_hourly')) }}) as quarter_hour_fuels
    union all
    select
        region,
        'PT1H' as resolution,
        fuel
    from ({{ distinct_region_fuels(ref('int_generation_by_fuel_hourly')) }}) as hour_fuels
),

expected_fuel_counts as (
    select
        region,
        resolution,
        count(distinct fuel) as expected_fuel_count
    from reported_fuels
    group by region, resolution
),

latest_published as (
    select
        region,
        resolution,
        max(interval_start_utc) as latest_published_start_utc
    from generation
    where is_published
    group by region, resolution
),

absent_series as (
    select
        region,
        resolution,
        bool_or(is_absent) as has_absent_series
    from {{ ref('stg_smard__series_status') }}
    group by region, resolution
),

prices as (
    {{ input_rows(
        ref('stg_smard__prices'), replace_from, ['resolution', 'interval_start_utc', 'price_eur_per_mwh', '_loaded_at']
    ) }}
),

quarter_hour_prices_by_hour as (
    select
        {{ utc_hour_start('interval_start_utc') }} as interval_start_utc,
        avg(price_eur_per_mwh) as price_eur_per_mwh,
        max(_loaded_at) as _loaded_at
    from prices
    where resolution = 'PT15M'
    group by {{ utc_hour_start('interval_start_utc') }}
    having count(price_eur_per_mwh) = 4
),

intervals as (
    select
        generation.source_system,
        generation.region,
        generation.resolution,
        generation.interval_start_utc,
        max(generation.interval_end_utc) as interval_end_utc,
        count(distinct generation.fuel) as fuel_count,
        bool_or(generation.is_published) as any_published,
        bool_and(generation.is_published) as all_published,
        bool_or(generation.is_negative_clamped and generation.is_published) as any_negative_clamped,
        bool_or(generation.is_unknown_fuel and generation.generation_mwh > 0) as any_unknown_fuel,
        sum(generation.generation_mwh) as generation_mwh,
        max(generation.source_loaded_at) as source_loaded_at,
        -- SMARD's day-ahead price is the DE-LU bidding zone's, so it applies to SMARD's regions only (DE and the
        -- four control areas). It used to match on time alone: US hours got the German price and its
        -- negative-price override; without a price of their own US rows are flagged PRICE_MISSING.
        generation.source_system = 'smard' as is_de_lu_bidding_zone
    from generation
    group by generation.source_system, generation.region, generation.resolution, generation.interval_start_utc
),

fuel_rows as (
    select
        generation.region,
        generation.resolution,
        generation.interval_start_utc,
        factors.scope,
        generation.fuel,
        generation.generation_mwh,
        coalesce(generation.generation_mwh > {{ var('dispatch_threshold_mwh', 0) }}, false) as is_dispatched,
        factors.g_co2eq_per_kwh,
        factors.emission_factor_id,
        factors.is_boundary_inside_interval,
        ranks.rank as merit_order_rank,
        coalesce(ranks.is_marginal_candidate, false) as is_marginal_candidate
    from generation
    inner join factors
        on
            generation.region = factors.region
            and generation.resolution = factors.resolution
            and generation.interval_start_utc = factors.interval_start_utc
            and generation.fuel = factors.fuel
    left join ranks
        on
            generation.fuel = ranks.fuel
            and generation.interval_start_utc >= ranks.valid_from
            and (ranks.valid_to is null or generation.interval_start_utc < ranks.valid_to)
),

emissions as (
    select
        region,
        resolution,
        interval_start_utc,
        scope,
        sum(generation_mwh * g_co2eq_per_kwh) as emissions_kg,
        count(*) filter (where is_dispatched and g_co2eq_per_kwh is null) as dispatched_without_factor_count,
        bool_or(is_boundary_inside_interval and is_dispatched) as any_boundary_inside_interval,
        bool_or(is_dispatched and fuel in ('wind_onshore', 'wind_offshore', 'photovoltaics'))
            as is_wind_or_pv_dispatched,
        coalesce(
            array_agg(distinct emission_factor_id order by emission_factor_id)
            filter (where is_dispatched and emission_factor_id is not null),
            array[]::text[]
        ) as factor_ids
    from fuel_rows
    group by region, resolution, interval_start_utc, scope
),

marginal_candidates as (
    select distinct on (region, resolution, interval_start_utc, scope)
        region,
        resolution,
        interval_start_utc,
        scope,
        fuel as marginal_fuel,
        g_co2eq_per_kwh as marginal_g_co2eq_per_kwh,
        emission_factor_id as marginal_factor_id
    from fuel_rows
    where is_dispatched and is_marginal_candidate
    order by
        region asc, resolution asc, interval_start_utc asc, scope asc,
        merit_order_rank desc nulls last, g_co2eq_per_kwh desc nulls first, fuel asc
),

worst_emitters as (
    select distinct on (region, resolution, interval_start_utc, scope)
        region,
        resolution,
        interval_start_utc,
        scope,
        fuel as worst_fuel,
        g_co2eq_per_kwh as worst_g_co2eq_per_kwh,
        emission_factor_id as worst_factor_id
    from fuel_rows
    where is_dispatched
    order by
        region asc, resolution asc, interval_start_utc asc, scope asc,
        g_co2eq_per_kwh desc nulls first, merit_order_rank desc nulls last, fuel asc
),

wind_onshore_factors as (
    select
        region,
        resolution,
        interval_start_utc,
        scope,
        g_co2eq_per_kwh,
        emission_factor_id
    from factors
    where fuel = 'wind_onshore'
),

assembled as (
    select
        intervals.source_system,
        intervals.region,
        intervals.resolution,
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        emissions.scope,
        intervals.generation_mwh,
        emissions.emissions_kg,
        emissions.factor_ids,
        case
            when intervals.resolution = 'PT15M'
                then coalesce(quarter_hour_prices.price_eur_per_mwh, hourly_prices_for_quarter.price_eur_per_mwh)
            else coalesce(quarter_hour_prices_by_hour.price_eur_per_mwh, hourly_prices.price_eur_per_mwh)
        end as price_eur_per_mwh,
        -- the newest load the row is computed from: its generation or the price it uses
        greatest(
            intervals.source_loaded_at,
            case
                when intervals.resolution = 'PT15M' and quarter_hour_prices.price_eur_per_mwh is not null
                    then quarter_hour_prices._loaded_at
                when intervals.resolution = 'PT15M' then hourly_prices_for_quarter._loaded_at
                when quarter_hour_prices_by_hour.price_eur_per_mwh is not null
                    then quarter_hour_prices_by_hour._loaded_at
                else hourly_prices._loaded_at
            end
        ) as source_loaded_at,
        case
            when
                not intervals.any_published
                and intervals.interval_start_utc > coalesce(
                    latest_published.latest_published_start_utc, timestamptz '-infinity'
                )
                then 'PENDING'
            when not intervals.any_published then 'NO_GENERATION_DATA'
            when
                not intervals.all_published
                or intervals.fuel_count < expected_fuel_counts.expected_fuel_count
                then 'INCOMPLETE_GENERATION'
            when intervals.generation_mwh = 0 then 'ZERO_GENERATION'
            when emissions.dispatched_without_factor_count > 0 then 'NO_FACTOR'
            else 'OK'
        end as status,
        emissions.is_wind_or_pv_dispatched,
        marginal_candidates.marginal_fuel,
        marginal_candidates.marginal_g_co2eq_per_kwh,
        marginal_candidates.marginal_factor_id,
        worst_emitters.worst_fuel,
        worst_emitters.worst_g_co2eq_per_kwh,
        worst_emitters.worst_factor_id,
        wind_onshore_factors.g_co2eq_per_kwh as wind_onshore_g_co2eq_per_kwh,
        wind_onshore_factors.emission_factor_id as wind_onshore_factor_id,
        {{ flag_array([
            ("intervals.any_negative_clamped", "NEGATIVE_VALUE_CLAMPED"),
            ("intervals.any_unknown_fuel", "UNKNOWN_FUEL_MAPPED"),
            ("coalesce(absent_series.has_absent_series, false)", "SERIES_ABSENT"),
            ("emissions.any_boundary_inside_interval", "FACTOR_BOUNDARY_INSIDE_INTERVAL"),
        ]) }} as base_flags
    from intervals
    inner join emissions
        on
            intervals.region = emissions.region
            and intervals.resolution = emissions.resolution
            and intervals.interval_start_utc = emissions.interval_start_utc
    left join expected_fuel_counts
        on
            intervals.region = expected_fuel_counts.region
            and intervals.resolution = expected_fuel_counts.resolution
    left join latest_published
        on
            intervals.region = latest_published.region
            and intervals.resolution = latest_published.resolution
    left join absent_series
        on
            intervals.region = absent_series.region
            and intervals.resolution = absent_series.resolution
    left join marginal_candidates
        on
            emissions.region = marginal_candidates.region
            and emissions.resolution = marginal_candidates.resolution
            and emissions.interval_start_utc = marginal_candidates.interval_start_utc
            and emissions.scope = marginal_candidates.scope
    left join worst_emitters
        on
            emissions.region = worst_emitters.region
            and emissions.resolution = worst_emitters.resolution
            and emissions.interval_start_utc = worst_emitters.interval_start_utc
            and emissions.scope = worst_emitters.scope
    left join wind_onshore_factors
        on
            emissions.region = wind_onshore_factors.region
            and emissions.resolution = wind_onshore_factors.resolution
            and emissions.interval_start_utc = wind_onshore_factors.interval_start_utc
            and emissions.scope = wind_onshore_factors.scope
    left join prices as quarter_hour_prices
        on
            intervals.is_de_lu_bidding_zone
            and intervals.resolution = 'PT15M'
            and quarter_hour_prices.resolution = 'PT15M'
            and intervals.interval_start_utc = quarter_hour_prices.interval_start_utc
    left join prices as hourly_prices_for_quarter
        on
            intervals.is_de_lu_bidding_zone
            and intervals.resolution = 'PT15M'
            and hourly_prices_for_quarter.resolution = 'PT1H'
            and {{ utc_hour_start('intervals.interval_start_utc') }} = hourly_prices_for_quarter.interval_start_utc
    left join prices as hourly_prices
        on
            intervals.is_de_lu_bidding_zone
            and intervals.resolution = 'PT1H'
            and hourly_prices.resolution = 'PT1H'
            and intervals.interval_start_utc = hourly_prices.interval_start_utc
    left join quarter_hour_prices_by_hour
        on
            intervals.is_de_lu_bidding_zone
            and intervals.resolution = 'PT1H'
            and intervals.interval_start_utc = quarter_hour_prices_by_hour.interval_start_utc
),

with_merit_order as (
    select
        *,
        coalesce(price_eur_per_mwh <= 0 and is_wind_or_pv_dispatched, false) as is_renewable_surplus
    from assembled
),

with_merit_order_status as (
    select
        *,
        case
            when status <> 'OK' then status
            when is_renewable_surplus and wind_onshore_g_co2eq_per_kwh is null then 'NO_FACTOR'
            when is_renewable_surplus then 'OK'
            when marginal_fuel is null then 'NO_MARGINAL_CANDIDATE'
            else 'OK'
        end as merit_order_status
    from with_merit_order
),

intensity as (
    select
        source_system,
        region,
        resolution,
        interval_start_utc,
        interval_end_utc,
        scope,
        trim_scale(
            case when status in ('OK', 'ZERO_GENERATION', 'NO_FACTOR') then generation_mwh end
        ) as generation_mwh,
        trim_scale(case when status in ('OK', 'ZERO_GENERATION') then emissions_kg end) as emissions_kg,
        trim_scale(case when status = 'OK' then emissions_kg / generation_mwh end) as average_intensity_g_per_kwh,
        case
            when merit_order_status <> 'OK' then null
            when is_renewable_surplus then 'renewable_surplus'
            else marginal_fuel
        end as marginal_fuel,
        trim_scale(case
            when merit_order_status <> 'OK' then null
            when is_renewable_surplus then wind_onshore_g_co2eq_per_kwh
            else marginal_g_co2eq_per_kwh
        end) as merit_order_intensity_g_per_kwh,
        case
            when merit_order_status <> 'OK' then null
            when is_renewable_surplus then wind_onshore_factor_id
            else marginal_factor_id
        end as merit_order_factor_id,
        case when status = 'OK' then worst_fuel end as worst_fuel,
        trim_scale(case when status = 'OK' then worst_g_co2eq_per_kwh end) as worst_emitter_intensity_g_per_kwh,
        case when status = 'OK' then worst_factor_id end as worst_factor_id,
        price_eur_per_mwh,
        status,
        merit_order_status,
        {{ flag_union([
            "base_flags",
            flag_array([
                ("price_eur_per_mwh is null", "PRICE_MISSING"),
                ("merit_order_status = 'NO_MARGINAL_CANDIDATE'", "NO_MARGINAL_CANDIDATE"),
            ]),
        ]) }} as flags,
        factor_ids,
        source_loaded_at
    from with_merit_order_status
)

-- every column of intensity; an hourly row also carries every flag and non-OK status of its quarter-hours
-- (macros/quarter_hour_flags.sql)
{{ select_with_quarter_hour_flags('intensity', 'region', columns=[
    'source_system', 'region', 'resolution', 'interval_start_utc', 'interval_end_utc', 'scope', 'generation_mwh',
    'emissions_kg', 'average_intensity_g_per_kwh', 'marginal_fuel', 'merit_order_intensity_g_per_kwh',
    'merit_order_factor_id', 'worst_fuel', 'worst_emitter_intensity_g_per_kwh', 'worst_factor_id',
    'price_eur_per_mwh', 'status', 'merit_order_status', 'flags', 'factor_ids', 'source_loaded_at',
], status_columns=['status', 'merit_order_status']) }}
