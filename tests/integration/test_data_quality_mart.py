"""marts.fct_data_quality on a real Postgres with the real dbt project (issue 14).

Raw rows go straight into the contract raw tables (docs/CONTRACTS.md): the DST day 2025-03-30 (Europe/Berlin:
23 hours, 92 quarter-hours) as SMARD quarter-hours for DE and TransnetBW, with the last local hour of DE not
published yet (PENDING), one DE quarter-hour missing a fuel (INCOMPLETE_GENERATION) and one with a negative value;
hourly DE-LU prices for every hour but one (SMARD has no quarter-hour price before October 2025); offshore wind in
TransnetBW answered 404 (absent series); redispatch measures of an unknown plant (across local midnight and the
DST switch), of a listed plant, of an unknown renewable cluster, a test run and a market countertrade; and the US
DST day 2025-03-09 of CISO from EIA (America/Los_Angeles, 23 hours). Only the mart and what it reads are built
(``dbt build --select +fct_data_quality`` without tests, then the mart with its data and unit tests).

Every expected number is computed here from the inserted rows (statuses by the rules of DOMAIN §4.1, local days
with zoneinfo, redispatch energy pro rata by time), not read from the SQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.dbt_helpers import local_day_intervals, query
from tests.integration.test_dbt_attribution import run_dbt
from tests.integration.test_dbt_foundation_raw import ensure_raw_tables

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
DAY = date(2025, 3, 30)  # Europe/Berlin spring forward: 23 hours
QUARTER, HOUR = timedelta(minutes=15), timedelta(hours=1)
QUARTERS = local_day_intervals(DAY, QUARTER)
HOURS = local_day_intervals(DAY, HOUR)
FILTER = {"lignite": 1223, "natural_gas": 4071, "wind_onshore": 4067}
# MWh per quarter-hour
GENERATION = {
    "DE": {"lignite": Decimal(2000), "natural_gas": Decimal(1500), "wind_onshore": Decimal(8000)},
    "TransnetBW": {"lignite": Decimal(0), "natural_gas": Decimal(300), "wind_onshore": Decimal(200)},
}
PENDING_FROM = HOURS[-1]  # DE: the last local hour (23:00-24:00 CEST) is not published yet (all fuels NULL)
INCOMPLETE_AT = datetime(2025, 3, 30, 10, 15, tzinfo=UTC)  # DE: natural gas NULL in this quarter-hour
NEGATIVE_AT = datetime(2025, 3, 30, 12, 30, tzinfo=UTC)  # DE: wind onshore -3 MWh (clamped to 0)
UNPRICED_HOUR = datetime(2025, 3, 30, 8, tzinfo=UTC)  # 10:00 CEST: no day-ahead price
PRICED_HOURS = [h for h in HOURS if h != UNPRICED_HOUR]
ABSENT = {("TransnetBW", "quarterhour"): ["wind_offshore"]}  # SMARD 1225 answered 404
US_DAY = date(2025, 3, 9)  # America/Los_Angeles spring forward: 23 hours
US_START = datetime.combine(US_DAY, datetime.min.time(), tzinfo=LOS_ANGELES).astimezone(UTC)
US_HOURS = [US_START + i * HOUR for i in range(23)]
US_GENERATION = {"NG": Decimal(9000), "SUN": Decimal(4000)}  # EIA fuel codes, MWh per hour


class Measure:
    def __init__(self, measure_id: str, start: datetime, end: datetime, reason: str, direction: str, mwh: int,
                 tso: str, plant: str, energy_class: str, *, in_balance: bool, mapped: bool) -> None:
        self.row = (measure_id, start, end, reason, direction, mwh, tso, tso, plant, energy_class)
        self.start, self.end, self.mwh = start, end, Decimal(mwh)
        self.area = "TenneT" if tso.startswith("TenneT") else tso
        # what DOMAIN §8.3 says about the measure: counted in the area balances? fuel from the plant?
        self.in_balance, self.mapped = in_balance, mapped


MEASURES = [
    # 23:00 CET -> 03:00 CEST: three real hours, two of them on 30 March; a plant nobody lists (class fallback)
    Measure("m-unknown", datetime(2025, 3, 29, 22, tzinfo=UTC), datetime(2025, 3, 30, 1, tzinfo=UTC),
            "Strombedingter Redispatch", "up", 300, "TransnetBW", "Kraftwerk Nirgendwo Block 9", "Konventionell",
            in_balance=True, mapped=False),
    Measure("m-listed", datetime(2025, 3, 30, 10, tzinfo=UTC), datetime(2025, 3, 30, 11, tzinfo=UTC),
            "Strombedingter Redispatch", "up", 120, "TransnetBW", "GKW Musterstadt Block 3", "Konventionell",
            in_balance=True, mapped=True),
    Measure("m-cluster", datetime(2025, 3, 30, 12, tzinfo=UTC), datetime(2025, 3, 30, 14, tzinfo=UTC),
            "Strombedingter Redispatch", "down", 80, "TenneT DE", "EE Testcluster Nirgendwo", "Erneuerbar",
            in_balance=True, mapped=False),
    # excluded from the area balances: a reserve-plant test run and a market countertrade
    Measure("m-test", datetime(2025, 3, 30, 9, tzinfo=UTC), datetime(2025, 3, 30, 12, tzinfo=UTC),
            "Probestart (NetzRes)", "up", 170, "TransnetBW", "Kraftwerk Nirgendwo Block 9", "Konventionell",
            in_balance=False, mapped=False),
    Measure("m-market", datetime(2025, 3, 30, 9, tzinfo=UTC), datetime(2025, 3, 30, 12, tzinfo=UTC),
            "Strombedingter Countertrade DE-DK1", "up", 250, "TransnetBW", "Börse", "Sonstiges",
            in_balance=False, mapped=False),
]


# --------------------------------------------------------------------------------------------- raw data
def quarter_value(region: str, fuel: str, start: datetime) -> Decimal | None:
    if region == "DE" and start >= PENDING_FROM:
        return None
    if region == "DE" and start == INCOMPLETE_AT and fuel == "natural_gas":
        return None
    if region == "DE" and start == NEGATIVE_AT and fuel == "wind_onshore":
        return Decimal(-3)
    return GENERATION[region][fuel]


def insert_raw_rows(conn: Any) -> None:
    loaded = datetime(2025, 3, 31, 6, tzinfo=UTC)
    chart = [(FILTER[fuel], region, "quarterhour", q, quarter_value(region, fuel, q))
             for region in GENERATION for fuel in FILTER for q in QUARTERS]
    chart += [(4169, "DE-LU", "hour", h, Decimal(85)) for h in PRICED_HOURS]
    status = [(1225, region, resolution, "absent", loaded) for (region, resolution) in ABSENT]
    status += [(FILTER[fuel], region, "quarterhour", "ok", loaded) for region in GENERATION for fuel in FILTER]
    with conn.cursor() as cur:
        cur.executemany(
            "insert into raw_smard.chart_values (filter_id, region, resolution, interval_start_utc, value, "
            "meta_created_utc, block_start_utc, _loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(*r, loaded, QUARTERS[0], loaded) for r in chart],
        )
        cur.executemany(
            "insert into raw_smard.series_status (filter_id, region, resolution, status, checked_at_utc, "
            "_loaded_at) values (%s, %s, %s, %s, %s, %s)", [(*r, loaded) for r in status],
        )
        cur.executemany(
            "insert into raw_eia.fuel_type_data (respondent, fueltype, interval_start_utc, value_mwh, "
            "respondent_name, value_units, _loaded_at) values ('CISO', %s, %s, %s, 'CAISO', 'megawatthours', %s)",
            [(code, h, mwh, loaded) for code, mwh in US_GENERATION.items() for h in US_HOURS],
        )
        cur.execute(
            "insert into raw_reference.power_plants (plant_key, name, block, energy_source, _loaded_at) "
            "values ('p1', 'GKW Musterstadt', 'Block 3', 'Erdgas', %s)", (loaded,),
        )
        cur.executemany(
            "insert into raw_netztransparenz.redispatch_measures (measure_id, start_utc, end_utc, reason, "
            "direction, total_mwh, instructing_tso, requesting_tso, affected_plant, primary_energy_class, "
            "_loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(*m.row, loaded) for m in MEASURES],
        )


# --------------------------------------------------------------------------------------------- expectations
def status_of(region: str, quarters: list[datetime]) -> str:
    """DOMAIN §4.1 for an interval made of these quarter-hours: nothing published and later than the region's last
    published quarter-hour -> PENDING; a fuel unpublished -> INCOMPLETE_GENERATION; else OK (every fuel of the
    scenario has a factor in both scopes)."""
    values = [quarter_value(region, fuel, q) for fuel in FILTER for q in quarters]
    published = [q for q in QUARTERS if any(quarter_value(region, f, q) is not None for f in FILTER)]
    if all(v is None for v in values):
        assert min(quarters) > max(published)
        return "PENDING"
    return "INCOMPLETE_GENERATION" if any(v is None for v in values) else "OK"


def intervals(resolution: str) -> list[tuple[datetime, list[datetime]]]:
    """(interval start, its quarter-hours) of the local day."""
    if resolution == "PT15M":
        return [(q, [q]) for q in QUARTERS]
    return [(h, [q for q in QUARTERS if h <= q < h + HOUR]) for h in HOURS]


def local_day_share(measure: Measure, day: date, zone: ZoneInfo) -> Decimal:
    """The measure's energy falling into the local day (uniform over [start, end), real elapsed time)."""
    day_start = datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(UTC)
    overlap = min(measure.end, day_end) - max(measure.start, day_start)
    if overlap <= timedelta(0):
        return Decimal(0)
    return measure.mwh * Decimal(overlap.total_seconds()) / Decimal((measure.end - measure.start).total_seconds())


