"""The closing summary of ``make demo``: what the marts say, read as ``bi_reader`` (marts only), the role a BI
tool would use."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gridcarbon.intervals import Window

MODELS = ("average", "merit_order", "worst_emitter", "locality")


def bi_connect() -> Any:
    """``GRIDCARBON_BI_DSN``, else the bi_reader role on the warehouse of ``scripts/env.sh``."""
    import psycopg2

    dsn = os.environ.get("GRIDCARBON_BI_DSN") or (
        f"postgresql://bi_reader@{os.environ.get('PGHOST', '127.0.0.1')}:{os.environ.get('PGPORT', '5432')}"
        f"/{os.environ.get('WAREHOUSE_DB', 'gridcarbon')}"
    )
    return psycopg2.connect(dsn)


def _fetch(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def _exists(conn: Any, qualified: str) -> bool:
    return bool(_fetch(conn, "select to_regclass(%s) is not null", (qualified,))[0][0])


def _kg(value: Any) -> str:
    return "      -" if value is None else f"{float(value):7.1f}"


def print_marts_summary(window: Window, say: Callable[[str], None]) -> None:
    conn = bi_connect()
    try:
        if not _exists(conn, "marts.agg_household_emissions_monthly"):
            say("(no marts yet: the dbt transformation has not been built)")
            return
        _grid_summary(conn, window, say)
        _household_summary(conn, window, say)
    finally:
        conn.close()


def _grid_summary(conn: Any, window: Window, say: Callable[[str], None]) -> None:
    rows = _fetch(conn, """
        select region,
               count(*) filter (where status = 'OK') as ok,
               count(*) as intervals,
               round(sum(emissions_kg) filter (where status = 'OK')  -- kg / MWh = g / kWh
                     / nullif(sum(generation_mwh) filter (where status = 'OK'), 0), 1) as avg_g_per_kwh
        from marts.fct_grid_carbon_intensity
        where scope = 'direct' and resolution = 'PT1H' and interval_start_utc >= %s and interval_start_utc < %s
        group by region
        order by region
    """, (window.start, window.end))
    if not rows:
        return
    say("")
    say("Grid carbon intensity (scope direct, hourly, generation-weighted over the window):")
    say(f"  {'region':<12} {'g/kWh':>8} {'hours OK':>14}")
    for region, ok, intervals, avg in rows:
        shown = "-" if avg is None else f"{float(avg):.1f}"
        say(f"  {region:<12} {shown:>8} {ok:>7,}/{intervals:<7,}")


def _household_summary(conn: Any, window: Window, say: Callable[[str], None]) -> None:
    rows = _fetch(conn, """
        select household_id, month_start_local, model,
               consumption_kwh, ev_kwh, emissions_kg, attributed_kwh, unattributed_interval_count
        from marts.agg_household_emissions_monthly
        where scope = 'direct'
          and month_start_local >= date_trunc('month', %s at time zone timezone)::date
          and month_start_local < (%s at time zone timezone)::date
        order by month_start_local, household_id, model
    """, (window.start, window.end))
    if not rows:
        say("(no household emissions in this window)")
        return
    table: dict[tuple[Any, Any], dict[str, Any]] = {}
    for household, month, model, kwh, ev_kwh, kg, attributed, unattributed in rows:
        entry = table.setdefault((month, household), {"kwh": kwh, "ev_kwh": ev_kwh})
        entry[model] = (kg, attributed, unattributed)
    say("")
    say("Households per local calendar month (scope direct; kg CO2 under each attribution model):")
    say(f"  {'month':<8} {'household':<12} {'kWh':>8} {'EV share':>9}  "
        + "  ".join(f"{m:>13}" for m in MODELS))
    for (month, household), entry in sorted(table.items()):
        kwh = float(entry["kwh"] or 0)
        ev_share = f"{100 * float(entry['ev_kwh'] or 0) / kwh:7.1f} %" if kwh else "      - "
        cells = []
        for model in MODELS:
            kg, attributed, unattributed = entry.get(model, (None, None, None))
            mark = "*" if unattributed else " "
            cells.append(f"{_kg(kg):>12}{mark}")
        say(f"  {month:%Y-%m}  {household[:12]:<12} {kwh:8.1f} {ev_share:>9}  " + "  ".join(cells))
    if any(v[2] for e in table.values() for k, v in e.items() if k in MODELS and v[2]):
        say("  * some intervals without an intensity (pending or incomplete grid data): kg covers the rest;")
        say("    see marts.fct_household_emissions.status")
