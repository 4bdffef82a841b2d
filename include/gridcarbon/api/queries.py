"""The SQL the API runs, all of it on ``marts.*`` (``bi_reader`` can read nothing else).

Each function takes a :class:`~gridcarbon.api.database.MartsReader` and plain values and returns rows as dicts.
Column names are never taken from the request: models map to fixed marts and columns (``params.GRID_SOURCES``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridcarbon.api.database import MartsReader
from gridcarbon.api.params import GERMAN_ZONES, GRID_SOURCES, GridModel

GRID = "marts.fct_grid_carbon_intensity"
GENERATION = "marts.fct_grid_generation_by_fuel"
EMISSIONS = "marts.fct_household_emissions"
MONTHLY = "marts.agg_household_emissions_monthly"
HOUSEHOLDS = "marts.dim_households"


def zone_catalog(reader: MartsReader) -> list[dict[str, Any]]:
    """One row per region of the grid mart: its source systems and the span of its (final) intervals."""
    return reader.rows(f"""
        select region,
               array_agg(distinct source_system) filter (where source_system is not null) as source_systems,
               min(interval_start_utc) as first_start,
               max(interval_end_utc) as last_end,
               max(interval_end_utc) filter (where status = 'OK') as last_final_end
        from {GRID}
        group by region
        order by region""")


def _load_regions(zone: str, model: GridModel) -> list[str]:
    """Regions whose generation an intensity of ``zone`` is computed from: the zone itself, or for locality every
    German region (the area, the pool of the other areas and DE for the import gap)."""
    return list(GERMAN_ZONES) if model is GridModel.locality else [zone]


def _loads_cte(resolution: str) -> str:
    """``loads``: the newest load time of the generation of the regions in %(load_regions)s per interval."""
    return f"""loads as (
            select interval_start_utc, max(source_loaded_at) as loaded_at
            from {GENERATION}
            where region = any(%(load_regions)s) and resolution = {resolution}
              and interval_start_utc >= %(start)s and interval_start_utc < %(end)s
            group by interval_start_utc
        )"""


def grid_intervals(reader: MartsReader, zone: str, scope: str, resolution: str, model: GridModel,
                   start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every interval of ``zone`` starting in [start, end), whatever its status, with ``updated_at``: when its
    generation data was last loaded."""
    src = GRID_SOURCES[model]
    return reader.rows(f"""
        with {_loads_cte("%(resolution)s")}
        select t.interval_start_utc, t.interval_end_utc, t.{src.intensity} as intensity, t.{src.status} as status,
               t.flags, t.{src.weight} as weight_mwh, loads.loaded_at as updated_at
        from {src.table} as t
        left join loads on loads.interval_start_utc = t.interval_start_utc
        where t.region = %(zone)s and t.scope = %(scope)s and t.resolution = %(resolution)s
          and t.interval_start_utc >= %(start)s and t.interval_start_utc < %(end)s
        order by t.interval_start_utc""",
        {"zone": zone, "scope": scope, "resolution": resolution, "start": start, "end": end,
         "load_regions": _load_regions(zone, model)})


def grid_newest(reader: MartsReader, zone: str, scope: str, resolution: str, model: GridModel,
                final_only: bool) -> dict[str, Any] | None:
    """The newest interval of ``zone`` (``final_only``: the newest with status OK)."""
    src = GRID_SOURCES[model]
    rows = reader.rows(f"""
        select interval_start_utc, interval_end_utc
        from {src.table}
        where region = %(zone)s and scope = %(scope)s and resolution = %(resolution)s
          {"and " + src.status + " = 'OK'" if final_only else ""}
        order by interval_start_utc desc
        limit 1""", {"zone": zone, "scope": scope, "resolution": resolution})
    if not rows:
        return None
    newest = rows[0]
    return grid_intervals(reader, zone, scope, resolution, model, newest["interval_start_utc"],
                          newest["interval_end_utc"])[0]


