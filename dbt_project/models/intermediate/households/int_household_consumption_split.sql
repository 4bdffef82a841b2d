{#
    EV / household split of metered grid import (DOMAIN 2.2), applied per interval at the grain it was
    metered (quarter-hour or hour; never re-grained here). P = consumption_kwh / interval hours.
      single_ev_cap (default): P_ev = ev_power_kw if P > ev_power_kw (strict) else 0
      modulo:                  P_ev = ev_power_kw * floor(P / ev_power_kw)
      has_ev false:            P_ev = 0
    ev_kwh = P_ev * hours, household_kwh = consumption_kwh - ev_kwh (so ev + household = total exactly);
    numerics are trim_scale()d (no trailing zeros from the division by interval hours).
    Flags: EV_AT_THRESHOLD (cap rule, |P - ev_power_kw| < var ev_threshold_epsilon_kw), HH_EXCEEDS_ASSUMPTION
    (cap rule, P_hh > ev_power_kw), MULTI_EV_INFERRED (modulo, P_ev > ev_power_kw), EV_SPLIT_COARSE (hourly data
    of a household with an EV), NEGATIVE_VALUE_CLAMPED (net export metered, counted as 0 import).
    is_finest_grain is false for an hourly row whose four quarter-hours were also metered: analyses use the
    finest grain (where is_finest_grain) so no consumption is counted twice.
    Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back, every hour with newly loaded
    raw rows, and every interval of a household whose settings changed.
#}
{{ window_replace_config(
    ['household_id', 'resolution', 'interval_start_utc'],
    extra_indexes=[{'columns': ['household_id', 'settings_fingerprint']}],
    pre_hook="{{ attribution_planner_settings() }}",
    post_hook="{{ analyze_if_never_analyzed() }}",
) }}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('stg_tibber__consumption'), 'loaded': '_loaded_at'},
]) %}
{{ replace_from_marker(replace_from) }}
with

consumption as (
    select
        home_id,
        resolution,
        interval_start_utc,
        interval_end_utc,
        consumption_kwh,
        is_negative_clamped,
        _loaded_at,
        extract(epoch from interval_end_utc - interval_start_utc) / 3600.0 as interval_hours
    from {{ ref('stg_tibber__consumption') }}
    where
        consumption_kwh is not null
        and resolution in ('PT15M', 'PT1H')
        and (
            interval_start_utc >= {{ replace_from }}
            or home_id in (
                select changed.tibber_home_id
                from {{ ref('int_households_configured') }} as changed
                where {{ changed_settings_households('changed.household_id') }}
            )
        )
),

quarter_hour_coverage as (
    select
        home_id,
        date_bin(interval '1 hour', interval_start_utc, timestamptz '2000-01-01 00:00:00+00') as hour_start_utc,
        count(*) as n_quarter_hours
    from consumption
    where resolution = 'PT15M'
    group by 1, 2
),

households as (
    select * from {{ ref('int_households_configured') }}
),

with_power as (
    select
        households.household_id,
        consumption.interval_start_utc,
        consumption.interval_end_utc,
        consumption.resolution,
        consumption.interval_hours,
        consumption.consumption_kwh,
        consumption.consumption_kwh / consumption.interval_hours as average_power_kw,
        consumption.is_negative_clamped,
        consumption.resolution = 'PT15M'
        or coalesce(quarter_hour_coverage.n_quarter_hours, 0) < 4 as is_finest_grain,
        households.has_ev,
        households.ev_power_kw,
        households.ev_split_rule,
        households.control_area,
        households.timezone,
        households.settings_fingerprint,
        consumption._loaded_at
    from consumption
    inner join households
        on consumption.home_id = households.tibber_home_id
    left join quarter_hour_coverage
        on
            consumption.resolution = 'PT1H'
            and consumption.home_id = quarter_hour_coverage.home_id
            and consumption.interval_start_utc = quarter_hour_coverage.hour_start_utc
),

with_ev_power as (
    select
        *,
        case
            when not has_ev then 0
            when ev_split_rule = 'modulo' then ev_power_kw * floor(average_power_kw / ev_power_kw)
            when average_power_kw > ev_power_kw then ev_power_kw
            else 0
        end as ev_average_power_kw
    from with_power
)

select
    household_id,
    interval_start_utc,
    interval_end_utc,
    resolution,
    trim_scale(consumption_kwh) as consumption_kwh,
    trim_scale(ev_average_power_kw * interval_hours) as ev_kwh,
    trim_scale(consumption_kwh - ev_average_power_kw * interval_hours) as household_kwh,
    trim_scale(average_power_kw) as average_power_kw,
    array_remove(
        array[
            case when is_negative_clamped then 'NEGATIVE_VALUE_CLAMPED' end,
            case
                when
                    has_ev
                    and ev_split_rule = 'single_ev_cap'
                    and abs(average_power_kw - ev_power_kw) < {{ var('ev_threshold_epsilon_kw') }}
                    then 'EV_AT_THRESHOLD'
            end,
            case
                when
                    has_ev
                    and ev_split_rule = 'single_ev_cap'
                    and average_power_kw - ev_average_power_kw > ev_power_kw
                    then 'HH_EXCEEDS_ASSUMPTION'
            end,
            case
                when has_ev and ev_split_rule = 'modulo' and ev_average_power_kw > ev_power_kw
                    then 'MULTI_EV_INFERRED'
            end,
            case when has_ev and resolution = 'PT1H' then 'EV_SPLIT_COARSE' end
        ]::text[],
        null
    ) as flags,
    is_finest_grain,
    control_area,
    timezone,
    has_ev,
    ev_power_kw,
    ev_split_rule,
    settings_fingerprint,
    _loaded_at as source_loaded_at
from with_ev_power
