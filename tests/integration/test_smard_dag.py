"""``smard_ingest`` end to end through Airflow's own code path (``dag.test``): list the configured series,
one mapped task per series against the replay server, rows in the test warehouse.

What a user would see if this failed: the DAG importing fine but its runs not landing data, a missing
series failing the run, or a manual-run window being ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gridcarbon.sources import smard

START = datetime(2025, 9, 10, 6, tzinfo=UTC)
END = START + timedelta(hours=6)


@pytest.fixture()
def smard_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMARD_SERIES", "SMARD_REGIONS", "SMARD_RESOLUTION", "SMARD_LOOKBACK_HOURS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMARD_REPLAY_NOW", "2025-11-20T12:00:00+00:00")


def test_smard_ingest_lands_every_configured_series(smard_defaults: None, run_dag: Any, admin_conn: Any) -> None:
    """A manual run for 6 hours (September 2025, before the 15-minute day-ahead market) loads all 77
    configured series: rows (6 h + 48 h look-back, 216 quarter hours) for every present series, 'absent'
    status for the three SMARD answers with 404, all present values non-NULL, and the load metadata naming
    the DAG run. The day-ahead price has a value for every one of the 54 hours (hourly series); the
    quarter-hour price, which SMARD does not have before 2025-10-01, is neither requested nor recorded absent."""
    dag_run = run_dag("smard_ingest", START, END)
    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), dag_run.state
    expected = smard.Settings().series_specs()  # the defaults (smard_defaults unset every variable)
    assert len(expected) == 77
    with admin_conn.cursor() as cur:
        cur.execute("select filter_id, region, resolution, count(*), count(value), min(interval_start_utc), "
                    "max(interval_start_utc), min(_dag_id), count(distinct _run_id) from raw_smard.chart_values "
                    "where interval_start_utc >= %s and interval_start_utc < %s "
                    "group by 1, 2, 3", (START - timedelta(hours=48), END))
        rows = {(f, r, res): rest for f, r, res, *rest in cur.fetchall()}
        cur.execute("select filter_id, region, resolution, status from raw_smard.series_status")
        status = {(f, r, res): s for f, r, res, s in cur.fetchall()}
    absent = {(1225, "Amprion"), (1225, "TransnetBW"), (1224, "50Hertz")}
    for spec in expected:
        key = (spec.filter_id, spec.region, spec.resolution)
        if (spec.filter_id, spec.region) in absent:
            assert status.get(key) == "absent", key
            assert key not in rows, key
            continue
        if key == (4169, "DE-LU", "quarterhour"):
            assert key not in rows and key not in status, (rows.get(key), status.get(key))
            continue
        assert status.get(key) == "present", key
        count, non_null, first, last, dag_id, runs = rows[key]
        step = timedelta(hours=1) if spec.resolution == "hour" else timedelta(minutes=15)
        expected_count = 54 if spec.resolution == "hour" else 216
        assert (count, non_null) == (expected_count, expected_count), key
        assert first == START - timedelta(hours=48) and last == END - step, key
        assert dag_id == "smard_ingest" and runs == 1, key
    with admin_conn.cursor() as cur:  # a price for every hour of the window
        cur.execute("select count(distinct date_bin('1 hour', interval_start_utc, timestamptz '2000-01-01Z')) "
                    "from raw_smard.chart_values where filter_id = 4169 and region = 'DE-LU' "
                    "and value is not null and interval_start_utc >= %s and interval_start_utc < %s",
                    (START - timedelta(hours=48), END))
        assert cur.fetchone()[0] == 54
    # values as the replay server generated them: the price in EUR/MWh, load in MWh per quarter hour
    with admin_conn.cursor() as cur:
        cur.execute("select min(value), max(value) from raw_smard.chart_values where filter_id = 410 "
                    "and region = 'DE' and interval_start_utc >= %s and interval_start_utc < %s", (START, END))
        low, high = cur.fetchone()
    assert 9000 < low < high < 19000



def test_rejected_credential_fails_the_task_without_airflow_retries(smard_defaults: None, run_dag: Any,
                                                                    replay_server: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A 401 (a SMARD mirror behind auth) fails the mapped task at once instead of after three Airflow
    retries with growing delays, and the run is marked failed. (Were the task retried, ``dag.test`` would
    sit through the 2 + 4 + 8 minute retry delays and then fail this test on ``try_number``.)"""
    import requests

    monkeypatch.setenv("SMARD_SERIES", "4067@DE")
    faults = f"{replay_server.base_url}/_faults"
    requests.post(faults, json={"source": "smard", "path_contains": "/4067/DE/index", "status": 401, "times": 10},
                  timeout=10).raise_for_status()
    try:
        dag_run = run_dag("smard_ingest", START, END)
    finally:
        requests.delete(faults, timeout=10)
    assert "failed" in str(dag_run.state).lower(), dag_run.state
    (ti,) = [ti for ti in dag_run.get_task_instances() if ti.task_id == "load_series"]
    assert "failed" in str(ti.state).lower() and ti.try_number == 1, (ti.state, ti.try_number)
