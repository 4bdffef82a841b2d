"""End-to-end DAG runs of eia_ingest, pjm_ingest, ercot_ingest and miso_ingest: ``dag.test()`` with a manual
window (``run_conf``) in a fresh Airflow home (on the session's Postgres metadata DB), against the replay server
and the test warehouse. Each run happens in a subprocess so the Airflow configuration of the test process is
untouched. What a user would otherwise see: a DAG that imports but fails at run time (context, XCom,
connections), a current-data-only DAG failing forever on old runs instead of skipping, or the EIA key in task
logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gridcarbon.replay import miso as miso_replay

REPO = Path(__file__).resolve().parents[2]
KEY = "replay-demo-credential"

RUNNER = """
import json, os, sys
from airflow.dag_processing.dagbag import DagBag
from gridcarbon.intervals import parse_utc
for job in json.loads(sys.argv[1]):
    saved = {k: os.environ.get(k) for k in job["env"]}
    os.environ.update(job["env"])
    bag = DagBag(dag_folder=job["file"])
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags[job["dag_id"]]
    conf = job["conf"]
    run = dag.test(logical_date=parse_utc(conf["window_end"]), run_conf=conf)
    tasks = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    print("RESULT=" + json.dumps({"name": job["name"], "state": str(run.state), "tasks": tasks}), flush=True)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
"""


def _job(name: str, dag_id: str, start: datetime, end: datetime, **env: str) -> dict:
    """A manual run of ``dag_id``, one of the DAGs dags/source_ingest.py generates from the source registry."""
    return {"name": name, "dag_id": dag_id, "file": str(REPO / "dags" / "source_ingest.py"), "env": env,
            "conf": {"window_start": start.isoformat(), "window_end": end.isoformat()}}


HOUR_END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, warehouse_db: str, replay_server: object, airflow_db: Path) -> dict:
    """All DAG runs of this module, in one subprocess (Airflow imported once) with a fresh AIRFLOW_HOME on the
    session's migrated Postgres metadata database. Returns {name: result} plus the whole log under "_output"."""
    from gridcarbon.demo import replay_connection_env

    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        **os.environ,
        **replay_connection_env(replay_server.base_url),  # type: ignore[attr-defined]
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # runs with a 2025 logical date: Airflow creates no task instances before the DAG's start
        "EIA_START": "2025-01-01", "PJM_START": "2025-01-01", "ERCOT_START": "2025-01-01",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "DEBUG",
        "PYTHONPATH": os.pathsep.join([str(REPO / "include"), str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    if 300 - (time.time() % 300) < 45:  # keep the MISO run inside one 5-minute replay snapshot
        time.sleep(300 - (time.time() % 300) + 1)
    latest = miso_replay.latest_interval()
    jobs = [
        _job("miso", "miso_ingest", latest, latest + timedelta(minutes=5)),
        _job("miso_old", "miso_ingest", latest - timedelta(hours=1), latest - timedelta(minutes=55)),
        _job("eia", "eia_ingest", datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 2, tzinfo=UTC),
             EIA_RESPONDENTS="CISO,PJM", EIA_LOOKBACK_HOURS="0"),
        _job("pjm", "pjm_ingest", datetime(2025, 2, 9, tzinfo=UTC), datetime(2025, 2, 10, tzinfo=UTC),
             PJM_LOOKBACK_HOURS="0"),
        _job("ercot", "ercot_ingest", HOUR_END - timedelta(hours=3), HOUR_END, ERCOT_LOOKBACK_HOURS="0"),
        _job("ercot_old", "ercot_ingest", HOUR_END - timedelta(days=31), HOUR_END - timedelta(days=30)),
    ]
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(jobs)], env=env, capture_output=True,
                          text=True, timeout=900)
    output = proc.stdout + proc.stderr
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT="):
            result = json.loads(line[len("RESULT="):])
            results[result["name"]] = result
    assert proc.returncode == 0 and len(results) == len(jobs), f"dag.test runs failed:\n{output[-4000:]}"
    return {**results, "_output": output, "_miso_interval": latest}


def _count(conn: object, sql: str, *params: object) -> int:
    with conn.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute(sql, params)
        return int(cur.fetchone()[0])


def test_eia_dag_end_to_end(runs: dict, admin_conn: object) -> None:
    """A manual eia_ingest run for 2025-03-01 (CISO and PJM) lands all three routes; the API key (echoed by the
    API in every answer, present in every request URL) appears nowhere in the task logs, even at DEBUG."""
    assert runs["eia"]["state"] == "success"
    assert set(runs["eia"]["tasks"].values()) == {"success"}
    assert _count(admin_conn, "select count(*) from raw_eia.region_data where _dag_id='eia_ingest'") == 24 * 4 * 2
    assert _count(admin_conn, "select count(*) from raw_eia.interchange_data where _dag_id='eia_ingest'") == 24 * 4
    assert _count(admin_conn, "select count(*) from raw_eia.fuel_type_data where _dag_id='eia_ingest' "
                              "and interval_start_utc = '2025-03-01T00:00Z'") > 0
    assert "api_key=***" in runs["_output"]  # URLs were logged ...
    assert KEY not in runs["_output"]  # ... without the key (nor the PJM key, the same replay password)


def test_pjm_dag_end_to_end(runs: dict, admin_conn: object) -> None:
    """A manual pjm_ingest run for 2025-02-09 lands 24 hours x 10 fuels (subscription key sent as a header)."""
    assert runs["pjm"]["tasks"] == {"extract_load": "success"}
    assert _count(admin_conn, "select count(*) from raw_iso.generation_by_fuel where iso='pjm' "
                              "and _dag_id='pjm_ingest'") == 240


def test_ercot_dag_end_to_end_and_skip(runs: dict, admin_conn: object) -> None:
    """A run for recent hours lands ERCOT's 5-minute rows; a run for a month ago ends as skipped with the reason
    (the dashboard covers yesterday and today only) and writes nothing."""
    assert runs["ercot"]["tasks"] == {"extract_load": "success"}
    assert _count(admin_conn, "select count(*) from raw_iso.generation_by_fuel where iso='ercot' "
                              "and interval_start_utc >= %s and interval_start_utc < %s",
                  HOUR_END - timedelta(hours=3), HOUR_END) == 36 * 8
    assert runs["ercot_old"]["state"] == "success"
    assert runs["ercot_old"]["tasks"] == {"extract_load": "skipped"}
    assert "yesterday and today (Central time) only" in runs["_output"]
    assert _count(admin_conn, "select count(*) from raw_iso.generation_by_fuel where iso='ercot' "
                              "and interval_start_utc < %s", HOUR_END - timedelta(days=29)) == 0


def test_miso_dag_end_to_end_and_skip(runs: dict, admin_conn: object) -> None:
    """A run for MISO's current interval lands its categories; a run for an hour ago ends as skipped with the
    reason (MISO shows the latest interval only) and writes nothing."""
    latest = runs["_miso_interval"]
    assert runs["miso"]["tasks"] == {"extract_load": "success"}
    assert _count(admin_conn, "select count(*) from raw_iso.generation_by_fuel where iso='miso' "
                              "and interval_start_utc = %s", latest) == len(miso_replay.CATEGORIES)
    assert runs["miso_old"]["tasks"] == {"extract_load": "skipped"}
    assert "latest 5-minute interval only" in runs["_output"]
    assert _count(admin_conn, "select count(*) from raw_iso.generation_by_fuel where iso='miso' "
                              "and interval_start_utc < %s", latest - timedelta(minutes=50)) == 0
