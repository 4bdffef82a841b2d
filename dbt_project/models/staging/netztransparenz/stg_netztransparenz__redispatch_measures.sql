{#
    Redispatch measures: direction normalised to up/down (also from the raw German text, incl. the
    encoding-damaged "erh¿hen"), TSO names normalised to SMARD control-area names ("TenneT DE" -> "TenneT").
    control_area = the instructing TSO (DOMAIN 8.3 step 2). Test runs of reserve plants are flagged, not removed.
#}
with

measures as (
    select * from {{ source('raw_netztransparenz', 'redispatch_measures') }}
),

normalised as (
    select
        measure_id,
        start_utc,
        end_utc,
        coalesce(
            lower(direction),
            case
                when direction_raw ilike '%erh%hen%' then 'up'
                when direction_raw ilike '%reduzieren%' then 'down'
            end
        ) as direction,
        direction_raw,
        total_mwh,
        mean_mw,
        max_mw,
        instructing_tso,
        requesting_tso,
        affected_plant,
        primary_energy_class,
        reason,
        zone_from,
        zone_to,
        _loaded_at
    from measures
)

select
    measure_id,
    start_utc,
    end_utc,
    direction,
    total_mwh,
    case
        when instructing_tso ilike 'tennet%' then 'TenneT'
        else trim(instructing_tso)
    end as control_area,
    case
        when requesting_tso ilike 'tennet%' then 'TenneT'
        else trim(requesting_tso)
    end as requesting_tso,
    affected_plant,
    primary_energy_class,
    reason,
    coalesce(reason ~* '(probestart|testfahrt|funktionstest|probeabruf)', false) as is_test_run,
    extract(epoch from end_utc - start_utc) / 3600.0 as duration_hours,
    mean_mw,
    max_mw,
    instructing_tso,
    direction_raw,
    zone_from,
    zone_to,
    _loaded_at
from normalised
