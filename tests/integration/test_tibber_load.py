"""Tibber into the real warehouse (a Postgres database created for this test session), against the replay
server, and ``tibber_ingest`` end to end through Airflow's own code path (``dag.test``).

A user would otherwise see: reruns that duplicate or change rows, a failed run that wipes the hours it was
replacing, a DAG that imports fine but lands nothing, or an expired token retried for hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.replay import tibber as replay
from gridcarbon.sources import tibber
from gridcarbon.warehouse import LoadMeta, connect, transaction

HOUR = timedelta(hours=1)
HOMES = (replay.DEMO_HOME_FLAT.home_id, replay.DEMO_HOME_EV.home_id)


def _endpoint(server: Any, token: str = "demo-token") -> Endpoint:  # noqa: S107 - replay token
    return Endpoint("tibber", server.base_url + "/tibber/v1-beta/gql", password=token)


def _snapshot(admin_conn: Any, window: Window) -> list[tuple]:
    with admin_conn.cursor() as cur:
        cur.execute("select home_id, resolution, interval_start_utc, interval_end_utc, consumption_kwh, "
                    "consumption_unit, cost, unit_price, unit_price_vat, currency from raw_tibber.consumption "
                    "where interval_start_utc >= %s and interval_start_utc < %s order by 1, 2, 3",
                    (window.start, window.end))
        return cur.fetchall()


def _load(server: Any, window: Window, **settings: Any) -> tibber.TibberFetch:
    """What the ``extract_load_tibber`` task does, without Airflow: ``fetch`` (settings as values), then ``load``
    of every home in one transaction."""
    answer = tibber.fetch(build_session(), _endpoint(server), window,
                          tibber.Settings(resolution="HOURLY", lookback=timedelta(hours=48), **settings))
    conn = connect()
    try:
        with transaction(conn):
            tibber.load(conn, answer.records, answer.window,
                        LoadMeta(dag_id="test", run_id="r1", window=answer.window))
    finally:
        conn.close()
    return answer.records


def test_load_then_rerun_gives_identical_rows(warehouse_db: str, admin_conn: Any, replay_server: Any) -> None:
    """A day (plus 48 h look-back) lands 72 hourly rows per demo home with exact decimals; loading the same
    window again gives exactly the same rows, and the homes table has the two demo homes once each."""
    window = Window(datetime(2025, 3, 30, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC))
    fetched = _load(replay_server, window, page_size=50)
    first = _snapshot(admin_conn, fetched.window)
    assert len(first) == 2 * 72
    assert {r[0] for r in first} == set(HOMES)
    assert {r[1] for r in first} == {"HOURLY"} and {r[9] for r in first} == {"EUR"}
    node = replay.consumption_node(replay.DEMO_HOME_EV, first[72][2], HOUR)
    assert str(first[72][4]) == str(node["consumption"])
    _load(replay_server, window, page_size=500)
    assert _snapshot(admin_conn, fetched.window) == first
    with admin_conn.cursor() as cur:
        cur.execute("select home_id, time_zone, currency, city from raw_tibber.homes order by home_id")
        homes = cur.fetchall()
        cur.execute("select count(*), count(distinct home_id), min(currency), max(_dag_id) from raw_tibber.prices")
        prices = cur.fetchone()
    assert [h[0] for h in homes] == sorted(HOMES)
    assert {(h[1], h[2]) for h in homes} == {("Europe/Berlin", "EUR")}
    assert prices[0] >= 2 * 23 and prices[1:] == (2, "EUR", "test")


def test_overlapping_runs_replace_the_lookback(warehouse_db: str, admin_conn: Any, replay_server: Any) -> None:
    """Two consecutive hourly runs overlap by their 48 h look-back: the overlap is replaced, not duplicated."""
    start = datetime(2025, 5, 10, 12, tzinfo=UTC)
    _load(replay_server, Window(start, start + HOUR))
    _load(replay_server, Window(start + HOUR, start + 2 * HOUR))
    rows = _snapshot(admin_conn, Window(start - 48 * HOUR, start + 2 * HOUR))
    assert len(rows) == 2 * 50
    assert len({(r[0], r[2]) for r in rows}) == 2 * 50


def test_malformed_answer_keeps_stored_rows(warehouse_db: str, admin_conn: Any, replay_server: Any) -> None:
    """A garbage answer fails with MalformedPayloadError naming source, URL and interval, and the rows
    already stored for that window stay as they were."""
    window = Window(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 2, tzinfo=UTC))
    fetched = _load(replay_server, window)
    before = _snapshot(admin_conn, fetched.window)
    assert len(before) == 2 * 72
    requests.post(replay_server.base_url + "/_faults", timeout=5,
                  json={"source": "tibber", "status": 200, "times": 1, "body": "<html>maintenance</html>"})
    with pytest.raises(MalformedPayloadError) as info:
        _load(replay_server, window)
    text = str(info.value)
    assert "source=tibber" in text and "/tibber/v1-beta/gql" in text and "2025-06-01T00:00:00+00:00" in text
    assert _snapshot(admin_conn, fetched.window) == before


def test_failure_inside_the_load_transaction_keeps_stored_rows(warehouse_db: str, admin_conn: Any,
                                                               replay_server: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An error between DELETE and COPY of a home's consumption (injected where the rows are serialised for the
    COPY) rolls the task's one transaction back: the previous rows survive."""
    from gridcarbon import warehouse

    window = Window(datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 2, tzinfo=UTC))
    fetched = _load(replay_server, window)
    before = _snapshot(admin_conn, fetched.window)
    real = warehouse.CopyStream

    def failing(rows: Any, suffix: Any = ()) -> Any:
        if rows and len(rows[0]) == len(tibber.CONSUMPTION.columns):  # after the DELETE of the consumption
            raise RuntimeError("connection lost")
        return real(rows, suffix)

    monkeypatch.setattr(warehouse, "CopyStream", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        _load(replay_server, window)
    assert _snapshot(admin_conn, fetched.window) == before


@pytest.fixture()
def tibber_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default settings; set before ``run_dag`` parses the DAG files."""
    for name in ("TIBBER_START", "TIBBER_RESOLUTION", "TIBBER_LOOKBACK_HOURS", "TIBBER_PAGE_SIZE"):
        monkeypatch.delenv(name, raising=False)


def test_tibber_ingest_dag_run(tibber_defaults: None, run_dag: Any, admin_conn: Any) -> None:
    """A manual run of tibber_ingest for one day (DST day 2025-10-26) lands 25 local hours plus the 48 h
    look-back for both demo homes, marked with the DAG's id."""
    start, end = datetime(2025, 10, 25, 22, tzinfo=UTC), datetime(2025, 10, 26, 23, tzinfo=UTC)
    dag_run = run_dag("tibber_ingest", start, end)
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), dag_run.state
    with admin_conn.cursor() as cur:
        cur.execute("select home_id, count(*), count(distinct interval_start_utc), min(interval_start_utc), "
                    "max(interval_start_utc), min(_dag_id) from raw_tibber.consumption "
                    "where interval_start_utc >= %s and interval_start_utc < %s group by 1 order by 1",
                    (start - 48 * HOUR, end))
        rows = cur.fetchall()
    assert [r[0] for r in rows] == sorted(HOMES)
    for _, count, distinct, first, last, dag_id in rows:
        assert count == distinct == 25 + 48
        assert (first, last, dag_id) == (start - 48 * HOUR, end - HOUR, "tibber_ingest")


