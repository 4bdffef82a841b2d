"""A sequence of incremental dbt runs gives the same marts as one full refresh (issue 13, item 2).

Real Postgres, real dbt, a database of its own. Data lands the way the DAGs land it, in six steps over the DST
weekend Sat 2025-03-29 .. Mon 2025-03-31 (Europe/Berlin; the clocks go forward at 2025-03-30T01:00Z), and an
incremental ``dbt run`` follows each step:

- SMARD quarter-hours for DE and the four control areas (six fuels, load 410 of each area), the newest hour of each
  step still NULL for two fuels (trailing nulls: not yet published) and published by the next step; hourly DE-LU
  day-ahead prices, published 12 hours ahead of the generation; TenneT's hours 02:00-04:00Z of the first day arrive
  only in the last step (a backfill older than the look-back).
- Tibber: a quarter-hour home (EV, TransnetBW) two hours ahead of SMARD, so its newest hours are PENDING until
  SMARD publishes them; one of its hours lands as HOURLY first and is replaced by quarter-hours in the next step (a
  resolution switch: the hourly row must leave every mart); an hourly home whose first six hours arrive only in the
  last step (backfill).
- Revisions inside the look-back: a SMARD wind value and a Tibber value of the previous step are re-loaded.
- A redispatch measure across the DST switch, published in the last step (older than the look-back).
- A settings change: a third home (not in seeds/household_settings.csv, so it takes the ``default_*`` vars) gets an
  EV from step 4 on (``default_has_ev``); every interval of it is split anew, also those older than the look-back.

The look-back is 12 hours (``incremental_lookback_days: 0.5``), shorter than the data between two steps, so each run
really leaves the older intervals alone (asserted on the rows inserted in a steady-state step). Then
``dbt run --full-refresh`` rebuilds everything, and every row of every mart (fct_*, agg_*, dim_*) must be identical:
numbers, statuses, flags, factor ids, load times.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.dbt_helpers import household_id, query
from tests.integration.test_dbt_attribution import run_dbt
from tests.integration.test_dbt_foundation_raw import ensure_raw_tables

pytestmark = pytest.mark.integration

# no load margin: the steps are hours apart, and with the default (1 hour) every run would re-process the previous
# step's loads once more, which would hide a change that does not reach a model by its own path
LOOKBACK = "incremental_lookback_days: 0.5, incremental_load_margin: 0 seconds, default_control_area: Amprion"
SETTINGS_CHANGE_STEP = 2  # from this step on the unseeded home has an EV (default_* vars)
STEADY_STEP = 3  # a step without backfill or settings change: only the look-back and the new data are rebuilt
HOURLY_HOME_BACKFILL_STEP = 4
LATE_STEP = 5  # TenneT's backfill, the redispatch measure and an old SMARD revision arrive here


def dbt_vars(step: int) -> list[str]:
    ev = ", default_has_ev: true, default_ev_power_kw: 3.7" if step >= SETTINGS_CHANGE_STEP else ""
    return ["--vars", "{" + LOOKBACK + ev + "}"]


START = datetime(2025, 3, 28, 23, tzinfo=UTC)  # Sat 2025-03-29 00:00 CET
END = datetime(2025, 3, 31, 10, tzinfo=UTC)  # Mon 2025-03-31 12:00 CEST
DST_SWITCH = datetime(2025, 3, 30, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
# SMARD cut-offs of the six steps; Tibber lands two hours ahead, prices twelve hours ahead
CUTS = [START + timedelta(hours=h) for h in (10, 20, 30, 40, 50)] + [END]
DST_STEP = 2  # index of the step whose data crosses the DST switch
assert CUTS[DST_STEP - 1] < DST_SWITCH < CUTS[DST_STEP]

QH_HOME = "4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a02"  # seed: TransnetBW, EV 11 kW, single_ev_cap
HOURLY_HOME = "4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a01"  # seed: TransnetBW, no EV
UNSEEDED_HOME = "4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a03"  # default_* vars: Amprion, an EV from SETTINGS_CHANGE_STEP
FUELS = {"lignite": 1223, "hard_coal": 4069, "natural_gas": 4071, "wind_onshore": 4067, "photovoltaics": 4068,
         "biomass": 4066}
AREAS = {"50Hertz": Decimal("0.35"), "Amprion": Decimal("0.30"), "TenneT": Decimal("0.20"),
         "TransnetBW": Decimal("0.15")}
# load shares differ from the generation shares, so some areas are in surplus and others in deficit
LOAD_SHARES = {"50Hertz": Decimal("0.22"), "Amprion": Decimal("0.33"), "TenneT": Decimal("0.27"),
               "TransnetBW": Decimal("0.18")}
TENNET_BACKFILL = (START + 3 * HOUR, START + 5 * HOUR)  # 02:00-04:00Z, landed in the last step
HOURLY_HOME_BACKFILL = START + 6 * HOUR  # the hourly home's first hours land in the last step
SWITCHED_HOUR = START + 21 * HOUR  # the quarter-hour home's hour that lands as HOURLY first


def quarter_hours(start: datetime, end: datetime) -> list[datetime]:
    return [start + i * QUARTER for i in range(int((end - start) / QUARTER))]


def loaded_at(step: int) -> datetime:
    """Load time of a step: shortly after its SMARD cut-off (strictly increasing)."""
    return CUTS[step] + timedelta(minutes=20)


def de_mwh(fuel: str, t: datetime, revision: int = 0) -> Decimal:
    """DE generation per quarter-hour: smooth, different every interval, PV only in daylight."""
    i = (t - START) / QUARTER
    hour = (t.hour + t.minute / 60) % 24
    value = {
        "lignite": 2200 + 300 * math.sin(i / 9),
        "hard_coal": 700 + 200 * math.cos(i / 13),
        "natural_gas": 900 + 400 * math.sin(i / 17 + 1),
        "wind_onshore": 2500 + 1800 * math.sin(i / 23) + 250 * revision,
        "photovoltaics": max(0.0, 4200 * math.sin((hour - 5) / 14 * math.pi)) if 5 < hour < 19 else 0.0,
        "biomass": 1100 + 20 * math.sin(i / 5),
    }[fuel]
    return Decimal(f"{value:.1f}")


def smard_rows(start: datetime, end: datetime, *, unpublished_from: datetime | None = None,
               skip_tennet: tuple[datetime, datetime] | None = None, only_tennet: bool = False,
               revision: int = 0) -> list[tuple[Any, ...]]:
    """chart_values rows (filter_id, region, resolution, interval_start_utc, value) for [start, end)."""
    rows: list[tuple[Any, ...]] = []
    for t in quarter_hours(start, end):
        unpublished = unpublished_from is not None and t >= unpublished_from
        tennet_missing = skip_tennet is not None and skip_tennet[0] <= t < skip_tennet[1]
        total = Decimal(0)
        for fuel, filter_id in FUELS.items():
            mwh = de_mwh(fuel, t, revision)
            total += mwh
            value = None if unpublished and fuel in ("hard_coal", "wind_onshore") else mwh
            if not only_tennet:
                rows.append((filter_id, "DE", "quarterhour", t, value))
            for area, share in AREAS.items():
                if (area == "TenneT" and tennet_missing) or (only_tennet and area != "TenneT"):
                    continue
                rows.append((filter_id, area, "quarterhour", t, None if value is None else value * share))
        for area, share in LOAD_SHARES.items():
            if (area == "TenneT" and tennet_missing) or (only_tennet and area != "TenneT"):
                continue
            rows.append((410, area, "quarterhour", t, (total * Decimal("1.04") * share).quantize(Decimal("0.1"))))
    return rows


def price_rows(start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """Hourly DE-LU prices (hourly MTU before 2025-10-01); negative around Sunday noon (renewable surplus)."""
    rows = []
    t = start
    while t < end:
        price = Decimal(-8) if (t.date().isoformat(), t.hour) in {("2025-03-30", 10), ("2025-03-30", 11)} \
            else Decimal(60 + (t.hour * 7) % 45)
        rows.append((4169, "DE-LU", "hour", t, price))
        t += HOUR
    return rows


def consumption_rows(home: str, resolution: str, start: datetime, end: datetime, revision: int = 0
                     ) -> list[tuple[Any, ...]]:
    """Tibber rows (home_id, resolution, start, end, kWh); the EV home charges at 11 kW some evenings."""
    step = QUARTER if resolution == "QUARTER_HOURLY" else HOUR
    rows = []
    t = start
    while t < end:
        i = (t - START) / QUARTER
        kw = Decimal(f"{0.4 + 0.3 * (1 + math.sin(i / 6)):.3f}") + Decimal(revision) / 10
        if home == QH_HOME and 17 <= t.hour < 20:
            kw += 11
        if home == UNSEEDED_HOME and 6 <= t.hour < 8:
            kw += 4
        rows.append((home, resolution, t, t + step, kw * Decimal(step / HOUR)))
        t += step
    return rows


# ------------------------------------------------------------------------------------------------ raw writes
def replace_smard(conn: Any, rows: list[tuple[Any, ...]], loaded: datetime) -> None:
    """Upsert chart values like the loader: the newest load of a key wins, with its load time."""
    with conn.cursor() as cur:
        cur.executemany(
            "insert into raw_smard.chart_values (filter_id, region, resolution, interval_start_utc, value, "
            "meta_created_utc, block_start_utc, _loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s) "
            "on conflict (filter_id, region, resolution, interval_start_utc) do update set value = excluded.value, "
            "meta_created_utc = excluded.meta_created_utc, _loaded_at = excluded._loaded_at",
            [(*r, loaded, r[3], loaded) for r in rows],
        )


def replace_consumption(conn: Any, rows: list[tuple[Any, ...]], loaded: datetime) -> None:
    """Replace the rows' hours of their homes at every resolution (the loader's rule), then insert them."""
    hours = sorted({(r[0], r[2].replace(minute=0)) for r in rows})
    with conn.cursor() as cur:
        cur.executemany("delete from raw_tibber.consumption where home_id = %s and interval_start_utc >= %s "
                        "and interval_start_utc < %s", [(home, hour, hour + HOUR) for home, hour in hours])
        cur.executemany(
            "insert into raw_tibber.consumption (home_id, resolution, interval_start_utc, interval_end_utc, "
            "consumption_kwh, consumption_unit, cost, currency, _loaded_at) "
            "values (%s, %s, %s, %s, %s, 'kWh', 0, 'EUR', %s)",
            [(*r, loaded) for r in rows],
        )


def land_step(conn: Any, step: int) -> None:
    """Everything that arrives in step ``step`` (0-based), with that step's load time."""
    loaded = loaded_at(step)
    start = START if step == 0 else CUTS[step - 1]
    cut = CUTS[step]
    smard: list[tuple[Any, ...]] = []
    if step > 0:  # the previous step's newest hour, now published (trailing nulls filled)
        smard += smard_rows(start - HOUR, start, skip_tennet=TENNET_BACKFILL)
    smard += smard_rows(start, cut, unpublished_from=cut - HOUR if cut < END else None, skip_tennet=TENNET_BACKFILL)
    if step == DST_STEP:  # a revision inside the look-back: wind of one hour of the previous step
        revised = smard_rows(start - 3 * HOUR, start - 2 * HOUR, revision=1)
        smard += [r for r in revised if r[0] == FUELS["wind_onshore"]]
    if step == LATE_STEP:  # TenneT's missing hours of the first day: a backfill older than the look-back ...
        smard += smard_rows(*TENNET_BACKFILL, only_tennet=True)
        # ... and SMARD revises DE wind of an hour of the first day (older than the look-back: its load time counts)
        revised = smard_rows(START + 8 * HOUR, START + 9 * HOUR, revision=2)
        smard += [r for r in revised if r[0] == FUELS["wind_onshore"] and r[1] == "DE"]
    smard += price_rows(start + timedelta(hours=12) if step else START, min(cut + timedelta(hours=12), END))
    replace_smard(conn, smard, loaded)

    tibber_start = START if step == 0 else CUTS[step - 1] + 2 * HOUR
    tibber_end = min(cut + 2 * HOUR, END)
    consumption = consumption_rows(QH_HOME, "QUARTER_HOURLY", tibber_start, tibber_end)
    if tibber_start <= SWITCHED_HOUR < tibber_end:  # this hour arrives hourly first ...
        consumption = [r for r in consumption if not SWITCHED_HOUR <= r[2] < SWITCHED_HOUR + HOUR]
        consumption += consumption_rows(QH_HOME, "HOURLY", SWITCHED_HOUR, SWITCHED_HOUR + HOUR)
    elif tibber_start - 2 * HOUR <= SWITCHED_HOUR < tibber_start:  # ... and as quarter-hours in the next step
        consumption += consumption_rows(QH_HOME, "QUARTER_HOURLY", SWITCHED_HOUR, SWITCHED_HOUR + HOUR)
    if step == STEADY_STEP:  # a revision inside the look-back: the EV home's consumption of one hour of the last step
        consumption += consumption_rows(QH_HOME, "QUARTER_HOURLY", tibber_start - 4 * HOUR, tibber_start - 3 * HOUR,
                                        revision=1)
    consumption += consumption_rows(HOURLY_HOME, "HOURLY", max(tibber_start, HOURLY_HOME_BACKFILL), tibber_end)
    consumption += consumption_rows(UNSEEDED_HOME, "QUARTER_HOURLY", tibber_start, tibber_end)
    if step == HOURLY_HOME_BACKFILL_STEP:  # the hourly home's first hours: a backfill older than the look-back
        consumption += consumption_rows(HOURLY_HOME, "HOURLY", START, HOURLY_HOME_BACKFILL)
    replace_consumption(conn, consumption, loaded)

    with conn.cursor() as cur:
        if step == 0:
            cur.executemany(
                "insert into raw_tibber.homes (home_id, time_zone, currency, country, _loaded_at) "
                "values (%s, 'Europe/Berlin', 'EUR', 'DE', %s)",
                [(QH_HOME, loaded), (HOURLY_HOME, loaded), (UNSEEDED_HOME, loaded)])
            cur.execute("insert into raw_reference.power_plants (plant_key, name, block, energy_source, _loaded_at) "
                        "values ('p1', 'GKW Musterstadt', 'Block 3', 'Erdgas', %s)", (loaded,))
        if step == LATE_STEP:  # a redispatch measure across the DST switch, published late
            cur.execute(
                "insert into raw_netztransparenz.redispatch_measures (measure_id, start_utc, end_utc, reason, "
                "direction, total_mwh, instructing_tso, requesting_tso, affected_plant, primary_energy_class, "
                "_loaded_at) values ('m-dst', %s, %s, 'Strombedingter Redispatch', 'up', 300, 'TransnetBW', "
                "'TransnetBW', 'GKW Musterstadt Block 3', 'Konventionell', %s)",
                (DST_SWITCH - timedelta(minutes=45), DST_SWITCH + timedelta(minutes=75), loaded))


