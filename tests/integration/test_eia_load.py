"""EIA into the real warehouse through the replay server: rows land per route, an identical rerun changes
nothing, one route's load is one transaction, and the API key never reaches the database.
What a user would otherwise see: duplicated or vanished hours after a rerun, half-replaced BAs after an error,
or their API key readable by every analyst with access to raw_eia."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from gridcarbon.connections import resolve_endpoint
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.sources import eia, runner
from gridcarbon.sources.registry import source
from gridcarbon.warehouse import LoadError, LoadMeta, connect, transaction

KEY = "replay-demo-credential"  # the password replay_connections gives every source connection
WINDOW = Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 2, tzinfo=UTC))
BAS = ["CISO", "PJM"]
EIA = source("eia")


def _checksum(conn: object, table: str) -> tuple[int, str]:
    cols = ", ".join(t for t in eia.ROUTES_BY_TABLE[table].column_names)
    with conn.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute(f"select count(*), md5(coalesce(string_agg(r::text, '|' order by r::text), '')) "
                    f"from (select {cols} from {table}) r")
        count, digest = cur.fetchone()
    return int(count), digest


NO_LOOKBACK = eia.Settings(lookback=timedelta(0))


def _run_route(task_id: str, window: Window, respondents: list[str], **kwargs: object) -> object:
    """One route's task without Airflow: the plan's respondents as its input, fetch, load in one transaction."""
    return runner.extract_load(EIA, window, task_id=task_id, inputs=(respondents,), settings=NO_LOOKBACK, **kwargs)


def _run_all(run_id: str) -> None:
    for feed in EIA.feeds:
        _run_route(feed.task_id, WINDOW, BAS, dag_id="test", run_id=run_id)


def test_load_rerun_identical_and_no_key(warehouse_db: str, admin_conn: object, replay_connections: object) -> None:
    """A day for CISO and PJM: 24 h x fuels, 24 h x 4 region types, 24 h x neighbours; the value in the table
    is the replay's value for the hour ENDING one hour later; a rerun gives byte-identical rows; the key is in
    no row (the API echoed it in every answer)."""
    _run_all("first")
    before = {t: _checksum(admin_conn, t) for t in eia.ROUTES_BY_TABLE}
    assert before["raw_eia.region_data"][0] == 24 * 4 * 2
    assert before["raw_eia.interchange_data"][0] == 24 * 4  # CISO->BPAT, CISO->PACW, PJM->MISO, PJM->NYIS
    url = replay_connections.source_url("eia", "/v2/electricity/rto/region-data/data/")  # type: ignore[attr-defined]
    answer = requests.get(url, params={"facets[respondent][]": "PJM", "facets[type][]": "D", "start": "2025-03-01T06",
                                       "end": "2025-03-01T06", "api_key": "x"}, timeout=10).json()
    expected = answer["response"]["data"][0]["value"]
    with admin_conn.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("select value_mwh from raw_eia.region_data where respondent='PJM' and type='D' "
                    "and interval_start_utc='2025-03-01T05:00Z'")
        assert cur.fetchone()[0] == (Decimal(expected) if expected is not None else None)
    _run_all("second")
    assert {t: _checksum(admin_conn, t) for t in eia.ROUTES_BY_TABLE} == before
    with admin_conn.cursor() as cur:  # type: ignore[attr-defined]
        for table in eia.ROUTES_BY_TABLE:
            cur.execute(f"select count(*) from {table} t where t::text like %s", (f"%{KEY}%",))
            assert cur.fetchone()[0] == 0
            cur.execute(f"select count(*) from {table} where _run_id = 'second'")
            assert cur.fetchone()[0] > 0


def test_one_transaction_per_route(warehouse_db: str, admin_conn: object, replay_connections: object) -> None:
    """If the second BA's rows cannot be loaded (a duplicate key), the first BA's already replaced rows (a
    complete, revised answer for CISO) are rolled back too: the table is exactly as before."""
    _run_all("base")
    before = _checksum(admin_conn, "raw_eia.fuel_type_data")
    hours = eia.hours_of(WINDOW)
    start = hours.start
    route = eia.ROUTES["fuel-type-data"]
    with build_session() as session:
        fetched = eia.fetch_route(session, resolve_endpoint("eia", eia.DEFAULT_BASE_URL), route, hours, BAS)
    revised = [dataclasses.replace(r, value_mwh=(r.value_mwh or 0) + 1) for r in fetched if r.respondent == "CISO"]
    assert revised
    dup = eia.FuelTypeRecord("PJM", "NG", start, Decimal("2"), "x", "Natural Gas", "megawatthours")
    conn = connect()
    try:
        with pytest.raises(LoadError, match="duplicate"), transaction(conn):
            eia.load(conn, eia.RouteRecords(route, tuple(BAS), [*revised, dup, dup]), hours, LoadMeta(window=hours))
    finally:
        conn.close()
    assert _checksum(admin_conn, "raw_eia.fuel_type_data") == before


def test_failed_page_writes_nothing(warehouse_db: str, admin_conn: object, replay_connections: object) -> None:
    """A 3-day window needs two pages; when the second page fails (HTTP 400) the task fails and the stored rows
    stay as they were."""
    base = replay_connections.base_url  # type: ignore[attr-defined]
    window = Window(datetime(2025, 3, 5, tzinfo=UTC), datetime(2025, 3, 8, tzinfo=UTC))
    every = eia.fetch_respondents(build_session(), resolve_endpoint("eia", eia.DEFAULT_BASE_URL))
    before = _checksum(admin_conn, "raw_eia.fuel_type_data")
    requests.post(base + "/_faults", json={"source": "eia", "path_contains": "offset=5000", "status": 400,
                                           "times": 1, "body": "{\"error\": \"boom\"}"}, timeout=10)
    try:
        with pytest.raises(Exception, match="HTTP 400"):
            _run_route("load_fuel_type_data", window, every)
    finally:
        requests.delete(base + "/_faults", timeout=10)
    assert _checksum(admin_conn, "raw_eia.fuel_type_data") == before
    _run_route("load_fuel_type_data", window, every)
    with admin_conn.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("select count(*) from raw_eia.fuel_type_data where interval_start_utc >= '2025-03-05' "
                    "and interval_start_utc < '2025-03-08'")
        assert cur.fetchone()[0] == 5184
