"""The attribution models (DOMAIN.md §3, §4, §9) end to end on a real Postgres with the real dbt project.

Raw rows are written straight into the contract raw tables (docs/CONTRACTS.md): the §9 New-Year hours as SMARD
chart values (DE and the four control areas; the spec's REST is split 50/25/25 into 50Hertz/Amprion/TenneT,
which keeps its intensity and surplus share), the DE-LU prices, the EV household's Tibber consumption, the two
§9.8 redispatch measures (+ a test run and a market countertrade that must be excluded) and two DST days of
quarter-hour generation and consumption. ``dbt build`` without tests builds everything; then the DE direct
factors of the five worked-example fuels are replaced by the spec's illustrative table §9.2 (they are NOT the published
factors the seed carries) and ``dbt build`` re-runs and tests the attribution subgraph. The marts are compared
with the hand-computed numbers of §9.9 and with values computed here for the DST days (23 / 25 local hours,
92 / 100 quarter-hours).

The test uses its own database (created next to the session's ``warehouse_db``) because other dbt test
modules load overlapping raw keys (the same §9 hours) into the session database.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gridcarbon.settings import REPO_ROOT
from tests.integration.dbt_helpers import household_id, local_day_intervals, query
from tests.integration.test_dbt_foundation_raw import ensure_raw_tables

pytestmark = pytest.mark.integration

DBT_DIR = REPO_ROOT / "dbt_project"
EV_HOME = "4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a02"  # seeds/household_settings.csv: TransnetBW, EV 11 kW, single_ev_cap
ATTRIBUTION_SELECTION = [
    "path:models/intermediate/grid",
    "path:models/intermediate/redispatch",
    "path:models/intermediate/attribution",
    "path:models/marts/emissions",
    "path:tests/attribution",
]

T1 = datetime(2024, 12, 31, 21, tzinfo=UTC)
HOURS = [T1 + timedelta(hours=i) for i in range(3)]  # t1..t3 (DOMAIN 9.1)
FILTER = {"lignite": 1223, "hard_coal": 4069, "natural_gas": 4071, "wind_onshore": 4067, "biomass": 4066}
# DOMAIN 9.3 / 9.8 (MWh per hour); REST = DE - TransnetBW
TBW = {"lignite": [0, 0, 0], "hard_coal": [1200, 1000, 800], "natural_gas": [950, 750, 800],
       "wind_onshore": [2350, 1750, 1900], "biomass": [500, 500, 500]}
REST = {"lignite": [10000, 10000, 9000], "hard_coal": [2800, 2000, 2200], "natural_gas": [5050, 4250, 3200],
        "wind_onshore": [13650, 16250, 18100], "biomass": [3500, 3500, 3500]}
REST_SPLIT = {"50Hertz": Decimal("0.5"), "Amprion": Decimal("0.25"), "TenneT": Decimal("0.25")}
PRICES = [95, 80, -5]
HOUSEHOLD_KWH = [Decimal("0.8"), Decimal("12.5"), Decimal("23.0")]
# DOMAIN 9.2, scope direct: (g/kWh, valid_from, valid_to)
SPEC_FACTORS = {
    "lignite": [(1100, "2023-12-31T23:00Z", "2024-12-31T23:00Z"), (1050, "2024-12-31T23:00Z", None)],
    "hard_coal": [(850, "2023-12-31T23:00Z", None)],
    "natural_gas": [(400, "2023-12-31T23:00Z", None)],
    "wind_onshore": [(0, "2023-12-31T23:00Z", None)],
    "biomass": [(0, "2023-12-31T23:00Z", None)],
}
# DOMAIN 9.9 (default split): intensity t1..t3 (g/kWh), total / EV / HH (kg)
EXPECTED = {
    "average": ([Decimal("420"), Decimal("388.75"), Decimal("340")], "13.015375", "8.01625", "4.999125"),
    "merit_order": ([Decimal("400"), Decimal("400"), Decimal("0")], "5.320", "4.400", "0.920"),
    "worst_emitter": ([Decimal("1100"), Decimal("1100"), Decimal("1050")], "38.780", "23.650", "15.130"),
    "locality": ([Decimal("340"), Decimal("343.75"), Decimal("300")], "11.468875", "7.08125", "4.387625"),
}
EFFECTIVE = {"average": "358.55", "merit_order": "146.56", "worst_emitter": "1068.32", "locality": "315.95"}
DST_DAYS = {date(2025, 3, 30): (23, 92), date(2025, 10, 26): (25, 100)}
# MWh per quarter-hour, DE; every fuel the region reports elsewhere must be present (else INCOMPLETE_GENERATION)
DST_GEN = {"lignite": Decimal(2000), "wind_onshore": Decimal(8000), "hard_coal": Decimal(0),
           "natural_gas": Decimal(0), "biomass": Decimal(0)}
DST_KWH = Decimal("0.25")  # per quarter-hour (1 kW: no EV)


# --------------------------------------------------------------------------------------------- helpers
def run_dbt(args: list[str], work: Path, database: str, *, check: bool = True) -> str:
    """dbt against ``database`` (stdout); a failing dbt fails the test unless ``check`` is false."""
    env = dict(os.environ)
    env.update(
        DBT_DATABASE=database,
        DBT_HOST=os.environ.get("PGHOST", "127.0.0.1"),
        DBT_PORT=os.environ.get("PGPORT", "5432"),
        DBT_USER="gridcarbon_transformer",
        DBT_PROFILES_DIR=str(DBT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    executable = os.environ.get("GRIDCARBON_DBT_EXECUTABLE") or str(REPO_ROOT / ".venv-dbt" / "bin" / "dbt")
    cmd = [executable, *args, "--target-path", str(work / "target"), "--log-path", str(work)]
    proc = subprocess.run(cmd, cwd=DBT_DIR, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0 and check:
        failures = [line for line in proc.stdout.splitlines() if " ERROR " in line or " FAIL " in line]
        summary = (proc.stdout[proc.stdout.rfind("Completed with"):] if "Completed with" in proc.stdout
                   else proc.stdout[-4000:])
        pytest.fail(f"dbt {' '.join(args)} failed ({proc.returncode}):\n" + "\n".join(failures)
                    + f"\n{summary[-8000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def spec_factor(fuel: str, at: datetime) -> Decimal:
    """DOMAIN 9.2 lookup, written independently of the SQL: valid_from <= interval start < valid_to."""
    for value, valid_from, valid_to in SPEC_FACTORS[fuel]:
        start = datetime.fromisoformat(valid_from.replace("Z", "+00:00"))
        end = datetime.fromisoformat(valid_to.replace("Z", "+00:00")) if valid_to else None
        if start <= at and (end is None or at < end):
            return Decimal(value)
    raise AssertionError(f"no spec factor for {fuel} at {at}")


# --------------------------------------------------------------------------------------------- raw data
def insert_raw_rows(conn: Any) -> None:
    loaded = datetime(2025, 11, 1, tzinfo=UTC)
    chart: list[tuple[Any, ...]] = []
    for fuel, filter_id in FILTER.items():
        for i, t in enumerate(HOURS):
            chart.append((filter_id, "DE", "hour", t, TBW[fuel][i] + REST[fuel][i]))
            chart.append((filter_id, "TransnetBW", "hour", t, TBW[fuel][i]))
            for area, share in REST_SPLIT.items():
                chart.append((filter_id, area, "hour", t, REST[fuel][i] * share))
    for i, t in enumerate(HOURS):
        chart.append((410, "DE", "hour", t, 40000))
        chart.append((410, "TransnetBW", "hour", t, 8000))
        chart += [(410, area, "hour", t, 32000 * share) for area, share in REST_SPLIT.items()]
        chart.append((4169, "DE-LU", "hour", t, PRICES[i]))
    for day in DST_DAYS:
        for t in local_day_intervals(day, timedelta(minutes=15)):
            chart += [(FILTER[fuel], "DE", "quarterhour", t, mwh) for fuel, mwh in DST_GEN.items()]
    with conn.cursor() as cur:
        cur.executemany(
            "insert into raw_smard.chart_values (filter_id, region, resolution, interval_start_utc, value, "
            "meta_created_utc, block_start_utc, _loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(*r, loaded, r[3], loaded) for r in chart],
        )
        cur.execute(
            "insert into raw_tibber.homes (home_id, time_zone, currency, country, _loaded_at) "
            "values (%s, 'Europe/Berlin', 'EUR', 'DE', %s)", (EV_HOME, loaded),
        )
        consumption = [(EV_HOME, "HOURLY", t, t + timedelta(hours=1), c)
                       for t, c in zip(HOURS, HOUSEHOLD_KWH, strict=True)]
        for day in DST_DAYS:
            consumption += [(EV_HOME, "QUARTER_HOURLY", t, t + timedelta(minutes=15), DST_KWH)
                            for t in local_day_intervals(day, timedelta(minutes=15))]
        cur.executemany(
            "insert into raw_tibber.consumption (home_id, resolution, interval_start_utc, interval_end_utc, "
            "consumption_kwh, consumption_unit, cost, currency, _loaded_at) "
            "values (%s, %s, %s, %s, %s, 'kWh', 0, 'EUR', %s)",
            [(*r, loaded) for r in consumption],
        )
        cur.execute(
            "insert into raw_reference.power_plants (plant_key, name, block, energy_source, _loaded_at) "
            "values ('p1', 'GKW Musterstadt', 'Block 3', 'Erdgas', %s)", (loaded,),
        )
        measures = [
            # DOMAIN 9.8: 500 MWh gas up in TransnetBW, 500 MWh wind down in TenneT, both in t2
            ("m-up", HOURS[1], HOURS[2], "Strombedingter Redispatch", "up", 500, "TransnetBW",
             "GKW Musterstadt Block 3", "Konventionell"),
            ("m-down", HOURS[1], HOURS[2], "Strombedingter Redispatch", "down", 500, "TenneT DE",
             "EE Niedersachsen", "Erneuerbar"),
            # excluded: a reserve-plant test run and a market countertrade
            ("m-test", HOURS[1], HOURS[2], "Probestart (NetzRes)", "up", 170, "TransnetBW",
             "Reservekraftwerk Heilbronn Block 6", "Konventionell"),
            ("m-market", HOURS[1], HOURS[2], "Strombedingter Countertrade DE-DK1", "up", 300, "TransnetBW",
             "Börse", "Sonstiges"),
        ]
        cur.executemany(
            "insert into raw_netztransparenz.redispatch_measures (measure_id, start_utc, end_utc, reason, "
            "direction, total_mwh, instructing_tso, requesting_tso, affected_plant, primary_energy_class, "
            "_loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[6], m[7], m[8], loaded) for m in measures],
        )


def install_spec_factors(conn: Any) -> None:
    """Replace the DE direct factors of the five §9 fuels by the spec's illustrative table §9.2."""
    with conn.cursor() as cur:
        cur.execute("delete from marts.dim_emission_factors where region = 'DE' and scope = 'direct' "
                    "and fuel = any(%s)", (list(SPEC_FACTORS),))
        for fuel, versions in SPEC_FACTORS.items():
            for n, (value, valid_from, valid_to) in enumerate(versions):
                cur.execute(
                    "insert into marts.dim_emission_factors (emission_factor_id, fuel, region, scope, "
                    "g_co2eq_per_kwh, valid_from, valid_to, source, source_url, comment, is_current) values "
                    "(%s, %s, 'DE', 'direct', %s, %s, %s, 'DOMAIN.md 9.2', 'docs', 'illustrative', %s)",
                    (f"spec_{fuel}_{n}", fuel, value, valid_from, valid_to, valid_to is None),
                )


# --------------------------------------------------------------------------------------------- fixture
@pytest.fixture(scope="module")
def built(warehouse_db: str, pg_server: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Any, Path, str]]:
    import psycopg2

    from gridcarbon.bootstrap import create_database, drop_database

    host, port, user = pg_server
    database = f"{os.environ['GRIDCARBON_TEST_DATABASE']}_attribution"
    create_database(database)
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=database)
    conn.autocommit = True
    work = tmp_path_factory.mktemp("dbt_attribution")
    try:
        ensure_raw_tables(conn)
        insert_raw_rows(conn)
        # seeds, snapshot and every model in DAG order (the foundation's tests are theirs to run)
        run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"], work, database)
        install_spec_factors(conn)
        # full refresh: the incremental marts would otherwise keep intervals outside the look-back window
        run_dbt(["build", "--full-refresh", "--select", *ATTRIBUTION_SELECTION], work, database)
        yield conn, work, database
    finally:
        conn.close()
        drop_database(database)


def household_rows(conn: Any, model: str, resolution: str = "PT1H") -> list[tuple[Any, ...]]:
    return query(
        conn,
        "select interval_start_utc, intensity_g_per_kwh, emissions_kg, ev_emissions_kg, household_emissions_kg, "
        "rd_intensity_g_per_kwh, rd_emissions_kg, marginal_fuel, status, region_used, flags "
        "from marts.fct_household_emissions where household_id = %s and model = %s and scope = 'direct' "
        "and resolution = %s and interval_start_utc < '2025-01-01T01:00Z' order by interval_start_utc",
        (household_id(EV_HOME), model, resolution),
    )