def expected_redispatch(region: str) -> tuple[Decimal, Decimal]:
    counted = [m for m in MEASURES if m.in_balance and (region == "DE" or m.area == region)]
    total = sum((local_day_share(m, DAY, BERLIN) for m in counted), Decimal(0))
    unmapped = sum((local_day_share(m, DAY, BERLIN) for m in counted if not m.mapped), Decimal(0))
    return total, unmapped


# --------------------------------------------------------------------------------------------- fixture
@pytest.fixture(scope="module")
def built(warehouse_db: str, pg_server: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Any]:
    import psycopg2

    host, port, user = pg_server
    database = os.environ["GRIDCARBON_TEST_DATABASE"]  # this module's own database (conftest.warehouse_db)
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=database)
    conn.autocommit = True
    work: Path = tmp_path_factory.mktemp("dbt_data_quality")
    try:
        ensure_raw_tables(conn)
        insert_raw_rows(conn)
        # the mart and everything it reads (seeds, snapshot, staging, intermediates, the grid fact), no tests ...
        run_dbt(["build", "--select", "+fct_data_quality", "--exclude-resource-type", "test",
                 "--exclude-resource-type", "unit_test"], work, database)
        # ... then the mart again with its data tests and its unit test
        run_dbt(["build", "--select", "fct_data_quality"], work, database)
        yield conn
    finally:
        conn.close()


