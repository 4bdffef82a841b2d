"""Redispatch measures and the power plant list into the real warehouse (a Postgres database created for
this test session), against the replay server, and ``redispatch_ingest`` end to end through Airflow's own
code path (``dag.test``).

A user would otherwise see: a year of redispatch that does not fit the table (duplicate keys), reruns that
duplicate measures, a failed run that wipes a day already loaded, or a DAG that lands nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.replay import netztransparenz as replay
from gridcarbon.sources import netztransparenz as nt
from gridcarbon.warehouse import LoadMeta, connect, transaction
from tests.conftest import fixture_path

COLUMNS = ", ".join(nt.REDISPATCH_MEASURES.column_names)


def _endpoint(server: Any) -> Endpoint:
    return Endpoint("netztransparenz", server.base_url + "/netztransparenz/api/v1", login=replay.CLIENT_ID,
                    password=replay.CLIENT_SECRET,
                    extra={"token_url": server.base_url + "/netztransparenz/users/connect/token"})


def _snapshot(admin_conn: Any, window: Window) -> list[tuple]:
    with admin_conn.cursor() as cur:
        cur.execute(f"select {COLUMNS} from raw_netztransparenz.redispatch_measures "
                    "where start_utc >= %s and start_utc < %s order by measure_id", (window.start, window.end))
        return cur.fetchall()


def _load(server: Any, window: Window) -> list[nt.RedispatchMeasure]:
    """What the ``extract_load_redispatch`` task does, without Airflow: ``fetch`` (default settings: the 48 h
    look-back), then ``load`` of the widened window it answered, in one transaction."""
    answer = nt.fetch(build_session(), _endpoint(server), window, nt.Settings())
    conn = connect()
    try:
        with transaction(conn):
            nt.load(conn, answer.records, answer.window, LoadMeta(dag_id="test", run_id="r1", window=answer.window))
    finally:
        conn.close()
    return answer.records


def test_the_whole_2024_file_loads(warehouse_db: str, admin_conn: Any) -> None:
    """All 17,312 published measures of 2024 fit the table (no key collision), the Heilbronn example row
    reads back with its exact values, and the total energy equals the file's."""
    measures = nt.parse_redispatch_csv(fixture_path("netztransparenz/redispatch_2024.csv").read_bytes())
    year = Window(datetime(2023, 12, 31, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    conn = connect()
    try:
        with transaction(conn):
            (result,) = nt.load(conn, measures, year, LoadMeta(window=year))
    finally:
        conn.close()
    assert result.inserted == 17_312
    with admin_conn.cursor() as cur:
        cur.execute("select count(*), sum(total_mwh) from raw_netztransparenz.redispatch_measures "
                    "where start_utc >= %s and start_utc < %s", (year.start, year.end))
        count, total = cur.fetchone()
        cur.execute("select end_utc, direction, mean_mw, max_mw, total_mwh, instructing_tso "
                    "from raw_netztransparenz.redispatch_measures where affected_plant = %s and start_utc = %s",
                    ("Reservekraftwerk Heilbronn Block 6", datetime(2024, 1, 2, 8, tzinfo=UTC)))
        heilbronn = cur.fetchall()
    assert count == 17_312
    assert total == sum(m.total_mwh for m in measures)
    assert heilbronn == [(datetime(2024, 1, 2, 13, 30, tzinfo=UTC), "up", Decimal("35.79"), Decimal("85"),
                          Decimal("170"), "TransnetBW")]


def test_load_then_rerun_gives_identical_rows(warehouse_db: str, admin_conn: Any, replay_server: Any) -> None:
    """A synthetic day of 2025 loads; loading it again gives exactly the same rows."""
    window = Window(datetime(2025, 3, 30, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC))
    measures = _load(replay_server, window)
    first = _snapshot(admin_conn, window)
    assert len(first) == len([m for m in measures if window.start <= m.start_utc < window.end]) >= 2
    _load(replay_server, window)
    assert _snapshot(admin_conn, window) == first


def test_a_run_loads_measures_that_started_before_its_window(warehouse_db: str, admin_conn: Any,
                                                           replay_server: Any) -> None:
    """Issue 14: a run for 2024-01-03 alone (the run for 2024-01-02 never happened) loads every recorded
    measure that overlaps its day, also those that started on 2024-01-02, with their published energy; a
    second run of the same day stores nothing twice."""
    window = Window(datetime(2024, 1, 3, tzinfo=UTC), datetime(2024, 1, 4, tzinfo=UTC))
    recorded = nt.parse_redispatch_csv(fixture_path("netztransparenz/redispatch_2024.csv").read_bytes())
    overlapping = {m.measure_id: m.total_mwh for m in recorded
                   if m.start_utc < window.end and m.end_utc > window.start}
    started_before = {m.measure_id for m in recorded
                      if m.start_utc < window.start < m.end_utc}
    assert started_before, "the recorded file has measures running across midnight 2024-01-02/03"
    with admin_conn.cursor() as cur:  # a day nobody loaded yet (other tests may have loaded the year)
        cur.execute("delete from raw_netztransparenz.redispatch_measures where start_utc >= %s and start_utc < %s",
                    (window.start - timedelta(days=3), window.end + timedelta(days=1)))
    admin_conn.commit()
    for _ in range(2):
        _load(replay_server, window)
        with admin_conn.cursor() as cur:
            cur.execute("select measure_id, total_mwh from raw_netztransparenz.redispatch_measures "
                        "where start_utc < %s and end_utc > %s", (window.end, window.start))
            landed = dict(cur.fetchall())
        missing = sorted(set(overlapping) - set(landed))
        assert not missing, f"{len(missing)} overlapping measures not loaded, e.g. {missing[:3]}"
        assert landed == overlapping
        assert started_before <= set(landed)


def test_malformed_answer_keeps_stored_rows(warehouse_db: str, admin_conn: Any, replay_server: Any) -> None:
    """A broken CSV fails with MalformedPayloadError naming source, URL and interval; the day already
    loaded stays as it was."""
    window = Window(datetime(2025, 4, 2, tzinfo=UTC), datetime(2025, 4, 3, tzinfo=UTC))
    _load(replay_server, window)
    before = _snapshot(admin_conn, window)
    assert before
    header = replay.HEADER
    broken = f"{header}\r\n02.04.2025;25:00;CEST;02.04.2025;26:00;CEST;x;y;1;1;1;A;B;C;D\r\n"
    requests.post(replay_server.base_url + "/_faults", timeout=5,
                  json={"source": "netztransparenz", "path_contains": "data/redispatch", "status": 200,
                        "times": 1, "body": broken})
    with pytest.raises(MalformedPayloadError) as info:
        _load(replay_server, window)
    text = str(info.value)
    # the request covers the 48 h look-back (measures that started earlier and overlap the day)
    assert "source=netztransparenz" in text and "/data/redispatch/2025-03-31T00:00:00/2025-04-03T00:00:00" in text
    assert "interval=[2025-03-31T00:00:00+00:00" in text
    assert _snapshot(admin_conn, window) == before


def test_power_plants_replace_the_whole_table(warehouse_db: str, admin_conn: Any) -> None:
    """The OPSD list lands 909 rows; loading again replaces them (still 909, same values)."""
    plants = nt.read_power_plants(str(fixture_path("netztransparenz/conventional_power_plants_DE.csv")))
    for _ in range(2):
        conn = connect()
        try:
            with transaction(conn):
                nt.load_power_plants(conn, plants)
        finally:
            conn.close()
    with admin_conn.cursor() as cur:
        cur.execute("select count(*), count(distinct plant_key) from raw_reference.power_plants")
        assert cur.fetchone() == (909, 909)
        cur.execute("select energy_source, capacity_net_mw from raw_reference.power_plants where plant_key = 'BNA0433'")
        assert cur.fetchone() == ("Hard coal", Decimal("125.0"))


@pytest.fixture()
def redispatch_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backfill from the first data day (set before ``run_dag`` parses the DAG files): Airflow creates no
    task instances for a run whose logical date lies before the DAG's start date."""
    monkeypatch.setenv("REDISPATCH_START", "2021-01-01")
    monkeypatch.delenv("GRIDCARBON_POWER_PLANTS_CSV", raising=False)


def test_redispatch_ingest_dag_run(redispatch_history: None, run_dag: Any, admin_conn: Any) -> None:
    """A manual run for 2024-10-26/27 (the autumn DST night) lands exactly the recorded measures starting in
    the window and the power plant list, marked with the DAG's id."""
    start, end = datetime(2024, 10, 26, tzinfo=UTC), datetime(2024, 10, 28, tzinfo=UTC)
    dag_run = run_dag("redispatch_ingest", start, end)
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), dag_run.state
    recorded = [m for m in nt.parse_redispatch_csv(fixture_path("netztransparenz/redispatch_2024.csv").read_bytes())
                if start <= m.start_utc < end]
    with admin_conn.cursor() as cur:
        cur.execute("select measure_id, total_mwh, _dag_id from raw_netztransparenz.redispatch_measures "
                    "where start_utc >= %s and start_utc < %s", (start, end))
        landed = cur.fetchall()
        cur.execute("select count(*), min(_dag_id) from raw_reference.power_plants")
        plants = cur.fetchone()
    assert sorted((m, t) for m, t, _ in landed) == sorted((m.measure_id, m.total_mwh) for m in recorded)
    assert len(landed) == 19 and {d for *_, d in landed} == {"redispatch_ingest"}
    assert plants == (909, "redispatch_ingest")
    assert any(m.zone_from == "CEST" and m.zone_to == "CET" for m in recorded)


def test_the_access_token_is_masked_once_fetched(warehouse_db: str, replay_server: Any,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """The OAuth2 access token is a credential for its lifetime: after a fetch, a log line or error message that
    happens to contain it (an echoed header, a URL with the token) shows *** instead."""
    import logging

    from gridcarbon.http import redact

    assert replay.ACCESS_TOKEN in redact(f"upstream said: bad token {replay.ACCESS_TOKEN}")  # unknown before
    nt.fetch(build_session(), _endpoint(replay_server),
             Window(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC)), nt.Settings())
    assert replay.ACCESS_TOKEN not in redact(f"upstream said: bad token {replay.ACCESS_TOKEN}")
    with caplog.at_level(logging.INFO):
        logging.getLogger("gridcarbon.sources.netztransparenz").warning("echo %s", replay.ACCESS_TOKEN)
    assert replay.ACCESS_TOKEN not in caplog.text and "***" in caplog.text
