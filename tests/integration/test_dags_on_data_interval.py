"""Every extraction DAG works on its *data interval*, the way the scheduler, catch-up and backfill runs call it:
``dag.test(logical_date=...)`` with no conf (what ``airflow dags test DAG DATE`` does), so the window comes from
the timetable's interval, not from a manual run's ``window_start``/``window_end``.

A user would otherwise see what the first round shipped: the demo (conf windows) worked while every scheduled,
catch-up and backfill run failed (``window bounds must be timezone-aware``; ``can't compare offset-naive and
offset-aware datetimes``): Airflow hands tasks pendulum datetimes, conf windows were parsed from strings.

Sources with history run on an interval in March 2025 (their ``<SOURCE>_START`` set before it, as a deployment
that wants that history does: Airflow creates no task instances for a non-backfill run whose logical date is
before the DAG's start, and the default start is only GRIDCARBON_CATCHUP_DAYS back); sources that serve only
current data run on their latest complete interval. Each run must succeed (not skip) and land rows stamped
with its run id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HISTORY_DATE = "2025-03-05T12:00:00+00:00"  # inside the replay server's history; a daily DAG gets 03-04 -> 03-05
# DAG id -> logical date (None: the latest complete interval now) and settings that only shorten the run
DAGS: dict[str, tuple[str | None, dict[str, str]]] = {
    "smard_ingest": (HISTORY_DATE, {"SMARD_REGIONS": "DE"}),
    "tibber_ingest": (HISTORY_DATE, {}),
    "redispatch_ingest": (HISTORY_DATE, {}),
    "eia_ingest": (HISTORY_DATE, {"EIA_RESPONDENTS": "CISO"}),
    "caiso_ingest": (HISTORY_DATE, {}),
    "nyiso_ingest": (HISTORY_DATE, {}),
    "isone_ingest": (HISTORY_DATE, {}),
    "pjm_ingest": ("2025-02-09T12:00:00+00:00", {}),
    "miso_ingest": (None, {}),
    "spp_ingest": (None, {}),
    "bpa_ingest": (None, {}),
    "ercot_ingest": (None, {}),
}

RUNNER = """
import json, os, sys
from airflow.dag_processing.dagbag import DagBag
from gridcarbon.intervals import parse_utc
from gridcarbon.warehouse import connect

bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
assert not bag.import_errors, bag.import_errors
conn = connect()
for job in json.loads(sys.argv[1]):
    saved = {k: os.environ.get(k) for k in job["env"]}
    os.environ.update(job["env"])
    dag = bag.dags[job["dag_id"]]
    for task in dag.tasks:
        task.retries = 0  # dag.test would sleep through the production backoff
    logical = parse_utc(job["logical_date"]) if job["logical_date"] else None
    run = dag.test(logical_date=logical) if logical else dag.test()
    tables = sorted({o.name for t in dag.tasks for o in (t.outlets or []) if getattr(o, "name", "").startswith("raw_")})
    rows = {}
    for table in tables:
        with conn.cursor() as cur:
            cur.execute(f"select count(*) from {table} where _run_id = %s", (run.run_id,))
            rows[table] = cur.fetchone()[0]
        conn.rollback()
    tasks = {ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
             for ti in run.get_task_instances()}
    print("RESULT=" + json.dumps({"dag_id": job["dag_id"], "state": str(run.state), "tasks": tasks, "rows": rows,
                                  "interval": [str(run.data_interval_start), str(run.data_interval_end)],
                                  "conf": run.conf or {}}), flush=True)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, warehouse_db: str, replay_server: object,
            airflow_db: Path) -> dict[str, dict]:
    """One subprocess (Airflow imported once) runs every extraction DAG on its data interval."""
    from gridcarbon.demo import replay_connection_env

    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        **os.environ,
        **replay_connection_env(replay_server.base_url),  # type: ignore[attr-defined]
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        **{f"{dag_id.removesuffix('_ingest').upper()}_START": "2025-01-01"
           for dag_id, (logical, _) in DAGS.items() if logical is not None},
        "PYTHONPATH": os.pathsep.join([str(REPO / "include"), str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    if 300 - (time.time() % 300) < 60:  # keep the MISO run inside one 5-minute replay snapshot
        time.sleep(300 - (time.time() % 300) + 1)
    jobs = [{"dag_id": dag_id, "logical_date": logical, "env": settings}
            for dag_id, (logical, settings) in DAGS.items()]
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(jobs)], env=env, capture_output=True,
                          text=True, timeout=1200)
    found = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT="):
            result = json.loads(line[len("RESULT="):])
            found[result["dag_id"]] = result
    assert proc.returncode == 0 and len(found) == len(jobs), (
        f"dag.test runs did not all finish:\n{(proc.stdout + proc.stderr)[-6000:]}")
    return found


def test_the_dag_list_is_complete() -> None:
    """A new extraction DAG has to be added here, so it cannot ship untested on its data interval; a DAG that is
    missing from dags/ (the registry-generated DAGs of source_ingest.py, or any other DAG tagged "extract") fails
    here too."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    extraction = {dag_id for dag_id, dag in bag.dags.items() if "extract" in dag.tags}
    assert extraction == set(DAGS)


@pytest.mark.parametrize("dag_id", sorted(DAGS))
def test_dag_succeeds_on_its_data_interval(dag_id: str, results: dict[str, dict]) -> None:
    result = results[dag_id]
    assert result["conf"] == {}, "the run must not widen its window through conf"
    start, end = (datetime.fromisoformat(v) for v in result["interval"])
    assert start < end, f"zero-width data interval {result['interval']}: a plain cron string instead of an interval"
    logical = DAGS[dag_id][0]
    if logical is not None:
        assert end <= datetime.fromisoformat(logical) < end + timedelta(days=1)
    else:
        assert end <= datetime.now(UTC)
    assert result["state"] == "success", f"{dag_id} on {result['interval']}: {result['tasks']}"
    assert result["tasks"], f"{dag_id}: the run created no task instances (logical date before the DAG's start?)"
    assert set(result["tasks"].values()) == {"success"}, f"{dag_id}: tasks not all successful {result['tasks']}"
    assert sum(result["rows"].values()) > 0, f"{dag_id} landed no rows for its interval: {result['rows']}"