def mart(conn: Any, region: str, resolution: str, scope: str = "direct", day: date = DAY) -> dict[str, Any]:
    with conn.cursor() as cur:
        cur.execute("select * from marts.fct_data_quality where region = %s and resolution = %s and scope = %s "
                    "and local_date = %s", (region, resolution, scope, day))
        rows = cur.fetchall()
        assert len(rows) == 1, (region, resolution, scope, day, rows)
        return dict(zip([c.name for c in cur.description], rows[0], strict=True))


# --------------------------------------------------------------------------------------------- tests
def test_one_row_per_region_local_day_resolution_and_scope(built: Any) -> None:
    rows = query(built, "select region, local_date, resolution, scope, time_zone from marts.fct_data_quality "
                        "order by 1, 2, 3, 4")
    german = [(r, DAY, res, s, "Europe/Berlin") for r in ("DE", "TransnetBW") for res in ("PT15M", "PT1H")
              for s in ("direct", "lifecycle")]
    us = [("CISO", US_DAY, "PT1H", s, "America/Los_Angeles") for s in ("direct", "lifecycle")]
    assert rows == sorted(german + us)


@pytest.mark.parametrize("scope", ["direct", "lifecycle"])
@pytest.mark.parametrize("resolution", ["PT15M", "PT1H"])
@pytest.mark.parametrize("region", ["DE", "TransnetBW"])
def test_german_day_counts(built: Any, region: str, resolution: str, scope: str) -> None:
    row = mart(built, region, resolution, scope)
    day = intervals(resolution)
    statuses = [status_of(region, quarters) for _, quarters in day]
    step_hours = Decimal(1) if resolution == "PT1H" else Decimal("0.25")
    unpriced = [start for start, _ in day if start - timedelta(minutes=start.minute) == UNPRICED_HOUR]

    assert row["expected_interval_count"] == {"PT15M": 92, "PT1H": 23}[resolution] == len(day)
    assert row["present_interval_count"] == len(day)
    assert row["missing_interval_count"] == 0
    assert row["ok_interval_count"] == statuses.count("OK")
    assert row["pending_interval_count"] == statuses.count("PENDING")
    assert row["incomplete_generation_interval_count"] == statuses.count("INCOMPLETE_GENERATION")
    for column in ("no_generation_data", "zero_generation", "no_factor", "other_status"):
        assert row[f"{column}_interval_count"] == 0, column
    assert row["ok_interval_share"] == round(Decimal(statuses.count("OK")) / len(day), 6)
    assert row["price_missing_interval_count"] == len(unpriced) == {"PT15M": 4, "PT1H": 1}[resolution]
    assert row["price_missing_hours"] == len(unpriced) * step_hours == 1
    assert row["source_systems"] == ["smard"]


