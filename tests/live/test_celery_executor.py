"""CeleryExecutor, the scale-out path, run for real: the stack of ``live_airflow`` (api-server, scheduler,
dag-processor, triggerer; throwaway metadata database and warehouse; every source on the replay server) with
``AIRFLOW__CORE__EXECUTOR=CeleryExecutor``, the broker in a Redis database of its own on 127.0.0.1:6379, Celery's
results in the test's Postgres metadata database, and two ``airflow celery worker`` processes started by the
launcher (``gridcarbon.airflow_local``): one on the queue ``default`` (extraction), one on ``dbt`` (the
transformation, ``GRIDCARBON_DBT_QUEUE``).

One module-scoped scenario: ``smard_ingest`` (German series) and ``tibber_ingest`` each run once over the same
three-hour window conf, then ``transform_warehouse`` once (triggered by hand after both: a paused consumer does
not queue asset events, so exactly one transformation runs; the asset-triggered path is test_scheduler.py's).
The tests wait (bounded) for each run to succeed and check that every task instance that ran was sent on its
queue and executed by the worker of that queue (its workload in that worker's log, none in the other's), that
Celery stored the results in Postgres and that the marts hold the window.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from gridcarbon.airflow_local import CeleryWorker
from tests.live.conftest import FRESHNESS_EXCLUDE, LiveAirflow, _free_port, _hour, _missing, start_live_airflow
from tests.live.test_scheduler import describe_run, fail_with

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
INGEST_DAGS = ("smard_ingest", "tibber_ingest")
# slots: 4 for extraction (network-bound; the smard pool has 4), 4 for dbt (after the build, ~90 short node tasks)
WORKERS = (CeleryWorker(("default",), concurrency=4), CeleryWorker(("dbt",), concurrency=4))
INGEST_TIMEOUT = 4 * 60
TRANSFORM_TIMEOUT = 6 * 60
# "[<celery task id>] Executing workload in Celery: ... ti=TaskInstanceDTO(id=..., task_id='x', dag_id='y',
# run_id='z', try_number=1, ..., map_index=-1, ..., queue='default', ...)": what a worker logs before it runs a task
WORKLOAD_LINE = "Executing workload in Celery:"
TI_FIELD = re.compile(r"\b(task_id|dag_id|run_id|queue)='([^']*)'|\b(try_number|map_index)=(-?\d+)")


def test_launcher_runs_a_celery_worker_per_queue_under_the_celery_executor(tmp_path: Path) -> None:
    """What `AIRFLOW__CORE__EXECUTOR=CeleryExecutor make airflow` starts besides the four components (no process
    is started here)."""
    from gridcarbon.airflow_local import AirflowStack, parse_celery_workers

    stack = AirflowStack(env={"PATH": "/usr/bin", "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"}, home=tmp_path)
    assert stack.component_names == ("api-server", "scheduler", "dag-processor", "triggerer",
                                     "worker-default", "worker-dbt")
    assert stack.env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/0"
    commands = {w.name: stack._command(w.name) for w in stack.celery_workers}
    assert commands["worker-default"][1:7] == ["celery", "worker", "--queues", "default", "--concurrency", "4"]
    assert commands["worker-dbt"][1:7] == ["celery", "worker", "--queues", "dbt", "--concurrency", "2"]
    ports = [w.log_server_port for w in stack.celery_workers]
    assert ports[0] == 8793 and len(set(ports)) == 2 and 8794 not in ports, ports  # 8794: the triggerer's
    assert stack._env_of("worker-dbt")["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] == str(ports[1])
    custom = AirflowStack(env={"PATH": "/usr/bin", "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                               "GRIDCARBON_CELERY_WORKERS": "default+eia:3"}, home=tmp_path)
    assert [(w.queues, w.concurrency) for w in custom.celery_workers] == [(("default", "eia"), 3)]
    assert AirflowStack(env={"PATH": "/usr/bin"}, home=tmp_path).celery_workers == ()  # LocalExecutor
    with pytest.raises(ValueError, match="queue"):
        parse_celery_workers("default:four")


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _say(request: pytest.FixtureRequest, line: str) -> None:
    """Straight to the terminal, also when the tests pass (the measured figures belong in every log)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(f"[celery] {line}", file=sys.stderr, flush=True)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"[celery] {line}")


def _redis_db() -> tuple[Any, int]:
    """A Redis database of this test's own: an empty one of 1..15, starting from one derived from the pid."""
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - redis comes with apache-airflow-providers-celery
        _missing(f"the Celery test needs the redis client (apache-airflow-providers-celery): {exc}")
        raise
    start = os.getpid() % 15
    for k in range(15):
        db = 1 + (start + k) % 15
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=5)
        try:
            if client.dbsize() == 0:
                return client, db
        except redis.RedisError as exc:
            _missing(f"the Celery test needs Redis on {REDIS_HOST}:{REDIS_PORT}: {exc}")
        client.close()
    _missing(f"no empty Redis database among 1..15 on {REDIS_HOST}:{REDIS_PORT}")
    raise AssertionError("unreachable")


@dataclass
class CeleryStack:
    live: LiveAirflow
    redis: Any  # a client on the broker's database
    redis_db: int

    def worker_log(self, queue: str) -> Path:
        return self.live.log_dir / f"worker-{queue}.log"

    def workloads(self, queue: str) -> list[dict[str, str]]:
        """The task instances the worker of ``queue`` received, from its log."""
        path = self.worker_log(queue)
        text = path.read_text(errors="replace") if path.exists() else ""
        workloads = []
        for line in text.splitlines():
            if WORKLOAD_LINE not in line or "ti=TaskInstanceDTO(" not in line:
                continue
            ti = line.split("ti=TaskInstanceDTO(", 1)[1]
            fields: dict[str, str] = {}
            for m in TI_FIELD.finditer(ti):
                key, value = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                fields.setdefault(key, value)
            workloads.append(fields)
        return workloads


@pytest.fixture(scope="module")
def celery_stack(request: pytest.FixtureRequest, replay_server: Any) -> Iterator[CeleryStack]:
    client, db = _redis_db()
    now = datetime.now(UTC)
    env = {
        "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}",
        # (AIRFLOW__CELERY__RESULT_BACKEND: db+postgresql://... on the metadata database, set by
        # start_live_airflow for the CeleryExecutor)
        # log servers on free ports: a LocalExecutor stack elsewhere on this machine holds 8793/8794
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        # only SMARD and Tibber are loaded: the other sources' freshness checks would fail the run
        "GRIDCARBON_DBT_FRESHNESS_EXCLUDE": f"{FRESHNESS_EXCLUDE},raw_iso",
        "SMARD_LOOKBACK_HOURS": "0",
    }
    # starts at the current hour: no scheduled run falls due while the test runs, only the runs it triggers
    starts = {dag_id: _hour(now) for dag_id in INGEST_DAGS}
    try:
        with start_live_airflow(request, replay_server, name="celery", executor="CeleryExecutor", env=env,
                                celery_workers=WORKERS, starts=starts) as live:
            yield CeleryStack(live, client, db)
    finally:
        client.flushdb()  # this test's database only
        client.close()


@dataclass
class Scenario:
    window: dict[str, str]
    ingest_runs: dict[str, str]
    began: float
    timings: dict[str, float] = field(default_factory=dict)


def wait_for_run(live: LiveAirflow, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
    """Wait until the run is successful; fail at once when it fails, or at the deadline with its task states."""
    deadline = time.monotonic() + timeout
    while True:
        run = live.api_json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
        if run["state"] == "success":
            return dict(run)
        if run["state"] == "failed":
            fail_with(live, f"{dag_id} run {run_id} failed", describe_run(live, dag_id, run_id))
        if time.monotonic() > deadline:
            fail_with(live, f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f} s",
                      describe_run(live, dag_id, run_id))
        time.sleep(3)


def task_instances(live: LiveAirflow, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    return list(live.api_json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                              params={"limit": 1000})["task_instances"])


@pytest.fixture(scope="module")
def scenario(celery_stack: CeleryStack) -> Scenario:
    live = celery_stack.live
    end = _hour(datetime.now(UTC)) - timedelta(hours=3)
    window = {"window_start": _iso(end - timedelta(hours=3)), "window_end": _iso(end)}
    for dag_id in INGEST_DAGS:
        assert live.api_json("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})["is_paused"] is False
    began = time.monotonic()
    runs = {dag_id: live.api_json("POST", f"/api/v2/dags/{dag_id}/dagRuns",
                                  json={"logical_date": None, "conf": window})["dag_run_id"]
            for dag_id in INGEST_DAGS}
    return Scenario(window, runs, began)


def _check_on_workers(stack: CeleryStack, dag_id: str, run_id: str, queue: str) -> list[dict[str, Any]]:
    """Every task instance of the run that ran was queued on ``queue`` and received by the worker of that queue
    (its workload in that worker's log, with the same try number), and none by another worker."""
    live = stack.live
    tis = task_instances(live, dag_id, run_id)
    # an EmptyOperator (Cosmos' dbt_producer_watcher_done) is marked successful by the scheduler, never sent
    ran = [ti for ti in tis if ti["try_number"] and ti["state"] not in (None, "skipped", "removed")
           and ti["operator"] != "EmptyOperator"]
    assert ran, f"{dag_id} {run_id}: no task instance ran: {[(t['task_id'], t['state']) for t in tis]}"
    wrong_queue = [(ti["task_id"], ti["queue"]) for ti in ran if ti["queue"] != queue]
    assert not wrong_queue, f"{dag_id}: task instances not on queue {queue!r}: {wrong_queue}"
    assert all(ti["hostname"] for ti in ran), [(ti["task_id"], ti["hostname"]) for ti in ran]

    mine = [w for w in stack.workloads(queue) if w["dag_id"] == dag_id and w["run_id"] == run_id]
    assert {w["queue"] for w in mine} <= {queue}, f"{dag_id}: workloads from other queues on {queue!r}: {mine[:3]}"
    received = {(w["task_id"], int(w["map_index"]), int(w["try_number"])) for w in mine}
    missing = [(ti["task_id"], ti["map_index"], ti["try_number"]) for ti in ran
               if (ti["task_id"], ti["map_index"], ti["try_number"]) not in received]
    assert not missing, (f"{dag_id}: task instances the worker on {queue!r} did not receive (not in "
                         f"{stack.worker_log(queue)}): {missing[:10]}")
    for other in (w.queues[0] for w in WORKERS if queue not in w.queues):
        strays = [w for w in stack.workloads(other) if w["dag_id"] == dag_id]
        assert not strays, f"{dag_id}: the worker on {other!r} ran {len(strays)} of its task instances: {strays[:3]}"
    return ran


def test_extraction_runs_on_the_default_queue_workers(request: pytest.FixtureRequest, celery_stack: CeleryStack,
                                                      scenario: Scenario) -> None:
    live = celery_stack.live
    for dag_id, run_id in scenario.ingest_runs.items():
        wait_for_run(live, dag_id, run_id, INGEST_TIMEOUT - (time.monotonic() - scenario.began))
        scenario.timings[dag_id] = time.monotonic() - scenario.began
    counts = {}
    for dag_id, run_id in scenario.ingest_runs.items():
        counts[dag_id] = len(_check_on_workers(celery_stack, dag_id, run_id, "default"))
    scenario.timings["ingest"] = time.monotonic() - scenario.began
    bindings = sorted(k.decode() for k in celery_stack.redis.keys("_kombu.binding.*"))
    assert {"_kombu.binding.default", "_kombu.binding.dbt"} <= set(bindings), (
        f"the workers' queues are not bound in redis db {celery_stack.redis_db}: {bindings}")
    _say(request, f"extraction on queue 'default' ({WORKERS[0].concurrency} slots): "
                  + ", ".join(f"{d} {counts[d]} task instances, succeeded after {scenario.timings[d]:.0f} s"
                              for d in INGEST_DAGS) + f"; window {scenario.window}")


def test_transformation_runs_on_the_dbt_queue_worker(request: pytest.FixtureRequest, celery_stack: CeleryStack,
                                                     scenario: Scenario) -> None:
    live = celery_stack.live
    if "ingest" not in scenario.timings:
        pytest.fail("the extraction runs did not succeed (see the test before)", pytrace=False)
    assert live.api_json("PATCH", "/api/v2/dags/transform_warehouse",
                         json={"is_paused": False})["is_paused"] is False
    began = time.monotonic()
    run_id = live.api_json("POST", "/api/v2/dags/transform_warehouse/dagRuns",
                           json={"logical_date": None})["dag_run_id"]
    wait_for_run(live, "transform_warehouse", run_id, TRANSFORM_TIMEOUT)
    took = time.monotonic() - began
    ran = _check_on_workers(celery_stack, "transform_warehouse", run_id, "dbt")
    runs = live.api_json("GET", "/api/v2/dags/transform_warehouse/dagRuns")["dag_runs"]
    assert [r["dag_run_id"] for r in runs] == [run_id], "a paused consumer queued no asset event: one run only"

    host, port = live.env["PGHOST"], live.env["PGPORT"]
    metadata_db = live.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[1]
    assert live.env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    workloads = sum(len(celery_stack.workloads(w.queues[0])) for w in WORKERS)
    deadline = time.monotonic() + 60  # a task reports its state to Airflow before Celery stores its result
    while True:
        conn = psycopg2.connect(host=host, port=port, user="postgres", dbname=metadata_db)
        try:
            with conn.cursor() as cur:
                cur.execute("select status, count(*) from celery_taskmeta group by status")
                results = dict(cur.fetchall())
        finally:
            conn.close()
        if results.get("SUCCESS", 0) >= workloads > 0 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert results.get("SUCCESS", 0) >= workloads > 0, f"Celery results in {metadata_db}: {results}, {workloads} sent"

    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname=live.warehouse_db)
    try:
        with conn.cursor() as cur:
            cur.execute("""
                select count(distinct interval_start_utc), count(*) from marts.fct_household_consumption
                where interval_start_utc >= %(window_start)s and interval_start_utc < %(window_end)s""",
                        scenario.window)
            hours, rows = cur.fetchone()
            cur.execute("""
                select count(distinct date_trunc('hour', interval_start_utc)) from marts.fct_grid_carbon_intensity
                where interval_start_utc >= %(window_start)s and interval_start_utc < %(window_end)s""",
                        scenario.window)
            (grid_hours,) = cur.fetchone()
            cur.execute("""
                select count(*) from marts.fct_household_emissions
                where interval_start_utc >= %(window_start)s and interval_start_utc < %(window_end)s
                  and emissions_kg is not null""", scenario.window)
            (emission_rows,) = cur.fetchone()
    finally:
        conn.close()
    assert hours == 3 and rows > 0, f"household consumption in the marts for {scenario.window}: {hours} h, {rows} rows"
    assert grid_hours == 3, f"grid carbon intensity in the marts for {scenario.window}: {grid_hours} hours"
    assert emission_rows > 0, f"no household emissions in the marts for {scenario.window}"
    per_worker = {w.name: len(celery_stack.workloads(w.queues[0])) for w in WORKERS}
    producer = next(ti for ti in ran if ti["task_id"].endswith("dbt_producer_watcher"))
    _say(request, f"transform_warehouse on queue 'dbt' ({WORKERS[1].concurrency} slots): {len(ran)} task instances "
                  f"succeeded in {took:.0f} s (the dbt build {producer['duration']:.0f} s of it); "
                  f"workloads per worker {per_worker}; Celery results in Postgres "
                  f"{results}; broker redis db {celery_stack.redis_db}; marts: {hours} household hours ({rows} rows), "
                  f"{grid_hours} grid hours, {emission_rows} household emission rows; "
                  f"extraction + transformation {scenario.timings['ingest'] + took:.0f} s")