def test_tibber_ingest_with_invalid_token_fails_without_retries(tibber_defaults: None, run_dag: Any,
                                                                admin_conn: Any, replay_connections: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """With a rejected token the run fails after ONE request to Tibber (no HTTP retry, no task retry: an
    expired token is not retried for hours) and nothing is written."""
    import json
    import os

    from tests.integration.iso_helpers import replay_control

    monkeypatch.setenv("AIRFLOW_CONN_TIBBER", json.dumps({
        "conn_type": "http", "host": json.loads(os.environ["AIRFLOW_CONN_TIBBER"])["host"],
        "password": "invalid"}))
    start, end = datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 2, 1, 1, tzinfo=UTC)
    replay_control(replay_connections, "_requests", "DELETE")
    dag_run = run_dag("tibber_ingest", start, end)
    assert str(dag_run.state) in ("failed", "DagRunState.FAILED"), dag_run.state
    tibber_requests = [r for r in replay_control(replay_connections, "_requests") if r["source"] == "tibber"]
    assert len(tibber_requests) == 1, tibber_requests
    with admin_conn.cursor() as cur:
        cur.execute("select count(*) from raw_tibber.consumption where interval_start_utc >= %s "
                    "and interval_start_utc < %s", (start - 48 * HOUR, end))
        assert cur.fetchone()[0] == 0
