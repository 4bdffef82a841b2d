"""A small warehouse for the carbon API tests: raw rows in the loaders' shape, then the real dbt project.

33 local days (Europe/Berlin) from 2025-02-01 to 2025-03-05 of hourly SMARD values for DE and its four control
areas (DE = the sum of the areas, so locality has balances to work with), the DE-LU day-ahead price, EIA-930
hours for CISO, and hourly Tibber consumption of the two demo homes of ``seeds/household_settings.csv`` (one
flat, one charging an 11 kW EV on some evenings). February is a complete local month, March is not. The last
``PENDING_HOURS`` SMARD hours are published as NULL (not yet published), so the marts hold intervals without a
final intensity after the last final one, as in production.

The numbers are smooth functions of the hour (solar by local hour of day, wind by day, a price that goes
negative on windy middays), so the charts have something to show; the tests compare the API with the marts,
not with numbers computed here.
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.settings import REPO_ROOT

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2025, 1, 31, 23, tzinfo=UTC)   # 2025-02-01 00:00 Europe/Berlin
END = datetime(2025, 3, 5, 23, tzinfo=UTC)      # 2025-03-06 00:00 Europe/Berlin (exclusive)
HOURS = [START + timedelta(hours=i) for i in range(int((END - START) / timedelta(hours=1)))]
PENDING_HOURS = 3                               # the last SMARD hours: every value NULL (not yet published)
LAST_FINAL_HOUR = HOURS[-PENDING_HOURS - 1]
HOME_FLAT = "4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a01"  # seeds/household_settings.csv: TransnetBW, no EV
HOME_EV = "4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a02"    # TransnetBW, EV 11 kW
AREAS = ("50Hertz", "Amprion", "TenneT", "TransnetBW")
# SMARD filter -> (fuel, share of each control area in AREAS order)
FUEL_SHARES: dict[int, tuple[str, tuple[float, float, float, float]]] = {
    1223: ("lignite", (0.55, 0.45, 0.0, 0.0)),
    4069: ("hard_coal", (0.10, 0.40, 0.15, 0.35)),
    4071: ("natural_gas", (0.20, 0.35, 0.25, 0.20)),
    4067: ("wind_onshore", (0.40, 0.10, 0.45, 0.05)),
    4068: ("photovoltaics", (0.20, 0.25, 0.30, 0.25)),
    4066: ("biomass", (0.25, 0.25, 0.25, 0.25)),
}
LOAD_FILTER, PRICE_FILTER = 410, 4169
LOAD_SHARES = (0.20, 0.35, 0.30, 0.15)


def _de_generation(ts: datetime) -> dict[int, float]:
    """MWh in the hour for Germany, by SMARD filter."""
    local = ts.astimezone(BERLIN)
    day = (ts - START).total_seconds() / 86400
    sun = max(0.0, math.sin(math.pi * (local.hour - 7) / 10)) if 7 <= local.hour <= 17 else 0.0
    evening = 1.0 if 17 <= local.hour <= 21 else 0.0
    wind = 6000 + 14000 * (0.5 + 0.5 * math.sin(2 * math.pi * day / 6.5))
    return {
        1223: 9000 - 2000 * (wind / 20000),
        4069: 2500 + 1500 * evening,
        4071: 3500 + 3000 * evening + 1000 * (1 - sun),
        4067: wind,
        4068: 14000 * sun,
        4066: 4500,
    }


def _de_load(ts: datetime) -> float:
    local = ts.astimezone(BERLIN)
    return 50000 + 12000 * max(0.0, math.sin(math.pi * (local.hour - 5) / 18))


def _price(ts: datetime, generation: dict[int, float]) -> float:
    renewable = generation[4067] + generation[4068]
    return round(120 - 0.006 * renewable, 2)  # below 0 on windy, sunny middays (renewable surplus)


def smard_rows(loaded: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """raw_smard.chart_values and raw_smard.series_status rows (in the tables' column order)."""
    chart: list[tuple[Any, ...]] = []
    for n, ts in enumerate(HOURS):
        pending = n >= len(HOURS) - PENDING_HOURS
        block = ts  # the weekly file's start is not read by the models
        generation = _de_generation(ts)
        for filter_id, (_, shares) in FUEL_SHARES.items():
            parts = [round(generation[filter_id] * share, 3) for share in shares]
            for area, part in zip(AREAS, parts, strict=True):
                chart.append((filter_id, area, "hour", ts, None if pending else part, loaded, block))
            chart.append((filter_id, "DE", "hour", ts, None if pending else round(sum(parts), 3), loaded, block))
        load_parts = [round(_de_load(ts) * share, 3) for share in LOAD_SHARES]
        for area, part in zip(AREAS, load_parts, strict=True):
            chart.append((LOAD_FILTER, area, "hour", ts, None if pending else part, loaded, block))
        chart.append((LOAD_FILTER, "DE", "hour", ts, None if pending else round(sum(load_parts), 3), loaded, block))
        chart.append((PRICE_FILTER, "DE-LU", "hour", ts, _price(ts, generation), loaded, block))
    series = [(f, r) for f in (*FUEL_SHARES, LOAD_FILTER) for r in ("DE", *AREAS)] + [(PRICE_FILTER, "DE-LU")]
    status = [(f, r, "hour", "present", loaded) for f, r in series]
    return chart, status


def tibber_rows(loaded: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """raw_tibber.homes and raw_tibber.consumption rows (in the tables' column order)."""
    homes = [(HOME_FLAT, "Europe/Berlin", "EUR", "Flat", "Königstraße 1", "70173", "Stuttgart", "DE"),
             (HOME_EV, "Europe/Berlin", "EUR", "House", "Kaiserstraße 2", "76133", "Karlsruhe", "DE")]
    consumption: list[tuple[Any, ...]] = []
    for ts in HOURS:
        local = ts.astimezone(BERLIN)
        base = 0.25 + 0.45 * (1.0 if 6 <= local.hour <= 8 or 17 <= local.hour <= 22 else 0.0)
        flat = round(base, 3)
        charging = local.day % 2 == 0 and 18 <= local.hour <= 20  # every other evening, three hours at 11 kW
        house = round(base * 1.6 + (11.0 if charging else 0.0), 3)
        for home, kwh in ((HOME_FLAT, flat), (HOME_EV, house)):
            consumption.append((home, "HOURLY", ts, ts + timedelta(hours=1), kwh, "kWh", round(kwh * 0.3, 4),
                                0.3, 0.05, "EUR"))
    return homes, consumption


def eia_rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """raw_eia.fuel_type_data and raw_eia.region_data rows for CISO (in the tables' column order)."""
    fuel: list[tuple[Any, ...]] = []
    region: list[tuple[Any, ...]] = []
    for ts in HOURS:
        hour = ts.astimezone(ZoneInfo("America/Los_Angeles")).hour
        sun = max(0.0, math.sin(math.pi * (hour - 6) / 13)) if 6 <= hour <= 19 else 0.0
        for code, name, mwh in (("NG", "Natural Gas", 9000 - 5000 * sun), ("SUN", "Solar", 12000 * sun),
                                ("NUC", "Nuclear", 2200.0), ("WAT", "Hydro", 1800.0)):
            fuel.append(("CISO", code, ts, round(mwh, 3), "California Independent System Operator", name,
                         "megawatthours"))
        region.append(("CISO", "D", ts, 24000.0, "California Independent System Operator", "Demand",
                       "megawatthours"))
    return fuel, region


def raw_rows() -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """(raw table, rows) for every table the test warehouse gets."""
    loaded = datetime(2025, 3, 6, 6, tzinfo=UTC)
    chart, status = smard_rows(loaded)
    homes, consumption = tibber_rows(loaded)
    fuel, region = eia_rows()
    yield "raw_smard.chart_values", chart
    yield "raw_smard.series_status", status
    yield "raw_tibber.homes", homes
    yield "raw_tibber.consumption", consumption
    yield "raw_eia.fuel_type_data", fuel
    yield "raw_eia.region_data", region


def load_raw_rows(dsn: str) -> dict[str, int]:
    """Load ``raw_rows()`` with the loaders' own ``replace_window`` (as ``gridcarbon_loader``)."""
    from gridcarbon.sources import all_raw_tables
    from gridcarbon.warehouse import LoadMeta, connect, replace_window

    tables = {t.qualified: t for t in all_raw_tables()}
    loaded: dict[str, int] = {}
    conn = connect(dsn)
    try:
        for name, rows in raw_rows():
            table = tables[name]
            with conn:
                result = replace_window(conn, table, rows, meta=LoadMeta(dag_id="tests_api", run_id="seed"))
            loaded[name] = result.inserted
    finally:
        conn.close()
    return loaded


def run_dbt(args: list[str], database: str, work: Path) -> str:
    """``dbt <args>`` of the real project (``GRIDCARBON_DBT_PROJECT_DIR``, default ``dbt_project/``) against
    ``database`` as the transformer role."""
    from gridcarbon.dbt_runner import project_dir

    project = project_dir()
    env = dict(os.environ)
    env.update(DBT_DATABASE=database, DBT_HOST=os.environ.get("PGHOST", "127.0.0.1"),
               DBT_PORT=os.environ.get("PGPORT", "5432"), DBT_USER="gridcarbon_transformer",
               DBT_PROFILES_DIR=str(project), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    executable = os.environ.get("GRIDCARBON_DBT_EXECUTABLE") or str(REPO_ROOT / ".venv-dbt" / "bin" / "dbt")
    cmd = [executable, *args, "--target-path", str(work / "target"), "--log-path", str(work)]
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        failures = [line for line in proc.stdout.splitlines() if " ERROR " in line or " FAIL " in line]
        raise RuntimeError(f"dbt {' '.join(args)} failed ({proc.returncode}):\n" + "\n".join(failures)
                           + f"\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout
