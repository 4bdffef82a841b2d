"""The dbt foundation layer on a real Postgres: staging, SCD2 emission factors, households and the EV split.

A few raw rows (the DOMAIN.md §9 New-Year hours, a DST day each way, edge cases) go into a fresh warehouse of
its own;
``dbt build`` runs on the foundation models (seeds, staging, intermediate households/emission_factors,
marts/core, the snapshot and their tests, unit tests included); the marts are compared with values computed
here independently (EV split re-implemented in Python, factors read from the electricityMaps fixture).
Then a factor changes with a later effective date: ``dbt snapshot`` + ``dbt build`` again must yield two
versions, each used for the intervals it is valid for (validity evaluated at interval start, UTC).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gridcarbon.settings import REPO_ROOT
from tests.conftest import fixture_path
from tests.integration.dbt_helpers import household_id, local_day_intervals, local_midnight_utc, query
from tests.integration.test_dbt_foundation_raw import ensure_raw_tables

pytestmark = pytest.mark.integration

DBT_DIR = REPO_ROOT / "dbt_project"
EV_HOME = "4f6b0c1e-2a7d-4e59-9c3b-8d1a5e7f0a02"  # in seeds/household_settings.csv: TransnetBW, EV 11 kW, cap
UNCONFIGURED_HOME = "test-home-without-settings"  # not in the seed: documented defaults apply
FOUNDATION_SELECTION = [
    "path:seeds",
    "path:models/staging",
    "path:models/intermediate/households",
    "path:models/intermediate/emission_factors",
    "path:models/marts/core",
    "path:snapshots",
    "path:tests/assert_emission_factor_windows_contiguous.sql",
    "path:tests/assert_merit_order_rank_windows_contiguous.sql",
    "path:tests/assert_one_current_emission_factor_per_key.sql",
]

T1 = datetime(2024, 12, 31, 21, tzinfo=UTC)
HOURS = [T1, T1 + timedelta(hours=1), T1 + timedelta(hours=2)]  # t1..t3 of DOMAIN 9.1
GENERATION = {  # SMARD filter -> MWh per hour t1..t3 (DOMAIN 9.3)
    1223: [10000, 10000, 9000],
    4069: [4000, 3000, 3000],
    4071: [6000, 5000, 4000],
    4067: [16000, 18000, 20000],
    4066: [4000, 4000, 4000],
}
HOUSEHOLD_KWH = [Decimal("0.8"), Decimal("12.5"), Decimal("23.0")]


# --------------------------------------------------------------------------------------------- helpers
def dbt_executable() -> str:
    return os.environ.get("GRIDCARBON_DBT_EXECUTABLE") or str(REPO_ROOT / ".venv-dbt" / "bin" / "dbt")


def run_dbt(args: list[str], target_dir: Path, dbname: str, vars_: dict[str, Any] | None = None) -> str:
    env = dict(os.environ)
    env.update(
        DBT_DATABASE=dbname,
        DBT_HOST=os.environ.get("PGHOST", "127.0.0.1"),
        DBT_PORT=os.environ.get("PGPORT", "5432"),
        DBT_USER="gridcarbon_transformer",
        DBT_PROFILES_DIR=str(DBT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    cmd = [dbt_executable(), *args, "--target-path", str(target_dir / "target"), "--log-path", str(target_dir)]
    if vars_:
        cmd += ["--vars", json.dumps(vars_)]
    proc = subprocess.run(cmd, cwd=DBT_DIR, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def split_single_ev_cap(kwh: Decimal, hours: Decimal, ev_kw: Decimal) -> tuple[Decimal, Decimal, list[str]]:
    """DOMAIN 2.2 single_ev_cap, written independently of the SQL."""
    power = kwh / hours
    ev = ev_kw * hours if power > ev_kw else Decimal(0)
    hh = kwh - ev
    flags = []
    if abs(power - ev_kw) < Decimal("1e-9"):
        flags.append("EV_AT_THRESHOLD")
    if hh / hours > ev_kw:
        flags.append("HH_EXCEEDS_ASSUMPTION")
    if hours == 1:
        flags.append("EV_SPLIT_COARSE")
    return ev, hh, flags


def published_factor(zone: str, kind: str, mode: str, local_date: str) -> float:
    path = fixture_path("emission_factors/electricitymaps_emission_factors_flat.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["zone"], row["kind"], row["mode"], row["valid_from"]) == (zone, kind, mode, local_date):
                return float(row["value_gco2eq_per_kwh"])
    raise AssertionError(f"no {zone}/{kind}/{mode} factor dated {local_date} in the fixture")


def factor_at(conn: Any, fuel: str, region: str, scope: str, at: datetime) -> list[tuple[Any, ...]]:
    """The spec's lookup rule: valid_from <= interval_start_utc < valid_to (NULL = open)."""
    return query(
        conn,
        "select g_co2eq_per_kwh, emission_factor_id from marts.dim_emission_factors "
        "where fuel = %s and region = %s and scope = %s and valid_from <= %s "
        "and (valid_to is null or %s < valid_to)",
        (fuel, region, scope, at, at),
    )


# --------------------------------------------------------------------------------------------- raw data


def insert_raw_rows(conn: Any) -> None:
    loaded = datetime(2025, 11, 1, tzinfo=UTC)
    with conn.cursor() as cur:
        rows = []
        for filter_id, values in GENERATION.items():
            rows += [(filter_id, "DE", "hour", t, v) for t, v in zip(HOURS, values, strict=True)]
        rows += [(4070, "DE", "hour", HOURS[0], -12.5)]  # negative -> clamped
        rows += [(9999, "DE", "hour", HOURS[0], 7)]  # unmapped filter -> unknown
        rows += [(1224, "DE", "hour", HOURS[2], None)]  # not yet published
        rows += [(410, "DE", "hour", t, 40000 + i) for i, t in enumerate(HOURS)]
        rows += [(4387, "DE", "hour", HOURS[0], 1500)]
        rows += [(4169, "DE-LU", "hour", t, p) for t, p in zip(HOURS, [95, 80, -5], strict=True)]
        cur.executemany(
            "insert into raw_smard.chart_values (filter_id, region, resolution, interval_start_utc, value, "
            "meta_created_utc, block_start_utc, _loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(*r, loaded, datetime(2024, 12, 29, 23, tzinfo=UTC), loaded) for r in rows],
        )
        cur.execute(
            "insert into raw_smard.series_status values (1225, 'TransnetBW', 'quarterhour', 'absent', %s, %s)",
            (loaded, loaded),
        )
        cur.executemany(
            "insert into raw_tibber.homes (home_id, time_zone, currency, app_nickname, address1, postal_code, city,"
            " country, _loaded_at) values (%s, %s, 'EUR', 'nick', 'Street 1', '76131', 'Karlsruhe', 'DE', %s)",
            [(EV_HOME, "Europe/Berlin", loaded), (UNCONFIGURED_HOME, "Europe/Amsterdam", loaded)],
        )
        consumption = [
            (EV_HOME, "HOURLY", t, t + timedelta(hours=1), c) for t, c in zip(HOURS, HOUSEHOLD_KWH, strict=True)
        ]
        q0 = datetime(2025, 1, 2, 17, tzinfo=UTC)
        quarter_kwh = [Decimal("2.75"), Decimal("3.0"), Decimal("0.2"), Decimal("-0.1")]  # 11 kW exactly, 12 kW, ...
        consumption += [
            (EV_HOME, "QUARTER_HOURLY", q0 + i * timedelta(minutes=15), q0 + (i + 1) * timedelta(minutes=15), c)
            for i, c in enumerate(quarter_kwh)
        ]
        consumption += [(EV_HOME, "HOURLY", q0, q0 + timedelta(hours=1), Decimal("5.85"))]  # same hour, coarser
        for day in (date(2025, 3, 30), date(2025, 10, 26)):  # DST days: 23 and 25 local hours
            consumption += [
                (UNCONFIGURED_HOME, "HOURLY", t, t + timedelta(hours=1), Decimal("0.5"))
                for t in local_day_intervals(day, timedelta(hours=1))
            ]
        cur.executemany(
            "insert into raw_tibber.consumption (home_id, resolution, interval_start_utc, interval_end_utc, "
            "consumption_kwh, consumption_unit, cost, currency, _loaded_at) "
            "values (%s, %s, %s, %s, %s, 'kWh', 0, 'EUR', %s)",
            [(*r, loaded) for r in consumption],
        )
        cur.execute(
            "insert into raw_netztransparenz.redispatch_measures (measure_id, start_utc, end_utc, reason, direction,"
            " direction_raw, total_mwh, instructing_tso, requesting_tso, affected_plant, primary_energy_class,"
            " _loaded_at) values ('m1', %s, %s, 'Probestart (NetzRes)', 'up', 'Wirkleistungseinspeisung erh¿hen',"
            " 170, 'TenneT DE', 'TenneT DE', 'Reservekraftwerk X', 'Konventionell', %s)",
            (HOURS[0], HOURS[1], loaded),
        )
        cur.executemany(
            "insert into raw_eia.fuel_type_data (respondent, fueltype, interval_start_utc, value_mwh, _loaded_at)"
            " values (%s, %s, %s, %s, %s)",
            [("CISO", "SUN", HOURS[0], 5000, loaded), ("CISO", "BAT", HOURS[0], -300, loaded),
             ("CISO", "XYZ", HOURS[0], 10, loaded)],
        )
        cur.executemany(
            "insert into raw_iso.generation_by_fuel (iso, source_label, interval_start_utc, interval_minutes, "
            "generation_mw, _loaded_at) values (%s, %s, %s, %s, %s, %s)",
            [("caiso", "Solar", HOURS[0], 5, 1200, loaded), ("caiso", "Solar", HOURS[0] + timedelta(minutes=5), 5,
                                                               1500, loaded)],
        )


