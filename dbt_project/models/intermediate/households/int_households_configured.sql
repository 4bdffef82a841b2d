{#
    Every known Tibber home (homes list, consumption, or seed household_settings) with its settings; homes
    without a seed row get the documented defaults (vars default_*; DOMAIN 1.5): control_area NULL (must be
    configured), has_ev false, ev_power_kw 11.0, ev_split_rule single_ev_cap, timezone = the home's Tibber
    time zone or Europe/Berlin. The Tibber id stays in this intermediate model; marts use household_id.
#}
with

homes as (
    select
        home_id,
        time_zone,
        currency
    from {{ ref('stg_tibber__homes') }}
),

settings as (
    select * from {{ ref('household_settings') }}
),

known_home_ids as (
    select home_id from homes
    union
    select distinct home_id from {{ ref('stg_tibber__consumption') }}
    union
    select tibber_home_id as home_id from settings
),

configured as (
    select
        {{ household_id('known_home_ids.home_id') }} as household_id,
        known_home_ids.home_id as tibber_home_id,
        coalesce(settings.control_area, {{ sql_literal(var('default_control_area')) }}::text) as control_area,
        coalesce(settings.has_ev, {{ sql_literal(var('default_has_ev')) }}::boolean) as has_ev,
        coalesce(settings.ev_power_kw, {{ sql_literal(var('default_ev_power_kw')) }}::numeric) as ev_power_kw,
        coalesce(settings.ev_split_rule, {{ sql_literal(var('default_ev_split_rule')) }}::text) as ev_split_rule,
        coalesce(
            settings.timezone, homes.time_zone, {{ sql_literal(var('default_timezone')) }}::text
        ) as timezone,
        homes.currency,
        settings.tibber_home_id is not null as is_configured
    from known_home_ids
    left join settings
        on known_home_ids.home_id = settings.tibber_home_id
    left join homes
        on known_home_ids.home_id = homes.home_id
)

select
    household_id,
    tibber_home_id,
    control_area,
    has_ev,
    ev_power_kw,
    ev_split_rule,
    timezone,
    currency,
    is_configured,
    -- what the EV split and the locality model depend on: the incremental marts re-process every interval of
    -- a household whose fingerprint changed (macro households_with_changed_settings)
    md5(concat_ws(
        '|', coalesce(control_area, '<none>'), has_ev::text, ev_power_kw::text, ev_split_rule, timezone
    )) as settings_fingerprint
from configured