# --------------------------------------------------------------------------------------------- tests
def test_grid_intensity_models_1_to_3(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    rows = query(conn, "select interval_start_utc, generation_mwh, average_intensity_g_per_kwh, marginal_fuel, "
                       "merit_order_intensity_g_per_kwh, worst_fuel, worst_emitter_intensity_g_per_kwh, status "
                       "from marts.fct_grid_carbon_intensity where region = 'DE' and resolution = 'PT1H' and "
                       "scope = 'direct' and interval_start_utc < '2025-01-01T01:00Z' order by 1")
    assert [r[0] for r in rows] == HOURS
    assert [r[1] for r in rows] == [Decimal(40000)] * 3
    assert [r[2] for r in rows] == EXPECTED["average"][0]  # not 351.25 at t3 (stale factor / time zone bug)
    assert [(r[3], r[4]) for r in rows] == [("natural_gas", 400), ("natural_gas", 400), ("renewable_surplus", 0)]
    assert [(r[5], r[6]) for r in rows] == [("lignite", 1100), ("lignite", 1100), ("lignite", 1050)]
    assert {r[7] for r in rows} == {"OK"}


def test_household_emissions_per_interval_and_totals(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    for model, (intensities, total, ev, hh) in EXPECTED.items():
        rows = household_rows(conn, model)
        assert [r[0] for r in rows] == HOURS, model
        assert [r[1] for r in rows] == intensities, model
        # grams per interval = kWh x g/kWh, computed here from the consumption and the expected intensity
        assert [r[2] for r in rows] == [c * i / 1000 for c, i in zip(HOUSEHOLD_KWH, intensities, strict=True)]
        assert sum(r[2] for r in rows) == Decimal(total), model
        assert sum(r[3] for r in rows) == Decimal(ev), model
        assert sum(r[4] for r in rows) == Decimal(hh), model
        assert {r[8] for r in rows} == {"OK"}
        assert {r[9] for r in rows} == ({"TransnetBW"} if model == "locality" else {"DE"})
        effective = sum(r[2] for r in rows) * 1000 / sum(HOUSEHOLD_KWH)
        assert round(effective, 2) == Decimal(EFFECTIVE[model]), model
    # time-weighted averaging (Carbon-Aware-SDK style) would give 13.899875 kg: must not be what we compute
    average = household_rows(conn, "average")
    time_weighted = sum(r[1] for r in average) / 3 * sum(HOUSEHOLD_KWH) / 1000
    assert sum(r[2] for r in average) != time_weighted
    assert [r[7] for r in household_rows(conn, "merit_order")] == ["natural_gas", "natural_gas", "renewable_surplus"]
    t3_flags = household_rows(conn, "average")[2][10]
    assert "HH_EXCEEDS_ASSUMPTION" in t3_flags


def test_locality_redispatch_component(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    rows = household_rows(conn, "locality")
    assert [r[5] for r in rows] == [0, 25, 0]  # RD_TBW(t2) = 500 MWh x 400 / 8,000 MWh
    assert sum(r[6] for r in rows) == Decimal("0.3125")
    areas = query(conn, "select control_area, locality_intensity_g_per_kwh, flags from "
                        "intermediate.int_locality_intensity where resolution = 'PT1H' and scope = 'direct' "
                        "and interval_start_utc = %s order by 1", (HOURS[1],))
    # REST areas are surplus areas with the REST intensity 400; the fallback-mapped wind cluster is flagged
    assert [(a[0], a[1]) for a in areas] == [("50Hertz", 400), ("Amprion", 400), ("TenneT", 400),
                                             ("TransnetBW", Decimal("343.75"))]
    assert "REDISPATCH_FUEL_FALLBACK" in dict((a[0], a[2]) for a in areas)["TenneT"]
    measures = query(conn, "select measure_id, fuel, is_included_in_area_balance from "
                           "intermediate.int_redispatch_measures_mapped order by 1")
    assert measures == [("m-down", "wind_onshore", True), ("m-market", None, False),
                        ("m-test", "unknown", False), ("m-up", "natural_gas", True)]


def test_monthly_and_yearly_aggregates_use_local_calendar(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    hid = household_id(EV_HOME)
    monthly = query(conn, "select month_start_local, model, consumption_kwh, emissions_kg, "
                          "effective_intensity_g_per_kwh from marts.agg_household_emissions_monthly where "
                          "household_id = %s and scope = 'direct' and month_start_local < '2025-02-01' "
                          "order by 1, 2", (hid,))
    yearly = query(conn, "select year_start_local, model, consumption_kwh, emissions_kg, "
                         "effective_intensity_g_per_kwh from marts.agg_household_emissions_yearly where "
                         "household_id = %s and scope = 'direct' order by 1, 2", (hid,))
    dst_kwh = sum(quarters for _, quarters in DST_DAYS.values()) * DST_KWH
    for model, (intensities, total, _, _) in EXPECTED.items():
        months = [m for m in monthly if m[1] == model]
        years = [y for y in yearly if y[1] == model]
        # t3 = 2025-01-01 00:00 Europe/Berlin belongs to January / 2025, t1 and t2 to December / 2024
        assert [m[0] for m in months] == [date(2024, 12, 1), date(2025, 1, 1)]
        assert [y[0] for y in years] == [date(2024, 1, 1), date(2025, 1, 1)]
        assert [m[2] for m in months] == [Decimal("13.3"), Decimal("23.0")]
        assert [y[2] for y in years] == [Decimal("13.3"), Decimal("23.0") + dst_kwh]
        assert sum(m[3] for m in months) == Decimal(total)
        # effective intensity = sum kg / sum kWh (consumption-weighted), not a mean of intensities
        december_kg = (HOUSEHOLD_KWH[0] * intensities[0] + HOUSEHOLD_KWH[1] * intensities[1]) / 1000
        assert months[0][3] == years[0][3] == december_kg
        assert months[0][4] == years[0][4] == round(december_kg * 1000 / Decimal("13.3"), 6)
        assert months[1][4] == intensities[2]


def test_dst_days_have_23_and_25_hours_and_92_and_100_quarter_hours(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    grid = query(conn, "select (interval_start_utc at time zone 'Europe/Berlin')::date, resolution, count(*), "
                       "min(average_intensity_g_per_kwh), max(average_intensity_g_per_kwh) "
                       "from marts.fct_grid_carbon_intensity where region = 'DE' and scope = 'direct' "
                       "and interval_start_utc >= '2025-03-01' group by 1, 2 order by 1, 2")
    expected_intensity = (DST_GEN["lignite"] * spec_factor("lignite", datetime(2025, 3, 30, tzinfo=UTC))
                          / sum(DST_GEN.values()))
    assert expected_intensity == 210
    expected = []
    for day, (hours, quarters) in DST_DAYS.items():
        expected += [(day, "PT15M", quarters, expected_intensity, expected_intensity),
                     (day, "PT1H", hours, expected_intensity, expected_intensity)]
    assert grid == expected
    household = query(conn, "select (interval_start_utc at time zone 'Europe/Berlin')::date, model, count(*), "
                            "sum(emissions_kg), min(intensity_resolution), min(status) "
                            "from marts.fct_household_emissions where household_id = %s and scope = 'direct' "
                            "and interval_start_utc >= '2025-03-01' group by 1, 2 order by 1, 2",
                            (household_id(EV_HOME),))
    for day, model, count, kg, resolution, status in household:
        quarters = DST_DAYS[day][1]
        assert count == quarters
        if model == "locality":  # no control-area data after the §9 hours: pending, not filled
            assert (kg, status) == (None, "PENDING")
        else:
            factor = expected_intensity if model == "average" else spec_factor("lignite", datetime(2025, 3, 30,
                                                                                                tzinfo=UTC))
            assert (kg, resolution, status) == (quarters * DST_KWH * factor / 1000, "PT15M", "OK"), model


def test_grain_is_unique_and_incremental_rerun_is_stable(built: tuple[Any, Path, str]) -> None:
    conn, work, database = built
    before = query(conn, "select household_id, interval_start_utc, model, scope, emissions_kg "
                         "from marts.fct_household_emissions order by 1, 2, 3, 4")
    run_dbt(["build", "--select", "path:models/marts/emissions"], work, database)  # incremental path
    after = query(conn, "select household_id, interval_start_utc, model, scope, emissions_kg "
                        "from marts.fct_household_emissions order by 1, 2, 3, 4")
    assert before == after
    for table, key in (("fct_household_emissions", "household_id, interval_start_utc, resolution, model, scope"),
                       ("fct_grid_carbon_intensity", "region, interval_start_utc, resolution, scope")):
        dupes = query(conn, f"select count(*) from (select {key} from marts.{table} "
                            f"group by {key} having count(*) > 1) d")
        assert dupes == [(0,)]
    grants = query(conn, "select has_table_privilege('bi_reader', 'marts.fct_household_emissions', 'select'), "
                         "has_table_privilege('bi_reader', 'marts.agg_household_emissions_monthly', 'select')")
    assert grants == [(True, True)]


def test_rows_built_with_other_household_settings_are_recomputed(built: tuple[Any, Path, str]) -> None:
    """Emissions rows computed under a household's earlier settings (here: stamped with another fingerprint and
    zeroed, as if computed before an edit of seeds/household_settings.csv) are all recomputed by the next
    incremental run, also those months older than the look-back; rows of unchanged settings are kept as is."""
    conn, work, database = built
    hid = household_id(EV_HOME)
    emissions_sql = ("select interval_start_utc, resolution, model, scope, emissions_kg, settings_fingerprint "
                     "from marts.fct_household_emissions where household_id = %s order by 1, 2, 3, 4")
    before = query(conn, emissions_sql, (hid,))
    assert len({r[5] for r in before}) == 1 and before[0][5] is not None
    old_months = [r for r in before if r[0] < datetime(2025, 9, 1, tzinfo=UTC)]
    assert old_months, "the fixture has intervals older than the look-back"
    with conn.cursor() as cur:
        cur.execute("update marts.fct_household_emissions set settings_fingerprint = 'earlier-settings', "
                    "emissions_kg = 0 where household_id = %s", (hid,))
    run_dbt(["build", "--select", *ATTRIBUTION_SELECTION], work, database)  # incremental, no full refresh
    assert query(conn, emissions_sql, (hid,)) == before


def test_backfilled_intervals_older_than_the_lookback_reach_the_marts(built: tuple[Any, Path, str]) -> None:
    """A backfill loads history after newer intervals were processed. The user saw the backfill runs succeed and
    the marts never show those intervals (the incremental predicate only looked back from the newest row). Here
    the intervals before September 2025 are missing from both facts, as if their raw rows had just landed; an
    incremental run (no full refresh) builds them, identical to the full build."""
    conn, work, database = built
    facts = {
        "fct_household_emissions": "select household_id, interval_start_utc, resolution, model, scope, emissions_kg,"
                                   " status from marts.fct_household_emissions order by 1, 2, 3, 4, 5",
        "fct_grid_carbon_intensity": "select region, interval_start_utc, resolution, scope, "
                                     "average_intensity_g_per_kwh, status from marts.fct_grid_carbon_intensity "
                                     "order by 1, 2, 3, 4",
    }
    before = {name: query(conn, sql) for name, sql in facts.items()}
    with conn.cursor() as cur:
        for name in facts:
            cur.execute(f"delete from marts.{name} where interval_start_utc < '2025-09-01T00:00Z'")
            assert cur.rowcount > 0, f"the fixture has no {name} rows older than the look-back"
    run_dbt(["build", "--select", *ATTRIBUTION_SELECTION], work, database)  # incremental, no full refresh
    assert {name: query(conn, sql) for name, sql in facts.items()} == before


def test_a_resolution_switch_replaces_the_hours_never_adds_them(built: tuple[Any, Path, str]) -> None:
    """A household switches TIBBER_RESOLUTION from HOURLY to QUARTER_HOURLY. The user saw the monthly mart count
    the switched hours twice (the hour and its four quarter-hours), and the incremental marts keep the hourly rows
    even after the stale raw rows were deleted. Through the real loader (tibber.load) and incremental dbt runs:
    after the switch each hour has one resolution in raw, in both facts and in the monthly sum; a legacy raw
    table holding both resolutions for an hour (loaded before this rule) counts only the newest load."""
    from gridcarbon.intervals import Window
    from gridcarbon.sources import tibber
    from gridcarbon.warehouse import LoadMeta

    conn, work, database = built
    start = datetime(2025, 10, 20, 8, tzinfo=UTC)  # a plain day; no grid data there (status PENDING is fine)
    window = Window(start, start + timedelta(hours=3))
    home = tibber.Home(EV_HOME, "Europe/Berlin", "EUR", None, None, None, None, "DE")

    def fetched(resolution: str, kwh_per_step: Decimal) -> tibber.TibberFetch:
        step = tibber.RESOLUTION_STEPS[resolution]
        count = int((window.end - window.start) / step)
        nodes = [tibber.ConsumptionRecord(EV_HOME, resolution, start + i * step, start + (i + 1) * step,
                                          kwh_per_step, "kWh", None, None, None, "EUR") for i in range(count)]
        return tibber.TibberFetch(window=window, resolution=resolution, homes=[tibber.HomeData(home, nodes)])

    def mart_kwh() -> dict[str, Any]:
        rows = query(conn, "select resolution, count(*), sum(consumption_kwh) from marts.fct_household_consumption "
                           "where household_id = %s and interval_start_utc >= %s and interval_start_utc < %s "
                           "group by 1 order by 1", (household_id(EV_HOME), window.start, window.end))
        emissions = query(conn, "select resolution, count(*) from marts.fct_household_emissions where "
                                "household_id = %s and model = 'average' and scope = 'direct' and "
                                "interval_start_utc >= %s and interval_start_utc < %s group by 1 order by 1",
                          (household_id(EV_HOME), window.start, window.end))
        return {"consumption": rows, "emissions": emissions}

    incremental = ["build", "--select", "stg_tibber__consumption+", "--exclude-resource-type", "test"]
    tibber.load(conn, fetched("HOURLY", Decimal("2.0")), window, LoadMeta(run_id="hourly", window=window))
    run_dbt(incremental, work, database)
    assert mart_kwh() == {"consumption": [("PT1H", 3, Decimal("6.0"))], "emissions": [("PT1H", 3)]}

    tibber.load(conn, fetched("QUARTER_HOURLY", Decimal("0.5")), window, LoadMeta(run_id="quarter", window=window))
    assert query(conn, "select resolution, count(*) from raw_tibber.consumption where home_id = %s and "
                       "interval_start_utc >= %s and interval_start_utc < %s group by 1",
                 (EV_HOME, window.start, window.end)) == [("QUARTER_HOURLY", 12)]
    run_dbt(incremental, work, database)
    assert mart_kwh() == {"consumption": [("PT15M", 12, Decimal("6.0"))], "emissions": [("PT15M", 12)]}

    # legacy raw: the hourly rows come back beside the quarter-hours, loaded earlier -> the quarter-hours count
    with conn.cursor() as cur:
        cur.executemany(
            "insert into raw_tibber.consumption (home_id, resolution, interval_start_utc, interval_end_utc, "
            "consumption_kwh, consumption_unit, currency, _loaded_at) values (%s, 'HOURLY', %s, %s, 2.0, 'kWh', "
            "'EUR', '2025-01-01T00:00Z')",
            [(EV_HOME, start + timedelta(hours=i), start + timedelta(hours=i + 1)) for i in range(3)],
        )
    run_dbt(incremental, work, database)
    assert mart_kwh() == {"consumption": [("PT15M", 12, Decimal("6.0"))], "emissions": [("PT15M", 12)]}
    with conn.cursor() as cur:
        cur.execute("delete from raw_tibber.consumption where home_id = %s and interval_start_utc >= %s and "
                    "interval_start_utc < %s", (EV_HOME, window.start, window.end))
    run_dbt(incremental, work, database)
    assert mart_kwh() == {"consumption": [], "emissions": []}


def test_late_data_is_picked_up_by_the_incremental_lookback(built: tuple[Any, Path, str]) -> None:
    """DOMAIN §4.1: consumption newer than SMARD is PENDING; once SMARD publishes, an incremental run (no full
    refresh) re-evaluates the interval inside the look-back window. Runs last: it adds rows."""
    conn, work, database = built
    hour = datetime(2025, 10, 27, tzinfo=UTC)  # right after the October DST day
    quarters = [hour + i * timedelta(minutes=15) for i in range(4)]
    loaded = datetime(2025, 11, 2, tzinfo=UTC)
    with conn.cursor() as cur:
        cur.executemany(
            "insert into raw_smard.chart_values (filter_id, region, resolution, interval_start_utc, value, "
            "meta_created_utc, block_start_utc, _loaded_at) values (%s, 'DE', 'quarterhour', %s, null, %s, %s, %s)",
            [(FILTER[fuel], t, loaded, t, loaded) for fuel in DST_GEN for t in quarters],
        )
        cur.executemany(
            "insert into raw_tibber.consumption (home_id, resolution, interval_start_utc, interval_end_utc, "
            "consumption_kwh, consumption_unit, cost, currency, _loaded_at) "
            "values (%s, 'QUARTER_HOURLY', %s, %s, %s, 'kWh', 0, 'EUR', %s)",
            [(EV_HOME, t, t + timedelta(minutes=15), DST_KWH, loaded) for t in quarters],
        )
    incremental = ["build", "--select", "int_household_consumption_split", "fct_household_consumption",
                   *ATTRIBUTION_SELECTION]

    def statuses() -> list[tuple[Any, ...]]:
        return query(conn, "select status, count(*), sum(emissions_kg) from marts.fct_household_emissions "
                           "where household_id = %s and model = 'average' and scope = 'direct' and "
                           "interval_start_utc >= %s group by 1", (household_id(EV_HOME), hour))

    run_dbt(incremental, work, database)
    assert statuses() == [("PENDING", 4, None)]
    with conn.cursor() as cur:
        for fuel, mwh in DST_GEN.items():
            cur.execute("update raw_smard.chart_values set value = %s where region = 'DE' and filter_id = %s "
                        "and interval_start_utc >= %s", (mwh, FILTER[fuel], hour))
    run_dbt(incremental, work, database)
    assert statuses() == [("OK", 4, 4 * DST_KWH * 210 / 1000)]


def test_a_non_finite_raw_value_never_reaches_the_marts_as_ok(built: tuple[Any, Path, str]) -> None:
    """A NaN, Infinity or 1e300 in a raw table (written before the loaders refused them, or by hand) used to reach
    bi_reader with status OK and a NaN intensity, and only a later dbt test complained. Staging passes such a
    value on as NULL (not published), so the interval is flagged like missing data. Runs after the late-data
    test: it damages the hour that test published."""
    conn, work, database = built
    hour = datetime(2025, 10, 27, tzinfo=UTC)
    with conn.cursor() as cur:
        for minutes, value in ((0, "NaN"), (15, "Infinity"), (30, "1e300")):
            cur.execute("update raw_smard.chart_values set value = %s::numeric, _loaded_at = now() where "
                        "region = 'DE' and filter_id = %s and interval_start_utc = %s",
                        (value, FILTER["lignite"], hour + timedelta(minutes=minutes)))
            assert cur.rowcount == 1
    run_dbt(["build", "--select", "int_household_consumption_split", "fct_household_consumption",
             *ATTRIBUTION_SELECTION], work, database)
    rows = query(conn, "select interval_start_utc, status from marts.fct_household_emissions where household_id = %s "
                       "and model = 'average' and scope = 'direct' and interval_start_utc >= %s order by 1",
                 (household_id(EV_HOME), hour))
    assert [status for _, status in rows[:3]] != ["OK"] * 3 and all(status != "OK" for _, status in rows[:3]), rows
    assert rows[3][1] == "OK", rows  # the untouched quarter-hour stays published
    for table, column in (("fct_grid_carbon_intensity", "average_intensity_g_per_kwh"),
                          ("fct_household_emissions", "emissions_kg")):
        bad = query(conn, f"select count(*) from marts.{table} where {column} in ('NaN', 'Infinity', '-Infinity') "
                          f"or abs({column}) >= 1e9")
        assert bad == [(0,)], table
