"""Puts an oracle scenario into a test warehouse (raw tables, the household-settings seed table and the emission
factor dimension), runs dbt, reads both facts back and compares them with the oracle row by row."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.integration.dbt_helpers import household_id, query
from tests.integration.test_dbt_attribution import DBT_DIR, run_dbt
from tests.oracle.domain import GridRow, HouseholdRow, Result, Scenario
from tests.oracle.scenarios import ENERGY_SOURCE

TOLERANCE = Decimal("1e-9")  # kg and g/kWh
# the dbt project under test: the repository's, or another checkout of it (e.g. a branch exported elsewhere)
PROJECT_DIR = Path(os.environ.get("GRIDCARBON_ORACLE_DBT_PROJECT", DBT_DIR))
LOADED = datetime(2026, 1, 1, tzinfo=UTC)
RAW_TABLES = ("raw_smard.chart_values", "raw_smard.series_status", "raw_tibber.homes", "raw_tibber.consumption",
              "raw_netztransparenz.redispatch_measures", "raw_reference.power_plants")
# Everything that reads the raw tables, the household settings or dim_emission_factors, down to both facts.
# Not the factor chain (the scenario writes marts.dim_emission_factors itself), not the aggregates.
SELECTION = ["int_generation_by_fuel_quarter_hourly+", "int_redispatch_plants_matched+", "int_households_configured+",
             "int_merit_order_ranks+"]
EXCLUDE = ["agg_household_emissions_daily", "agg_household_emissions_monthly", "agg_household_emissions_yearly",
           "dim_households"]

GRID_COLUMNS = ["region", "interval_start_utc", "interval_end_utc", "resolution", "scope", "generation_mwh",
                "emissions_kg", "average_intensity_g_per_kwh", "marginal_fuel", "merit_order_intensity_g_per_kwh",
                "worst_fuel", "worst_emitter_intensity_g_per_kwh", "price_eur_per_mwh", "status",
                "merit_order_status", "flags", "factor_ids"]
GRID_KEY = ("region", "resolution", "interval_start_utc", "scope")
HOUSEHOLD_COLUMNS = ["household_id", "interval_start_utc", "interval_end_utc", "resolution", "model", "scope",
                     "region_used", "intensity_resolution", "consumption_kwh", "ev_kwh", "household_kwh",
                     "intensity_g_per_kwh", "emissions_kg", "ev_emissions_kg", "household_emissions_kg",
                     "rd_intensity_g_per_kwh", "rd_emissions_kg", "marginal_fuel", "status", "flags", "factor_ids"]
HOUSEHOLD_KEY = ("home_id", "resolution", "interval_start_utc", "model", "scope")


def load_scenario(conn: Any, s: Scenario) -> None:
    """Replace the scenario's inputs in the warehouse (the connection is a superuser's, autocommit)."""
    smard_res = {"quarterhour", "hour"}
    with conn.cursor() as cur:
        for table in RAW_TABLES:
            cur.execute(f"truncate {table}")
        cur.executemany(
            "insert into raw_smard.chart_values (filter_id, region, resolution, interval_start_utc, value, "
            "meta_created_utc, block_start_utc, _loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(v.filter_id, v.region, v.resolution, v.start, v.value, LOADED, v.start, LOADED)
             for v in s.chart_values if v.resolution in smard_res])
        present = {(v.filter_id, v.region, v.resolution) for v in s.chart_values}
        status = [(f, r, res, "present") for f, r, res in sorted(present)]
        status += [(a.filter_id, a.region, a.resolution, "absent") for a in s.absent_series]
        cur.executemany("insert into raw_smard.series_status (filter_id, region, resolution, status, checked_at_utc, "
                        "_loaded_at) values (%s, %s, %s, %s, %s, %s)", [(*r, LOADED, LOADED) for r in status])
        homes = sorted({c.home_id for c in s.consumption} | {h.home_id for h in s.households})
        cur.executemany("insert into raw_tibber.homes (home_id, time_zone, currency, country, _loaded_at) "
                        "values (%s, 'Europe/Berlin', 'EUR', 'DE', %s)", [(h, LOADED) for h in homes])
        cur.executemany(
            "insert into raw_tibber.consumption (home_id, resolution, interval_start_utc, interval_end_utc, "
            "consumption_kwh, consumption_unit, cost, currency, _loaded_at) "
            "values (%s, %s, %s, %s, %s, 'kWh', 0, 'EUR', %s)",
            [(c.home_id, c.resolution, c.start, c.end, c.kwh, LOADED) for c in s.consumption])
        cur.executemany(
            "insert into raw_reference.power_plants (plant_key, name, block, energy_source, _loaded_at) "
            "values (%s, %s, %s, %s, %s)",
            [(p.plant_key, p.name, p.block, ENERGY_SOURCE[p.fuel], LOADED) for p in s.plants])
        cur.executemany(
            "insert into raw_netztransparenz.redispatch_measures (measure_id, start_utc, end_utc, reason, direction, "
            "total_mwh, instructing_tso, requesting_tso, affected_plant, primary_energy_class, _loaded_at) "
            "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(m.measure_id, m.start, m.end, m.reason, m.direction, m.total_mwh, m.instructing_tso,
              m.instructing_tso, m.affected_plant, m.primary_energy_class, LOADED) for m in s.measures])
        cur.execute("truncate seeds.household_settings")
        cur.executemany(
            "insert into seeds.household_settings (tibber_home_id, control_area, has_ev, ev_power_kw, ev_split_rule, "
            "timezone, comment) values (%s, %s, %s, %s, %s, %s, 'oracle scenario')",
            [(h.home_id, h.control_area, h.has_ev, h.ev_power_kw, h.ev_split_rule, h.timezone) for h in s.households])
        cur.execute("truncate seeds.merit_order_ranks")
        cur.executemany(
            "insert into seeds.merit_order_ranks (fuel, rank, is_marginal_candidate, valid_from, source, comment) "
            "values (%s, %s, %s, %s, 'oracle scenario', 'generated')",
            [(r.fuel, r.rank, r.is_marginal_candidate, r.valid_from) for r in s.ranks])
        cur.execute("truncate marts.dim_emission_factors")
        cur.executemany(
            "insert into marts.dim_emission_factors (emission_factor_id, fuel, region, scope, g_co2eq_per_kwh, "
            "valid_from, valid_to, source, source_url, comment, is_current) "
            "values (%s, %s, %s, %s, %s, %s, %s, 'oracle scenario', 'tests/oracle', 'generated', %s)",
            [(f.factor_id, f.fuel, f.region, f.scope, f.g_per_kwh, f.valid_from, f.valid_to, f.valid_to is None)
             for f in s.factors])


def build(work: Path, database: str, *, full_refresh: bool = True, project_dir: Path | None = None,
          select: list[str] | None = None) -> None:
    """Rebuild everything downstream of the scenario's inputs: with a full refresh of the incremental facts, or
    incrementally (as the scheduled runs do)."""
    args = ["run", *(["--full-refresh"] if full_refresh else []), "--select", *(select or SELECTION),
            "--exclude", *EXCLUDE]
    run_dbt([*args, "--project-dir", str(project_dir or PROJECT_DIR)], work, database)


def copy_project(dest: Path) -> Path:
    """A copy of the dbt project (without build output) to edit."""
    shutil.copytree(PROJECT_DIR, dest, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"))
    return dest


def warehouse_rows(conn: Any, s: Scenario) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    grid = [dict(zip(GRID_COLUMNS, r, strict=True))
            for r in query(conn, f"select {', '.join(GRID_COLUMNS)} from marts.fct_grid_carbon_intensity")]
    homes = {household_id(h): h for h in {c.home_id for c in s.consumption}}
    household = []
    for r in query(conn, f"select {', '.join(HOUSEHOLD_COLUMNS)} from marts.fct_household_emissions"):
        row = dict(zip(HOUSEHOLD_COLUMNS, r, strict=True))
        row["home_id"] = homes.get(row.pop("household_id"), "<unknown household>")
        household.append(row)
    return grid, household


def _oracle_dict(row: GridRow | HouseholdRow, columns: list[str]) -> dict[str, Any]:
    d = asdict(row)
    return {c: d[c] for c in columns if c in d}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        if a is None or b is None:
            return a is None and b is None
        return abs(Decimal(a) - Decimal(b)) <= TOLERANCE
    if isinstance(a, list) or isinstance(b, list):
        return sorted(a or []) == sorted(b or [])
    return a == b


def compare(expected: Result, grid: list[dict[str, Any]], household: list[dict[str, Any]]) -> list[str]:
    """Every difference between the oracle and the warehouse, one line each (missing rows, extra rows, values)."""
    diffs: list[str] = []
    tables = (
        ("fct_grid_carbon_intensity", GRID_KEY, [_oracle_dict(r, GRID_COLUMNS) for r in expected.grid], grid),
        ("fct_household_emissions", HOUSEHOLD_KEY,
         [{"home_id": r.home_id, **_oracle_dict(r, HOUSEHOLD_COLUMNS)} for r in expected.household], household),
    )
    for name, key, want_rows, got_rows in tables:
        want = {tuple(r[k] for k in key): r for r in want_rows}
        got = {tuple(r[k] for k in key): r for r in got_rows}
        for k in sorted(want.keys() - got.keys(), key=str):
            diffs.append(f"{name} {_key(k)}: missing in the warehouse (oracle: {_short(want[k])})")
        for k in sorted(got.keys() - want.keys(), key=str):
            diffs.append(f"{name} {_key(k)}: not expected by the oracle (warehouse: {_short(got[k])})")
        for k in sorted(want.keys() & got.keys(), key=str):
            for column, value in want[k].items():
                if column == "factor_ids" and name == "fct_household_emissions" and want[k]["status"] != "OK":
                    continue  # the ids behind an intensity: compared where there is one
                if not _same(value, got[k].get(column)):
                    diffs.append(f"{name} {_key(k)} {column}: oracle {value!r} != warehouse {got[k].get(column)!r}")
    return diffs


def _key(k: tuple[Any, ...]) -> str:
    return "(" + ", ".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in k) + ")"


def _short(row: dict[str, Any]) -> str:
    return ", ".join(f"{c}={v}" for c, v in row.items() if c in ("status", "flags", "average_intensity_g_per_kwh",
                                                                  "intensity_g_per_kwh"))