def grid_periods(reader: MartsReader, zone: str, scope: str, model: GridModel, unit: str,
                 start: datetime, end: datetime) -> list[dict[str, Any]]:
    """UTC days, months or years (``unit``) of ``zone`` from its hours in [start, end): the energy-weighted mean
    intensity of the final hours (for the average model exactly E/G), the number of final hours and the newest
    load time of their generation."""
    src = GRID_SOURCES[model]
    assert unit in ("day", "month", "year")
    final = f"t.{src.status} = 'OK'"
    return reader.rows(f"""
        with {_loads_cte("'PT1H'")}
        select date_trunc('{unit}', t.interval_start_utc, 'UTC') as period_start,
               count(*) filter (where {final}) as final_hours,
               sum(t.{src.intensity} * t.{src.weight}) filter (where {final})
                 / nullif(sum(t.{src.weight}) filter (where {final}), 0) as intensity,
               max(loads.loaded_at) filter (where {final}) as updated_at
        from {src.table} as t
        left join loads on loads.interval_start_utc = t.interval_start_utc
        where t.region = %(zone)s and t.scope = %(scope)s and t.resolution = 'PT1H'
          and t.interval_start_utc >= %(start)s and t.interval_start_utc < %(end)s
        group by 1
        order by 1""", {"zone": zone, "scope": scope, "start": start, "end": end,
                        "load_regions": _load_regions(zone, model)})


def breakdown_intervals(reader: MartsReader, zone: str, resolution: str, start: datetime | None = None,
                        end: datetime | None = None, newest_only: bool = False) -> list[dict[str, Any]]:
    """Intervals of ``zone`` whose generation is complete (OK or ZERO_GENERATION), each with its power per
    electricityMaps key (``powers``: key -> MW), the fossil-free and renewable MW, the total and the newest load
    time; [start, end) or, with ``newest_only``, the newest such interval."""
    window = "" if newest_only else "and interval_start_utc >= %(start)s and interval_start_utc < %(end)s"
    return reader.rows(f"""
        with complete as (
            select interval_start_utc, interval_end_utc, electricitymaps_key, power_mw, is_fossil_free,
                   is_renewable, source_loaded_at
            from {GENERATION}
            where region = %(zone)s and resolution = %(resolution)s
              and generation_status in ('OK', 'ZERO_GENERATION') {window}
        ),
        intervals as (
            select interval_start_utc from complete group by interval_start_utc
            order by interval_start_utc desc {"limit 1" if newest_only else ""}
        ),
        keys as (
            select interval_start_utc, electricitymaps_key, sum(power_mw) as power_mw
            from complete group by interval_start_utc, electricitymaps_key
        )
        select c.interval_start_utc, max(c.interval_end_utc) as interval_end_utc,
               (select jsonb_object_agg(k.electricitymaps_key, k.power_mw) from keys as k
                where k.interval_start_utc = c.interval_start_utc) as powers,
               sum(c.power_mw) as total_mw,
               sum(c.power_mw) filter (where c.is_fossil_free) as fossil_free_mw,
               sum(c.power_mw) filter (where c.is_renewable) as renewable_mw,
               max(c.source_loaded_at) as updated_at
        from complete as c
        inner join intervals on intervals.interval_start_utc = c.interval_start_utc
        group by c.interval_start_utc
        order by c.interval_start_utc""",
        {"zone": zone, "resolution": resolution, "start": start, "end": end})


def breakdown_newest_end(reader: MartsReader, zone: str, resolution: str) -> datetime | None:
    """End of the newest interval of ``zone`` in the generation mart, complete or not."""
    rows = reader.rows(f"select max(interval_end_utc) as end_utc from {GENERATION} "
                       "where region = %(zone)s and resolution = %(resolution)s",
                       {"zone": zone, "resolution": resolution})
    return rows[0]["end_utc"] if rows else None


def heatmap_cells(reader: MartsReader, zone: str, scope: str, model: GridModel, timezone: str,
                  start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Hours of ``zone`` in [start, end) by local day and hour of day in ``timezone``; the October hour that
    occurs twice is one cell (generation-weighted), a cell is final only when all its hours are."""
    src = GRID_SOURCES[model]
    return reader.rows(f"""
        with hours as (
            select (interval_start_utc at time zone %(tz)s) as local_start, {src.intensity} as intensity,
                   {src.status} as status, {src.weight} as weight_mwh
            from {src.table}
            where region = %(zone)s and scope = %(scope)s and resolution = 'PT1H'
              and interval_start_utc >= %(start)s and interval_start_utc < %(end)s
        )
        select local_start::date as local_date,
               extract(hour from local_start)::int as hour,
               bool_and(status = 'OK') as is_final,
               sum(intensity * weight_mwh) / nullif(sum(weight_mwh), 0) as intensity,
               min(status) filter (where status <> 'OK') as status_not_ok
        from hours
        group by 1, 2
        order by 1, 2""", {"zone": zone, "scope": scope, "tz": timezone, "start": start, "end": end})


def households(reader: MartsReader) -> list[dict[str, Any]]:
    return reader.rows(f"""
        select h.household_id, h.control_area, h.has_ev, h.ev_power_kw, h.ev_split_rule, h.timezone,
               h.is_configured, span.first_start, span.last_end, span.last_final_end
        from {HOUSEHOLDS} as h
        left join (
            select household_id,
                   min(interval_start_utc) as first_start,
                   max(interval_end_utc) as last_end,
                   max(interval_end_utc) filter (where status = 'OK') as last_final_end
            from {EMISSIONS}
            where model = 'average' and scope = 'direct'
            group by household_id
        ) as span on span.household_id = h.household_id
        order by h.household_id""")


def household(reader: MartsReader, household_id: str) -> dict[str, Any] | None:
    rows = reader.rows(f"select household_id, control_area, has_ev, timezone from {HOUSEHOLDS} "
                       "where household_id = %(id)s", {"id": household_id})
    return rows[0] if rows else None


def household_intervals(reader: MartsReader, household_id: str, start: datetime, end: datetime
                        ) -> list[dict[str, Any]]:
    """Every (interval, model, scope) row of the household starting in [start, end)."""
    return reader.rows(f"""
        select interval_start_utc as period_start, interval_end_utc as period_end, resolution, model, scope,
               region_used, consumption_kwh, ev_kwh, household_kwh, intensity_g_per_kwh, emissions_kg,
               ev_emissions_kg, household_emissions_kg, rd_emissions_kg, status, flags,
               1 as interval_count, case when status = 'OK' then 0 else 1 end as unattributed_interval_count,
               case when status = 'OK' then consumption_kwh else 0 end as attributed_kwh
        from {EMISSIONS}
        where household_id = %(id)s and interval_start_utc >= %(start)s and interval_start_utc < %(end)s
        order by interval_start_utc, model, scope""", {"id": household_id, "start": start, "end": end})


def household_days(reader: MartsReader, household_id: str, timezone: str, start: datetime, end: datetime
                   ) -> list[dict[str, Any]]:
    """Local calendar days (``timezone``) of the household's intervals starting in [start, end), per model
    and scope, with the day's length and the hours metered in it."""
    return reader.rows(f"""
        with localised as (
            select (interval_start_utc at time zone %(tz)s)::date as local_date, *
            from {EMISSIONS}
            where household_id = %(id)s and interval_start_utc >= %(start)s and interval_start_utc < %(end)s
        )
        select local_date,
               local_date::timestamp at time zone %(tz)s as period_start,
               (local_date + 1)::timestamp at time zone %(tz)s as period_end,
               model, scope,
               count(*) as interval_count,
               count(*) filter (where status <> 'OK') as unattributed_interval_count,
               sum(consumption_kwh) as consumption_kwh, sum(ev_kwh) as ev_kwh, sum(household_kwh) as household_kwh,
               coalesce(sum(consumption_kwh) filter (where status = 'OK'), 0) as attributed_kwh,
               sum(emissions_kg) as emissions_kg, sum(ev_emissions_kg) as ev_emissions_kg,
               sum(household_emissions_kg) as household_emissions_kg, sum(rd_emissions_kg) as rd_emissions_kg,
               sum(extract(epoch from interval_end_utc - interval_start_utc)) / 3600 as covered_hours,
               extract(epoch from ((local_date + 1)::timestamp at time zone %(tz)s)
                                  - (local_date::timestamp at time zone %(tz)s)) / 3600 as period_hours
        from localised
        group by local_date, model, scope
        order by local_date, model, scope""",
        {"id": household_id, "tz": timezone, "start": start, "end": end})


def household_months(reader: MartsReader, household_id: str, first_month: datetime, end: datetime
                     ) -> list[dict[str, Any]]:
    """Rows of ``agg_household_emissions_monthly`` for the local months from ``first_month`` (the local start of
    a month, naive) that start before ``end`` (a naive local date-time)."""
    return reader.rows(f"""
        select month_start_local as local_date,
               month_start_local::timestamp at time zone timezone as period_start,
               (month_start_local + interval '1 month')::timestamp at time zone timezone as period_end,
               model, scope, interval_count, unattributed_interval_count, consumption_kwh, ev_kwh,
               household_kwh, attributed_kwh, emissions_kg, ev_emissions_kg, household_emissions_kg,
               rd_emissions_kg, covered_hours, period_hours, is_complete
        from {MONTHLY}
        where household_id = %(id)s and month_start_local >= %(first)s
          and month_start_local::timestamp < %(end)s
        order by month_start_local, model, scope""",
        {"id": household_id, "first": first_month.date(), "end": end})