# --------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def foundation_db(pg_server: tuple[str, str, str]) -> Iterator[str]:
    """A warehouse of its own (like conftest's ``warehouse_db``, created and dropped the same way): this module
    snapshots a changed factor and builds an incremental fact, state that must not leak into other dbt tests
    sharing the session database."""
    from gridcarbon.bootstrap import create_database, drop_database

    name = f"gridcarbon_test_foundation_{os.getpid()}"
    create_database(name)
    try:
        yield name
    finally:
        drop_database(name)


@pytest.fixture(scope="module")
def built(foundation_db: str, pg_server: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Any, Path, str]]:
    import psycopg2

    host, port, user = pg_server
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=foundation_db)
    conn.autocommit = True
    try:
        ensure_raw_tables(conn)
        insert_raw_rows(conn)
        work = tmp_path_factory.mktemp("dbt_foundation")
        run_dbt(["build", "--select", *FOUNDATION_SELECTION, "--indirect-selection", "cautious"], work, foundation_db)
        yield conn, work, foundation_db
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------- tests
def test_smard_generation_staging(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    rows = query(
        conn,
        "select source_code, fuel, is_unknown_fuel, raw_generation_mwh, generation_mwh, is_negative_clamped, "
        "is_published, resolution, interval_end_utc - interval_start_utc from staging.stg_smard__generation "
        "where region = 'DE' and interval_start_utc = %s order by source_code",
        (HOURS[0],),
    )
    by_code = {r[0]: r for r in rows}
    assert set(by_code) == {"1223", "4066", "4067", "4069", "4070", "4071", "9999"}  # 410/4387/4169 are not generation
    assert by_code["1223"][1:5] == ("lignite", False, Decimal(10000), Decimal(10000))
    assert by_code["4070"][1:6] == ("pumped_storage", False, Decimal("-12.5"), Decimal(0), True)
    assert by_code["9999"][1:3] == ("unknown", True)
    assert all(r[7] == "PT1H" and r[8] == timedelta(hours=1) for r in rows)
    unpublished = query(conn, "select is_published, generation_mwh from staging.stg_smard__generation "
                              "where source_code = '1224'")
    assert unpublished == [(False, None)]
    total = query(conn, "select sum(generation_mwh) from staging.stg_smard__generation where region = 'DE' "
                        "and interval_start_utc = %s and fuel <> 'unknown' and source_code <> '4070'", (HOURS[1],))
    assert total == [(Decimal(40000),)]


def test_other_staging_models(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    assert query(conn, "select load_mwh, pumped_storage_consumption_mwh, residual_load_mwh from "
                       "staging.stg_smard__load where interval_start_utc = %s", (HOURS[0],)) == [
        (Decimal(40000), Decimal(1500), None)]
    prices = query(conn, "select price_eur_per_mwh from staging.stg_smard__prices order by interval_start_utc")
    assert [p[0] for p in prices] == [Decimal(95), Decimal(80), Decimal(-5)]
    assert query(conn, "select filter_id, resolution, is_absent, fuel from staging.stg_smard__series_status") == [
        (1225, "PT15M", True, "wind_offshore")]
    assert query(conn, "select direction, control_area, requesting_tso, is_test_run from "
                       "staging.stg_netztransparenz__redispatch_measures") == [("up", "TenneT", "TenneT", True)]
    eia = dict(query(conn, "select source_code, generation_mwh from staging.stg_eia__fuel_type_data"))
    assert eia == {"SUN": Decimal(5000), "BAT": Decimal(0), "XYZ": Decimal(10)}
    iso = query(conn, "select region, resolution, fuel, generation_mwh from staging.stg_iso__generation_by_fuel "
                      "order by interval_start_utc")
    assert [(r[0], r[1]) for r in iso] == [("CISO", "PT5M")] * 2  # CAISO's feed: the EIA key of its grid
    assert [float(r[3]) for r in iso] == [100.0, 125.0]  # MW * 5 / 60
    columns = {r[0] for r in query(conn, "select column_name from information_schema.columns "
                                         "where table_schema = 'staging' and table_name = 'stg_tibber__homes'")}
    assert columns.isdisjoint({"address1", "postal_code", "city", "app_nickname"})


def test_factor_versions_follow_business_time(built: tuple[Any, Path, str]) -> None:
    """DOMAIN 9.2 with the published numbers: t1, t2 use the 2024 factor, t3 (= 2025-01-01 00:00 Berlin) 2025."""
    conn = built[0]
    f2024 = published_factor("DE", "direct", "coal", "2024-01-01")
    f2025 = published_factor("DE", "direct", "coal", "2025-01-01")
    expected = [f2024, f2024, f2025]
    for fuel in ("lignite", "hard_coal"):
        got = [factor_at(conn, fuel, "DE", "direct", t) for t in HOURS]
        assert [len(g) for g in got] == [1, 1, 1]
        assert [float(g[0][0]) for g in got] == expected
    boundary = query(conn, "select valid_from from marts.dim_emission_factors where fuel = 'lignite' and "
                           "region = 'DE' and scope = 'direct' and g_co2eq_per_kwh = %s", (f2025,))
    assert boundary == [(local_midnight_utc(date(2025, 1, 1)),)]
    assert boundary[0][0] == datetime(2024, 12, 31, 23, tzinfo=UTC)
    # provenance on every row; nothing before 2015 for DE direct (no silent backfill to the epoch)
    assert query(conn, "select count(*) from marts.dim_emission_factors where source is null or source_url is null"
                 ) == [(0,)]
    assert factor_at(conn, "lignite", "DE", "direct", datetime(2010, 1, 1, tzinfo=UTC)) == []


def test_factor_windows_have_no_gaps_or_overlaps(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    rows = query(conn, "select fuel, region, scope, valid_from, valid_to from marts.dim_emission_factors "
                       "order by fuel, region, scope, valid_from")
    previous: dict[tuple[str, str, str], datetime | None] = {}
    for fuel, region, scope, valid_from, valid_to in rows:
        key = (fuel, region, scope)
        if key in previous:
            assert previous[key] == valid_from, f"gap or overlap before {key} {valid_from}"
        assert valid_to is None or valid_to > valid_from
        previous[key] = valid_to
    assert all(v is None for v in previous.values())  # every key has an open current version


def test_household_split_matches_independent_computation(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    hid = household_id(EV_HOME)
    rows = query(conn, "select interval_start_utc, resolution, consumption_kwh, ev_kwh, household_kwh, flags, "
                       "control_area, timezone, is_finest_grain from marts.fct_household_consumption "
                       "where household_id = %s order by resolution, interval_start_utc", (hid,))
    # the hour 2025-01-02T17Z is in raw at both resolutions, loaded together: one resolution per household and
    # hour reaches the mart, the finer one (no hour counted twice), and every row is the finest grain
    assert datetime(2025, 1, 2, 17, tzinfo=UTC) not in [r[0] for r in rows if r[1] == "PT1H"]
    assert all(r[8] for r in rows)
    rows = [r[:8] for r in rows]
    hourly = [r for r in rows if r[1] == "PT1H"]
    assert [r[0] for r in hourly] == HOURS
    for row, kwh in zip(hourly, HOUSEHOLD_KWH, strict=True):
        ev, hh, flags = split_single_ev_cap(kwh, Decimal(1), Decimal("11.0"))
        assert (row[2], row[3], row[4], row[5]) == (kwh, ev, hh, flags)
        assert row[3] + row[4] == row[2]
        assert row[6:] == ("TransnetBW", "Europe/Berlin")
    # DOMAIN 9.4 totals: EV 22, HH 14.3
    assert sum(r[3] for r in hourly) == Decimal(22) and sum(r[4] for r in hourly) == Decimal("14.3")
    quarters = [r for r in rows if r[1] == "PT15M"]
    expected_quarters = [(Decimal("2.75"), Decimal(0), Decimal("2.75"), ["EV_AT_THRESHOLD"]),
                         (Decimal("3.0"), Decimal("2.75"), Decimal("0.25"), []),
                         (Decimal("0.2"), Decimal(0), Decimal("0.2"), []),
                         (Decimal(0), Decimal(0), Decimal(0), ["NEGATIVE_VALUE_CLAMPED"])]
    assert [(r[2], r[3], r[4], r[5]) for r in quarters] == expected_quarters


def test_households_are_pseudonymous_with_defaults(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    columns = {r[0] for r in query(conn, "select column_name from information_schema.columns where "
                                         "table_schema = 'marts' and table_name in ('dim_households', "
                                         "'fct_household_consumption')")}
    assert not any("tibber" in c or "address" in c or "postal" in c for c in columns)
    assert query(conn, "select count(*) from marts.dim_households where household_id in (%s, %s)",
                 (EV_HOME, UNCONFIGURED_HOME)) == [(0,)]
    dim = query(conn, "select control_area, has_ev, ev_power_kw, ev_split_rule, timezone, is_configured "
                      "from marts.dim_households where household_id = %s", (household_id(UNCONFIGURED_HOME),))
    assert dim == [(None, False, Decimal("11.0"), "single_ev_cap", "Europe/Amsterdam", False)]
    grants = query(conn, "select has_table_privilege('bi_reader', 'marts.fct_household_consumption', 'select'), "
                         "has_table_privilege('bi_reader', 'marts.dim_emission_factors', 'select')")
    assert grants == [(True, True)]


def test_dst_days_have_23_and_25_hours(built: tuple[Any, Path, str]) -> None:
    conn = built[0]
    rows = query(conn, "select (interval_start_utc at time zone 'Europe/Berlin')::date as local_day, count(*), "
                       "sum(consumption_kwh) from marts.fct_household_consumption where household_id = %s "
                       "group by 1 order by 1", (household_id(UNCONFIGURED_HOME),))
    assert rows == [(date(2025, 3, 30), 23, Decimal("11.5")), (date(2025, 10, 26), 25, Decimal("12.5"))]


def test_a_later_factor_version_is_snapshotted_with_business_validity(built: tuple[Any, Path, str]) -> None:
    """A new lignite factor effective 2026-01-01 Berlin: two versions, each used for its intervals."""
    conn, work, dbname = built
    before = factor_at(conn, "lignite", "DE", "direct", datetime(2025, 6, 1, tzinfo=UTC))
    new_from = local_midnight_utc(date(2026, 1, 1))  # 2025-12-31T23:00Z
    override = {"fuel": "lignite", "region": "DE", "scope": "direct", "g_co2eq_per_kwh": 1000.5,
                "valid_from": new_from.isoformat(), "source": "integration test", "comment": "later version"}
    # the snapshot reads the view int_emission_factors_current: rebuild it with the var, then snapshot
    overrides = {"emission_factor_overrides": [override]}
    run_dbt(["run", "--select", "int_emission_factors_current"], work, dbname, vars_=overrides)
    run_dbt(["snapshot"], work, dbname, vars_=overrides)
    # a build without the var keeps the snapshotted version (an older effective date is not a change)
    run_dbt(["build", "--select", *FOUNDATION_SELECTION, "--indirect-selection", "cautious"], work, dbname)

    versions = query(conn, "select g_co2eq_per_kwh, valid_from, valid_to, is_current, emission_factor_id "
                           "from marts.dim_emission_factors where fuel = 'lignite' and region = 'DE' "
                           "and scope = 'direct' and valid_from >= %s order by valid_from",
                     (datetime(2024, 12, 31, 23, tzinfo=UTC),))
    f2025 = Decimal(str(published_factor("DE", "direct", "coal", "2025-01-01")))
    assert [(v[0], v[1], v[2], v[3]) for v in versions] == [
        (f2025, datetime(2024, 12, 31, 23, tzinfo=UTC), new_from, False),
        (Decimal("1000.5"), new_from, None, True),
    ]
    assert versions[0][4] == before[0][1]  # the surrogate key of a version is stable
    just_before = factor_at(conn, "lignite", "DE", "direct", new_from - timedelta(hours=1))
    at_start = factor_at(conn, "lignite", "DE", "direct", new_from)
    assert [r[0] for r in just_before] == [f2025] and [r[0] for r in at_start] == [Decimal("1000.5")]
    # the snapshot closed the old version at the business date, not at the (2026-11) run time
    snap = query(conn, "select dbt_valid_from, dbt_valid_to from snapshots.snp_emission_factors where "
                       "fuel = 'lignite' and region = 'DE' and scope = 'direct' order by dbt_valid_from")
    assert snap == [(datetime(2024, 12, 31, 23, tzinfo=UTC), new_from), (new_from, None)]
    # the fact was built incrementally a second time without duplicates
    counts = query(conn, "select count(*), count(distinct (household_id, resolution, interval_start_utc)) "
                         "from marts.fct_household_consumption")
    assert counts[0][0] == counts[0][1] == 3 + 4 + 23 + 25  # the coarse duplicate hour does not count


def test_changed_household_settings_reprocess_the_whole_history(built: tuple[Any, Path, str]) -> None:
    """A user edits a household's settings: the next (incremental) run re-splits every interval of that household,
    including intervals far older than the look-back (7 days before 2025-10-26: here 2025-03-30), and nothing
    of the other household changes. The unconfigured home follows the default_* vars, so changing them changes
    its settings; changing them back restores the original split."""
    conn, work, dbname = built
    unconfigured, ev_home = household_id(UNCONFIGURED_HOME), household_id(EV_HOME)
    split_sql = ("select interval_start_utc, ev_kwh, household_kwh from marts.fct_household_consumption "
                 "where household_id = %s order by interval_start_utc")
    assert {r[1] for r in query(conn, split_sql, (unconfigured,))} == {Decimal(0)}  # defaults: no EV
    ev_home_before = query(conn, split_sql, (ev_home,))
    selection = ["build", "--select", *FOUNDATION_SELECTION, "--indirect-selection", "cautious"]

    run_dbt(selection, work, dbname, vars_={"default_has_ev": True, "default_ev_power_kw": 0.4})
    rows = query(conn, split_sql, (unconfigured,))
    assert len(rows) == 23 + 25
    # 0.5 kWh in an hour = 0.5 kW > 0.4 kW: single_ev_cap gives 0.4 kWh to the EV, on both DST days
    assert {(r[0].date().month, r[1], r[2]) for r in rows} == {(3, Decimal("0.4"), Decimal("0.1")),
                                                              (10, Decimal("0.4"), Decimal("0.1"))}
    assert query(conn, split_sql, (ev_home,)) == ev_home_before

    run_dbt(selection, work, dbname)
    assert {r[1] for r in query(conn, split_sql, (unconfigured,))} == {Decimal(0)}
    counts = query(conn, "select count(*), count(distinct (household_id, resolution, interval_start_utc)) "
                         "from marts.fct_household_consumption")
    assert counts[0][0] == counts[0][1] == 3 + 4 + 23 + 25  # the coarse duplicate hour does not count