def test_pending_and_incomplete_intervals_of_de(built: Any) -> None:
    """The numbers behind the statuses: 4 pending quarter-hours (one hour), 1 incomplete quarter-hour (its hour
    is incomplete too), the rest OK; a negative value is clamped and flagged in its quarter-hour and hour."""
    quarter_hours, hours = mart(built, "DE", "PT15M"), mart(built, "DE", "PT1H")
    assert (quarter_hours["ok_interval_count"], quarter_hours["pending_interval_count"],
            quarter_hours["incomplete_generation_interval_count"]) == (92 - 4 - 1, 4, 1)
    assert (hours["ok_interval_count"], hours["pending_interval_count"],
            hours["incomplete_generation_interval_count"]) == (23 - 1 - 1, 1, 1)
    assert quarter_hours["negative_value_clamped_interval_count"] == hours["negative_value_clamped_interval_count"] == 1


def test_absent_series(built: Any) -> None:
    for resolution, count in (("PT15M", 92), ("PT1H", 23)):
        transnetbw, de = mart(built, "TransnetBW", resolution), mart(built, "DE", resolution)
        # hours are built from quarter-hours and list what is absent at quarter-hour resolution
        assert transnetbw["absent_series"] == ABSENT[("TransnetBW", "quarterhour")]
        assert transnetbw["series_absent_interval_count"] == count
        assert de["absent_series"] == []
        assert de["series_absent_interval_count"] == 0


def test_redispatch_energy_and_unmapped_part(built: Any) -> None:
    """TransnetBW: 2/3 of the unknown plant's 300 MWh (23:00 CET - 03:00 CEST is three real hours, two of them on
    30 March) + the listed plant's 120 MWh; DE adds TenneT's unknown cluster. Test run and market excluded."""
    for region, (total, unmapped) in {"TransnetBW": (Decimal(320), Decimal(200)),
                                      "DE": (Decimal(400), Decimal(280))}.items():
        assert expected_redispatch(region) == (total, unmapped), region
        for resolution in ("PT15M", "PT1H"):
            row = mart(built, region, resolution)
            assert (row["redispatch_mwh"], row["redispatch_unmapped_mwh"]) == (total, unmapped), region


def test_us_region_local_day_without_price_or_redispatch(built: Any) -> None:
    row = mart(built, "CISO", "PT1H", day=US_DAY)
    assert row["time_zone"] == "America/Los_Angeles"
    assert row["expected_interval_count"] == row["present_interval_count"] == row["ok_interval_count"] == 23
    assert row["ok_interval_share"] == 1
    assert row["source_systems"] == ["eia"]
    for column in ("price_missing_interval_count", "price_missing_hours", "redispatch_mwh",
                   "redispatch_unmapped_mwh"):
        assert row[column] is None, column  # does not apply to a US balancing authority


def test_bi_reader_may_read_the_mart(built: Any) -> None:
    assert query(built, "select has_table_privilege('bi_reader', 'marts.fct_data_quality', 'select')") == [(True,)]