# ------------------------------------------------------------------------------------------------ marts
def mart_relations(conn: Any) -> list[str]:
    rows = query(conn, "select table_name from information_schema.tables where table_schema = 'marts' and "
                       "left(table_name, 4) in ('fct_', 'agg_', 'dim_') order by 1")
    return [r[0] for r in rows]


def snapshot_marts(conn: Any) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every mart, as sorted text tuples (exact: numeric text keeps its scale)."""
    marts = {}
    for name in mart_relations(conn):
        rows = query(conn, f"select t::text from marts.{name} as t")
        marts[name] = sorted(r[0] for r in rows)
    return marts


def rows_inserted(work: Path) -> dict[str, int]:
    results = json.loads((work / "target" / "run_results.json").read_text())
    return {r["unique_id"].rsplit(".", 1)[-1]: r["adapter_response"].get("rows_affected", -1)
            for r in results["results"]}


@pytest.fixture(scope="module")
def built(warehouse_db: str, pg_server: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[dict[str, Any]]:
    import psycopg2

    from gridcarbon.bootstrap import create_database, drop_database

    host, port, user = pg_server
    database = f"{os.environ['GRIDCARBON_TEST_DATABASE']}_incremental"
    create_database(database)
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=database)
    conn.autocommit = True
    work = tmp_path_factory.mktemp("dbt_incremental")
    try:
        ensure_raw_tables(conn)
        inserted = []
        for step in range(len(CUTS)):
            land_step(conn, step)
            if step == 0:  # seeds, the factor snapshot and every model
                run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
                         *dbt_vars(step)], work, database)
            else:
                run_dbt(["run", *dbt_vars(step)], work, database)
            inserted.append(rows_inserted(work))
        incremental = snapshot_marts(conn)
        counts = {name: len(rows) for name, rows in incremental.items()}
        # the data tests hold on the incrementally built marts too (unit tests: not about this state)
        run_dbt(["test", "--exclude-resource-type", "unit_test", *dbt_vars(len(CUTS))], work, database)
        run_dbt(["run", "--full-refresh", *dbt_vars(len(CUTS))], work, database)
        yield {"conn": conn, "incremental": incremental, "full_refresh": snapshot_marts(conn), "inserted": inserted,
               "counts": counts, "work": work, "database": database}
    finally:
        conn.close()
        drop_database(database)


def test_every_mart_row_equals_the_full_refresh(built: dict[str, Any]) -> None:
    incremental, full_refresh = built["incremental"], built["full_refresh"]
    assert set(incremental) == set(full_refresh)
    assert {"fct_grid_carbon_intensity", "fct_household_emissions", "fct_household_consumption",
            "agg_household_emissions_monthly", "dim_households", "dim_emission_factors"} <= set(incremental)
    differences = {}
    for name in sorted(full_refresh):
        only_incremental = sorted(set(incremental[name]) - set(full_refresh[name]))
        only_full = sorted(set(full_refresh[name]) - set(incremental[name]))
        if only_incremental or only_full or len(incremental[name]) != len(full_refresh[name]):
            differences[name] = {"incremental only": only_incremental[:5], "full refresh only": only_full[:5],
                                 "rows": (len(incremental[name]), len(full_refresh[name]))}
    assert differences == {}


def test_the_scenario_happened(built: dict[str, Any]) -> None:
    """The equality above is only worth something if the runs saw what the scenario says: DST, PENDING resolved,
    the backfills, the resolution switch, the redispatch measure, a renewable surplus."""
    conn = built["conn"]
    local_days = query(conn, "select (interval_start_utc at time zone 'Europe/Berlin')::date, count(*) from "
                             "marts.fct_grid_carbon_intensity where region = 'DE' and resolution = 'PT15M' and "
                             "scope = 'direct' group by 1 order by 1")
    assert [(d.isoformat(), n) for d, n in local_days] == [("2025-03-29", 96), ("2025-03-30", 92),
                                                           ("2025-03-31", 48)]
    statuses = dict(query(conn, "select status, count(*) from marts.fct_grid_carbon_intensity "
                                "where region = 'DE' group by 1"))
    assert set(statuses) == {"OK"}, statuses  # every trailing null was published later
    tennet = query(conn, "select count(*) from marts.fct_grid_carbon_intensity where region = 'TenneT' and "
                         "resolution = 'PT15M' and interval_start_utc >= %s and interval_start_utc < %s",
                   TENNET_BACKFILL)
    assert tennet == [(8 * 2,)]  # 8 quarter-hours x 2 scopes
    households = query(conn, "select household_id, resolution, count(*), min(interval_start_utc), "
                             "count(*) filter (where status <> 'OK') from marts.fct_household_emissions "
                             "where model = 'locality' and scope = 'direct' group by 1, 2 order by 1, 2")
    by_home = {(h, r): (n, first, not_ok) for h, r, n, first, not_ok in households}
    hours = int((END - START) / HOUR)
    assert by_home[(household_id(HOURLY_HOME), "PT1H")] == (hours, START, 0)  # backfilled Saturday morning
    assert by_home[(household_id(QH_HOME), "PT15M")] == (4 * hours, START, 0)  # no PENDING left
    assert (household_id(QH_HOME), "PT1H") not in by_home  # the switched hour left as an hourly row
    redispatch = query(conn, "select count(*), sum(rd_emissions_kg) from marts.fct_household_emissions where "
                             "model = 'locality' and rd_emissions_kg <> 0 and interval_start_utc < %s and "
                             "interval_start_utc >= %s", (DST_SWITCH + 2 * HOUR, DST_SWITCH - HOUR))
    assert redispatch[0][0] > 0
    surplus = query(conn, "select count(*) from marts.fct_grid_carbon_intensity where region = 'DE' and "
                          "marginal_fuel = 'renewable_surplus'")
    assert surplus[0][0] > 0
    # the settings change reached the unseeded home's first day (outside the look-back when it happened)
    ev = query(conn, "select count(*) filter (where ev_kwh > 0), count(distinct settings_fingerprint), "
                     "min(control_area) from marts.fct_household_consumption where household_id = %s and "
                     "interval_start_utc < %s", (household_id(UNSEEDED_HOME), START + 12 * HOUR))
    assert ev == [(8, 1, "Amprion")]  # 06:00-08:00Z of Saturday: 8 quarter-hours above 3.7 kW


def test_a_steady_state_run_inserts_only_the_look_back(built: dict[str, Any]) -> None:
    """A step without backfill rebuilds the look-back (12 h) and the new step (10 h), not the 30 hours before it."""
    inserted, counts = built["inserted"][STEADY_STEP], built["counts"]
    step_hours = 10 + 12 + 1  # new data, look-back, the hour the look-back starts in
    assert 0 < inserted["fct_grid_carbon_intensity"] <= 5 * 2 * 5 * step_hours
    assert inserted["fct_grid_carbon_intensity"] < counts["fct_grid_carbon_intensity"] / 2
    assert 0 < inserted["fct_household_emissions"] < counts["fct_household_emissions"] / 2
    for model in ("int_generation_by_fuel_quarter_hourly", "int_emission_factors_effective", "int_grid_intensity",
                  "int_locality_intensity", "int_household_intensity_matched"):
        assert inserted[model] > 0, model


def test_an_asset_triggered_run_tests_the_rebuilt_rows_and_the_first_of_a_day_every_row(
        built: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """transform_warehouse passes the scope 'recent' when raw data landed and 'all' on the first run of a day and
    on manual runs (GRIDCARBON_DATA_TEST_SCOPE; by hand the var data_test_scope; macros/data_test_scope.sql). A
    duplicate planted in an hour older than the look-back and loaded long ago is what only the first run of the
    day reports; one in the look-back fails both. (Runs last: it plants rows, then removes them.)"""
    conn, work, database = built["conn"], built["work"], built["database"]
    newest = query(conn, "select max(interval_start_utc) from marts.fct_household_emissions")[0][0]

    def plant_duplicate(interval_start: datetime) -> None:
        with conn.cursor() as cur:
            cur.execute("insert into marts.fct_household_emissions select * from marts.fct_household_emissions "
                        "where interval_start_utc = %s limit 1", (interval_start,))
            assert cur.rowcount == 1

    def unique_test(scope: str, *, as_the_dag_passes_it: bool = False) -> str:
        with monkeypatch.context() as env:
            if as_the_dag_passes_it:  # the environment variable transform_warehouse renders, no --vars
                env.setenv("GRIDCARBON_DATA_TEST_SCOPE", scope)
            dbt_vars = "{" + LOOKBACK + ("}" if as_the_dag_passes_it else ", data_test_scope: " + scope + "}")
            out = run_dbt(["test", "--select", "fct_household_emissions,test_name:unique_combination_of_columns",
                           "--vars", dbt_vars], work, database, check=False)
        assert "Done. PASS=" in out, out[-2000:]
        return "FAIL" if " FAIL " in out else "PASS"

    # every data test compiles and passes under the scope an asset-triggered run uses (a generic test that aliased
    # its `model` broke on the scoped subquery once)
    run_dbt(["test", "--exclude-resource-type", "unit_test", "--vars", "{" + LOOKBACK + ", data_test_scope: recent}"],
            work, database)
    try:
        plant_duplicate(START)  # Saturday 00:00 CET: two days before the newest hour, loaded at step 0
        assert unique_test("recent") == "PASS"  # the hourly run does not re-read rows it did not rebuild
        assert unique_test("all") == "FAIL"  # the first run of the day does
        assert unique_test("recent", as_the_dag_passes_it=True) == "PASS"
        assert unique_test("all", as_the_dag_passes_it=True) == "FAIL"
        plant_duplicate(newest)
        assert unique_test("recent") == "FAIL"
        assert unique_test("recent", as_the_dag_passes_it=True) == "FAIL"
    finally:
        with conn.cursor() as cur:  # the planted copies are the physically later twins
            cur.execute("""
                delete from marts.fct_household_emissions as later
                using marts.fct_household_emissions as earlier
                where (later.household_id, later.interval_start_utc, later.resolution, later.model, later.scope)
                    = (earlier.household_id, earlier.interval_start_utc, earlier.resolution, earlier.model,
                       earlier.scope)
                  and later.ctid > earlier.ctid""")

