"""T3 freshness: one new SMARD hour through ``smard_ingest`` under the real scheduler, its asset events,
``transform_warehouse``, until the hour is in ``marts.fct_grid_carbon_intensity``. Target (issue 13): < 120 s.

Self-contained and offline, like the other benchmarks:

1. a warehouse database ``gridcarbon_bench_t3`` (``gridcarbon.bootstrap.create_database``) and an Airflow
   metadata database ``airflow_bench_t3`` with a throwaway ``AIRFLOW_HOME``; both dropped at the end (also on
   failure and Ctrl-C/SIGTERM) unless ``--keep``;
2. the replay server (``gridcarbon.replay``) in this process, every source connection pointed at it
   (``gridcarbon.demo.replay_connection_env``), as ``make demo`` and ``tests/live`` do;
3. the new hour: the latest complete ``smard_ingest`` interval ``[S, S + 1 h)`` (cron ``30 * * * *``). The
   replay's clock (``SMARD_REPLAY_NOW``) is set 3 h after its end, so every quarter hour of it is published when
   the run asks (SMARD itself publishes realised values 0.5-2.25 h late: that lag is SMARD's, not the
   pipeline's, and is not part of T3). If the next interval would come due before the benchmark can finish
   (``--headroom``), it first waits for that boundary, so exactly one scheduled run is due while it measures;
4. history: ``--history-days`` (3) of SMARD (every series and region of the default settings, or
   ``--regions``) and Tibber (the replay's demo households) up to ``S``, loaded through each source's own
   ``fetch``/``load`` (``gridcarbon.sources.runner.extract_load``: what the tasks run, without Airflow), then one
   ``dbt build`` from the CLI without tests, so every incremental model exists;
5. Airflow's four components with the LocalExecutor, started by ``gridcarbon.airflow_local.AirflowStack`` (what
   ``make airflow`` runs) with the live tests' environment (``tests.live.conftest._component_env``), and
   ``SMARD_START=S``: ``smard_ingest`` (catch-up on, start date ``S``) has exactly one interval due, ``[S, S+1 h)``.
   The scheduler creates that run itself, as a **scheduled** run, when the DAG is unpaused: no trigger, no
   backfill. ``transform_warehouse`` is unpaused first; if its schedule has a time part (the daily full-test run
   of ``AssetOrTimeSchedule``), the run the scheduler makes at once is left to finish before the clock starts
   (and doubles as a warm-up under the scheduler); the clock starts when ``smard_ingest`` is unpaused;
6. measured (REST API and the mart polled every ``--poll`` seconds; Airflow's own timestamps for each stage):
   scheduler creates the run -> run starts -> ``list_series`` -> the mapped ``load_series`` tasks (one per
   series, pool ``smard``) -> run success -> asset events -> ``transform_warehouse`` run queued -> started ->
   the producer's ``dbt build`` -> the run's success -> every quarter hour of the new hour in
   ``marts.fct_grid_carbon_intensity`` (scope ``direct``, ``PT15M``) with status ``OK`` for every German region
   loaded (DE and the four control areas, or ``--regions``).

Prints each stage's time, the total (unpause -> the hour in the mart) and the load average; exit status 1 if
the total is over ``--target`` (120 s) or a run fails.

Settings of the benchmark's Airflow (as environment variables of its components; each can be overridden with
``--set NAME=VALUE``, e.g. to see what a setting buys): the live tests' (``tests/live/conftest.py``): LocalExecutor,
``AIRFLOW__CORE__PARALLELISM`` from ``scripts/env.sh`` (8), DAG files parsed once
(``AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL``/``REFRESH_INTERVAL`` 600: a deployment whose DAG files do
not change between releases can do the same; the default 30 s re-parses every file every 30 s),
``GRIDCARBON_DBT_FRESHNESS_EXCLUDE`` for the sources it does not load; ``SMARD_REGIONS`` unset (all five regions
and the price, production's shape) unless ``--regions``.

The first ``transform_warehouse`` run is requested by the first ``load_series`` task's asset event, so it may
start before the last one has landed; it holds the new hour only if its ``dbt build`` reaches the SMARD models
after the last load (the timeline shows both). Otherwise a second run, made from the events that arrived
during the first, starts when the first ends (``max_active_runs=1``), and the total includes the whole first
run.

    source scripts/env.sh && .venv/bin/python bench/bench_freshness.py [--keep] [--port 8090] [--regions DE]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]
TARGET_SECONDS = 120.0
WAREHOUSE_DB = "gridcarbon_bench_t3"
METADATA_DB = "airflow_bench_t3"
HOUR = timedelta(hours=1)
SMARD_MINUTE = 30  # smard_ingest: cron "30 * * * *" (gridcarbon.sources.registry)
REPLAY_LEAD = timedelta(hours=3)  # the replay's clock this long after the new hour: every quarter of it published
# sources this benchmark does not load: their freshness checks would turn every transform_warehouse run red
FRESHNESS_EXCLUDE = "raw_eia,raw_iso,raw_netztransparenz,raw_reference"
PRODUCER_TASK = "dbt.dbt_producer_watcher"
FRESHNESS_TASK = "freshness.source_freshness"


class Stop(Exception):
    """SIGTERM/SIGINT: stop measuring, clean up."""


def say(message: str) -> None:
    print(message, flush=True)


def parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def latest_interval_start(now: datetime) -> datetime:
    """Start ``S`` of the latest complete ``30 * * * *`` interval ``[S, S + 1 h)`` at ``now``."""
    end = now.replace(minute=SMARD_MINUTE, second=0, microsecond=0)
    if end > now:
        end -= HOUR
    return end - HOUR


def choose_new_hour(headroom: float) -> datetime:
    """The interval to land, waiting first for the next boundary if it would come due while benchmarking."""
    now = datetime.now(UTC)
    start = latest_interval_start(now)
    next_due = start + 2 * HOUR
    left = (next_due - now).total_seconds()
    if left < headroom:
        wait = left + 15
        say(f"· the next smard_ingest interval comes due in {left:.0f} s (< --headroom {headroom:.0f} s): waiting "
            f"{wait:.0f} s for it, so that exactly one scheduled run is due while measuring")
        time.sleep(wait)
        start = latest_interval_start(datetime.now(UTC))
    return start


# --- preparation: history through the sources' own fetch/load, one dbt build ----------------------------------
def load_history(start: datetime, end: datetime, dsn: str, workers: int = 3) -> dict[str, int]:
    """SMARD (one replacement per series, as the mapped tasks do) and Tibber for ``[start, end)``."""
    from gridcarbon.connections import resolve_endpoint
    from gridcarbon.http import session_scope
    from gridcarbon.intervals import Window
    from gridcarbon.settings import Environment
    from gridcarbon.sources.contract import NotServed
    from gridcarbon.sources.registry import SOURCES
    from gridcarbon.sources.runner import Loaded, extract_load
    from gridcarbon.warehouse import connect

    window = Window(start, end)
    smard, tibber = SOURCES["smard"], SOURCES["tibber"]
    assert smard.plan is not None
    # the history starts at `start`: the feed's lookback would reach before it
    settings = dataclasses.replace(smard.settings(Environment.current()), lookback=timedelta(0))
    endpoint = resolve_endpoint(smard.connection_id, smard.default_base_url)
    with session_scope() as http:
        items = smard.plan.run(http, endpoint, settings)
    rows: dict[str, int] = {}
    lock = threading.Lock()

    def one(item: Any) -> None:
        conn = connect(dsn)
        try:
            outcome = extract_load(smard, window, task_id=smard.feeds[0].task_id, inputs=(item,), settings=settings,
                                   endpoint=endpoint, conn=conn, dag_id="bench_freshness", run_id="history")
        finally:
            conn.close()
        if isinstance(outcome, Loaded):
            with lock:
                for result in outcome.results:
                    rows[result.table] = rows.get(result.table, 0) + result.inserted

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, items))
    conn = connect(dsn)
    try:
        outcome = extract_load(tibber, window, conn=conn, dag_id="bench_freshness", run_id="history")
    finally:
        conn.close()
    if isinstance(outcome, NotServed):
        raise RuntimeError(f"tibber history not served: {outcome.reason}")
    if isinstance(outcome, Loaded):
        for result in outcome.results:
            rows[result.table] = rows.get(result.table, 0) + result.inserted
    rows["smard series"] = len(items)
    return rows


def dbt_build_history(env: dict[str, str], target: Path) -> float:
    from gridcarbon import dbt_runner

    cmd = [str(dbt_runner.dbt_executable()), "build", "--exclude-resource-type", "test", "--exclude-resource-type",
           "unit_test", "--threads", env.get("GRIDCARBON_DBT_THREADS", "2"),
           "--project-dir", str(dbt_runner.project_dir()), "--profiles-dir", str(dbt_runner.profiles_yml().parent),
           "--target-path", str(target), "--log-path", str(target)]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=dbt_runner.project_dir())
    if proc.returncode != 0:
        raise RuntimeError(f"dbt build (history) failed:\n{proc.stdout[-6000:]}")
    return time.monotonic() - t0


GERMAN_REGIONS = ("DE", "50Hertz", "Amprion", "TenneT", "TransnetBW")  # smard.DEFAULT_REGIONS
MART_SQL = """
select count(*) filter (where status = 'OK'), count(*), coalesce(string_agg(distinct status, ','), '')
from marts.fct_grid_carbon_intensity
where region = any(%s) and resolution = 'PT15M' and scope = 'direct'
    and interval_start_utc >= %s and interval_start_utc < %s
"""


def mart_state(conn: Any, start: datetime, regions: tuple[str, ...]) -> tuple[int, int, str]:
    """(quarter hours of the new hour in the mart with status OK, over ``regions``; rows; their statuses)."""
    import psycopg2

    try:
        with conn.cursor() as cur:
            cur.execute(MART_SQL, (list(regions), start, start + HOUR))
            ok, rows, statuses = cur.fetchone()
        conn.rollback()
        return int(ok or 0), int(rows or 0), statuses
    except psycopg2.errors.UndefinedTable:
        conn.rollback()
        return 0, 0, "no mart"


# --- the Airflow stack ------------------------------------------------------------------------------------------
def component_env(home: Path, metadata_url: str, warehouse_dsn: str, replay_url: str, pg: tuple[str, str, str],
                  new_hour: datetime, args: argparse.Namespace) -> dict[str, str]:
    """The live tests' component environment, with this benchmark's start date, regions and overrides."""
    from tests.live.conftest import _component_env

    starts = {"smard_ingest": new_hour, "tibber_ingest": new_hour, "caiso_ingest": new_hour}
    env = _component_env(home, metadata_url, WAREHOUSE_DB, warehouse_dsn, replay_url, pg, starts)
    env.pop("SMARD_REGIONS", None)
    env.pop("TIBBER_LOOKBACK_HOURS", None)
    if args.regions:
        env["SMARD_REGIONS"] = args.regions
    env["GRIDCARBON_DBT_FRESHNESS_EXCLUDE"] = FRESHNESS_EXCLUDE
    env["AIRFLOW__CORE__PARALLELISM"] = os.environ.get("AIRFLOW__CORE__PARALLELISM", "8")
    env["GRIDCARBON_DBT_THREADS"] = str(args.threads)
    for item in args.set:
        name, _, value = item.partition("=")
        env[name.strip()] = value
    return env


class Api:
    def __init__(self, stack: Any) -> None:
        import requests

        self.stack = stack
        self.session = requests.Session()

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", 60)
        response = self.session.request(method, self.stack.base_url + path,
                                        headers={"Authorization": f"Bearer {self.stack.token()}"}, **kwargs)
        if not response.ok:
            raise RuntimeError(f"{method} {path} -> HTTP {response.status_code}: {response.text[:1000]}")
        return response.json() if response.content else None

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self(("GET"), f"/api/v2/dags/{dag_id}/dagRuns",
                         params={"limit": 100, "order_by": "run_after"})["dag_runs"])

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return list(self("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                         params={"limit": 1000})["task_instances"])


def wait_for_dags(api: Api, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        errors = api("GET", "/api/v2/importErrors")
        if errors["total_entries"]:
            raise RuntimeError(f"DAG import errors: {json.dumps(errors['import_errors'])[:3000]}")
        dags = {d["dag_id"]: d for d in api("GET", "/api/v2/dags", params={"limit": 100})["dags"]}
        if {"smard_ingest", "transform_warehouse"} <= set(dags) and dags["smard_ingest"].get("next_dagrun_run_after"):
            return dags
        if time.monotonic() > deadline:
            raise TimeoutError(f"DAGs not parsed after {timeout:.0f} s (seen: {sorted(dags)})")
        time.sleep(2)


# --- the measurement ----------------------------------------------------------------------------------------------
@dataclass
class Observed:
    t0: datetime
    regions: tuple[str, ...]
    smard_run: dict[str, Any] | None = None
    transform_runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    unexpected: dict[str, datetime] = field(default_factory=dict)
    mart_first_row: datetime | None = None
    mart_first_ok: datetime | None = None
    mart_visible: datetime | None = None
    failure: str = ""

    @property
    def expected(self) -> int:
        return 4 * len(self.regions)


def settle_transform(api: Api, timeout: float) -> set[str]:
    """Unpause transform_warehouse before the clock starts. Its schedule may have a time part besides the
    assets (a daily run: ``AssetOrTimeSchedule``): with catch-up off the scheduler then creates the latest
    due run at once; it runs to its end here, not inside the measurement. Returns the ids of the runs seen."""
    api("PATCH", "/api/v2/dags/transform_warehouse", json={"is_paused": False})
    began = time.monotonic()
    seen: dict[str, dict[str, Any]] = {}
    while True:
        seen = {r["dag_run_id"]: r for r in api.runs("transform_warehouse")}
        pending = [r for r in seen.values() if r["state"] not in ("success", "failed")]
        waited = time.monotonic() - began
        if not pending and (seen or waited > 20):  # 20 s: a few scheduler loops to create a due run
            break
        if waited > timeout:
            raise TimeoutError(f"transform_warehouse runs created on unpause not done after {timeout:.0f} s: "
                               f"{[(r['dag_run_id'], r['state']) for r in pending]}")
        time.sleep(2)
    for run in seen.values():
        seconds = _minus(offset_of(run.get("end_date")), offset_of(run.get("start_date")))
        say(f"· on unpause, transform_warehouse made the {run['run_type']} run {run['dag_run_id']} (run_after "
            f"{run.get('run_after')}): {run['state']} in {fmt(seconds).strip()} s, before the clock starts")
    return set(seen)


def offset_of(value: str | None) -> float | None:
    when = parse_ts(value)
    return None if when is None else when.timestamp()


def measure(api: Api, mart_conn: Any, new_hour: datetime, regions: tuple[str, ...], earlier: set[str],
            args: argparse.Namespace) -> Observed:
    t0 = datetime.now(UTC)
    api("PATCH", "/api/v2/dags/smard_ingest", json={"is_paused": False})
    obs = Observed(t0, regions)
    say(f"· {iso(t0)} unpaused smard_ingest; waiting for its scheduled run of [{iso(new_hour)}, "
        f"{iso(new_hour + HOUR)}) and for the hour in the mart (timeout {args.timeout:.0f} s)")
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        for run in api.runs("smard_ingest"):
            if parse_ts(run["data_interval_start"]) == new_hour and run["run_type"] == "scheduled":
                obs.smard_run = run
            else:
                obs.unexpected.setdefault(f"{run['run_type']} smard_ingest run {run['dag_run_id']}",
                                          datetime.now(UTC))
        if obs.smard_run and obs.smard_run["state"] == "failed":
            obs.failure = f"smard_ingest run {obs.smard_run['dag_run_id']} failed"
            break
        for run in api.runs("transform_warehouse"):
            if run["dag_run_id"] not in earlier:
                obs.transform_runs[run["dag_run_id"]] = run
        ok, rows, _ = mart_state(mart_conn, new_hour, regions)
        now = datetime.now(UTC)
        if rows and obs.mart_first_row is None:
            obs.mart_first_row = now
        if ok and obs.mart_first_ok is None:
            obs.mart_first_ok = now
        if ok >= obs.expected and obs.mart_visible is None:
            obs.mart_visible = now
            say(f"· the new hour is in marts.fct_grid_carbon_intensity after {(now - t0).total_seconds():.1f} s")
        if obs.mart_visible is not None:
            # until the run that wrote it has finished too (its success is a stage)
            writing = [r for r in obs.transform_runs.values() if r["state"] in ("running", "queued")
                       and parse_ts(r["start_date"] or iso(now)) <= obs.mart_visible]  # type: ignore[operator]
            if not writing:
                break
        failed = [r for r in obs.transform_runs.values() if r["state"] == "failed"]
        if failed and obs.mart_visible is None:
            obs.failure = f"transform_warehouse run {failed[0]['dag_run_id']} failed"
            break
        time.sleep(args.poll)
    else:
        obs.failure = f"timeout after {args.timeout:.0f} s"
    return obs


def offset(obs: Observed, value: str | datetime | None) -> float | None:
    when = parse_ts(value) if isinstance(value, str) else value
    return None if when is None else (when - obs.t0).total_seconds()


def fmt(seconds: float | None) -> str:
    return "      -" if seconds is None else f"{seconds:7.1f}"


def report(api: Api, obs: Observed, args: argparse.Namespace) -> float | None:
    """Print the timeline and where the time went; returns the total (unpause -> the hour in the mart)."""
    events: list[tuple[float | None, str]] = []

    def at(label: str, value: str | datetime | None) -> float | None:
        seconds = offset(obs, value)
        events.append((seconds, label))
        return seconds

    smard = obs.smard_run
    mart_at = offset(obs, obs.mart_visible)
    smard_end = first_event = last_event = plan_end = last_load = None
    lines: list[str] = []
    if smard is not None:
        run_id = smard["dag_run_id"]
        tis = api.task_instances("smard_ingest", run_id)
        plan = [t for t in tis if t["task_id"] == "list_series"]
        loads = [t for t in tis if t["task_id"] == "load_series"]
        at(f"smard_ingest {run_id} queued (the scheduler created it)", smard.get("queued_at"))
        at("smard_ingest run started", smard.get("start_date"))
        plan_end = at("  list_series done", plan[0]["end_date"] if plan else None)
        starts = sorted(filter(None, (parse_ts(t["start_date"]) for t in loads)))
        ends = sorted(filter(None, (parse_ts(t["end_date"]) for t in loads)))
        at(f"  first of {len(loads)} load_series tasks started", starts[0] if starts else None)
        at("  first load_series done", ends[0] if ends else None)
        last_load = at("  last load_series done", ends[-1] if ends else None)
        smard_end = at(f"smard_ingest run {smard['state']}", smard.get("end_date"))
        events_json = api("GET", "/api/v2/assets/events", params={
            "source_dag_id": "smard_ingest", "source_run_id": run_id, "limit": 1000, "order_by": "timestamp"})
        stamps = sorted(parse_ts(e["timestamp"]) for e in events_json["asset_events"])
        first_event = at(f"first of {len(stamps)} smard asset events", stamps[0] if stamps else None)
        last_event = at("last smard asset event", stamps[-1] if stamps else None)
        durations = [t["duration"] for t in loads if t.get("duration")]
        waits = [(parse_ts(t["start_date"]) - parse_ts(t["queued_when"])).total_seconds()  # type: ignore[operator]
                 for t in loads if t.get("start_date") and t.get("queued_when")]
        lines += [f"  {fmt(offset(obs, smard.get('queued_at')))}  scheduler: unpause -> smard_ingest run queued",
                  f"  {fmt(_minus(plan_end, offset(obs, smard.get('queued_at'))))}  list_series (one task)",
                  f"  {fmt(_minus(last_load, plan_end))}  {len(loads)} mapped load_series tasks (pool smard, "
                  f"{_pool_slots()} slots): task duration median "
                  f"{statistics.median(durations) if durations else 0:.1f} s, sum {sum(durations):.0f} s; "
                  f"queued -> running median {statistics.median(waits) if waits else 0:.1f} s",
                  f"  {fmt(_minus(smard_end, last_load))}  last task -> smard_ingest run success"]
    visible: dict[str, Any] | None = None
    previous_end: float | None = None
    for n, run in enumerate(sorted(obs.transform_runs.values(), key=lambda r: r.get("run_after") or ""), 1):
        run_id = run["dag_run_id"]
        tis = {t["task_id"]: t for t in api.task_instances("transform_warehouse", run_id) if t["map_index"] == -1}
        producer = tis.get(PRODUCER_TASK, {})
        fresh = tis.get(FRESHNESS_TASK, {})
        nodes = [t for name, t in tis.items() if name.startswith("dbt.") and not name.startswith(PRODUCER_TASK)]
        tag = f"transform_warehouse #{n}"
        at(f"{tag} requested (asset events; run_after)", run.get("run_after"))
        queued = at(f"{tag} queued", run.get("queued_at"))
        at(f"{tag} started", run.get("start_date"))
        at(f"  #{n} freshness check done ({fresh.get('duration') or 0:.1f} s, beside the build)",
           fresh.get("end_date"))
        p_start = at(f"  #{n} producer (dbt build) started", producer.get("start_date"))
        p_end = at(f"  #{n} producer (dbt build) done ({producer.get('duration') or 0:.1f} s)",
                   producer.get("end_date"))
        at(f"  #{n} last of {len(nodes)} node tasks done",
           max(filter(None, (parse_ts(t["end_date"]) for t in nodes)), default=None))
        at(f"  #{n} dbt_docs done", tis.get("dbt_docs", {}).get("end_date"))
        end = at(f"{tag} {run['state']} ({len(tis)} tasks)", run.get("end_date"))
        if n == 1:
            lines.append(f"  {fmt(_minus(offset(obs, run.get('run_after')), first_event))}  scheduler: first asset "
                         f"event -> transform_warehouse #1 requested ({fmt(_minus(queued, first_event)).strip()} s "
                         "to queued); #1 starts on the data landed so far")
        if visible is None and mart_at is not None and p_start is not None and p_start <= mart_at:
            if p_end is None or mart_at <= p_end + args.poll + 5:
                visible = run
                requested = offset(obs, run.get("run_after"))
                if n > 1:
                    lines.append(f"  {fmt(_minus(queued, previous_end))}  #{n}: requested at "
                                 f"{fmt(requested).strip()} s by events that arrived during #{n - 1}, queued when "
                                 f"#{n - 1} ended (max_active_runs=1)")
                lines += [f"  {fmt(_minus(p_start, smard_end))}  smard_ingest run success -> #{n}'s dbt build starts",
                          f"  {fmt(_minus(mart_at, p_start))}  #{n}'s dbt build -> the hour in the mart (the build "
                          f"took {producer.get('duration') or 0:.1f} s in total)",
                          f"  {fmt(_minus(end, mart_at))}  (after it: #{n}'s node tasks and dbt_docs -> run success)"]
        previous_end = end
    at(f"the new hour in marts.fct_grid_carbon_intensity ({len(obs.regions)} regions x 4 quarter hours, "
       "status OK)", obs.mart_visible)
    if obs.mart_first_row and obs.mart_first_row != obs.mart_visible:
        at("  (first rows of the new hour in the mart, not all OK yet)", obs.mart_first_row)
    say("")
    say(f"timeline (seconds after unpausing smard_ingest at {iso(obs.t0)}):")
    for seconds, label in sorted(events, key=lambda e: (e[0] is None, e[0] or 0.0)):
        say(f"  {fmt(seconds)}  {label}")
    say("")
    say("where the time went (stages on the path to the mart):")
    for line in lines:
        say(line)
    say(f"  {fmt(mart_at)}  TOTAL: unpause -> the new hour in the mart "
        f"({fmt(_minus(mart_at, last_event)).strip()} s after the last smard asset event)")
    for label, when in obs.unexpected.items():
        say(f"  ! also saw {label} at {fmt(offset(obs, when)).strip()} s")
    return mart_at


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _pool_slots() -> int:
    from gridcarbon.sources.registry import SOURCES

    return SOURCES["smard"].pool_slots


# --- main -------------------------------------------------------------------------------------------------------
@contextmanager
def stoppable() -> Iterator[None]:
    def _raise(signum: int, _frame: object) -> None:
        raise Stop(signal.Signals(signum).name)

    old = {sig: signal.signal(sig, _raise) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()),
                                     epilog="See the module docstring (and bench/README.md) for what is measured.")
    parser.add_argument("--port", type=int, default=0, help="Airflow API server port (default: a free one)")
    parser.add_argument("--replay-port", type=int, default=0, help="replay server port (default: a free one)")
    parser.add_argument("--history-days", type=int, default=3, help="days of history before the new hour (3)")
    parser.add_argument("--regions", default="", help="SMARD_REGIONS (default: all five German regions)")
    parser.add_argument("--threads", type=int, default=2, help="GRIDCARBON_DBT_THREADS (2)")
    parser.add_argument("--target", type=float, default=TARGET_SECONDS, help="seconds (120)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up measuring after this (900 s)")
    parser.add_argument("--headroom", type=float, default=480.0,
                        help="wait for the next :30 first if it is closer than this (480 s)")
    parser.add_argument("--poll", type=float, default=1.0, help="poll interval of the API and the mart (1 s)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the Airflow components, e.g. "
                             "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC=2 (repeatable)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, the Airflow home and the running stack's logs (stack is stopped)")
    args = parser.parse_args()

    import psycopg2

    from gridcarbon.airflow_local import AirflowStack
    from gridcarbon.bootstrap import create_database, drop_database, drop_metadata_database, find_server
    from gridcarbon.dbt_runner import generate_manifest
    from gridcarbon.demo import replay_connection_env
    from gridcarbon.replay.server import ReplayServer

    host, port, user = find_server()
    pg = (host, port, user)
    metadata_url = f"postgresql+psycopg2://{user}@{host}:{port}/{METADATA_DB}"
    warehouse_dsn = f"postgresql://gridcarbon_loader@{host}:{port}/{WAREHOUSE_DB}"
    home = Path(tempfile.mkdtemp(prefix="bench_t3_airflow_"))
    logging.getLogger("gridcarbon").setLevel(logging.WARNING)  # the loaders' INFO lines of the history load
    say(f"T3 freshness; load average {loadavg()}; Airflow home {home}")
    server: Any = None
    stack: Any = None
    mart_conn: Any = None
    status = 1
    with stoppable():
        try:
            generate_manifest()
            new_hour = choose_new_hour(args.headroom)
            os.environ["SMARD_REPLAY_NOW"] = iso(new_hour + HOUR + REPLAY_LEAD)
            server = ReplayServer(port=args.replay_port).start()
            os.environ.update(replay_connection_env(server.base_url))
            drop_database(WAREHOUSE_DB)
            drop_metadata_database(metadata_url)
            create_database(WAREHOUSE_DB)
            say(f"· new hour [{iso(new_hour)}, {iso(new_hour + HOUR)}); replay server {server.base_url} "
                f"(its clock {os.environ['SMARD_REPLAY_NOW']}); warehouse {WAREHOUSE_DB}, metadata {METADATA_DB}")
            env = component_env(home, metadata_url, warehouse_dsn, server.base_url, pg, new_hour, args)
            stack = AirflowStack(env=env, port=args.port or _free_port(), home=home, host="127.0.0.1")
            t_prep = time.monotonic()
            stack.prepare()
            stack.start(supervise=True)
            # the stack starts while the history loads (nothing runs: every DAG is paused at creation)
            t_hist = time.monotonic()
            if args.regions:
                os.environ["SMARD_REGIONS"] = args.regions
            rows = load_history(new_hour - timedelta(days=args.history_days), new_hour, warehouse_dsn)
            say(f"· history {args.history_days} days loaded in {time.monotonic() - t_hist:.0f} s: {rows}")
            dbt_env = {**os.environ, "DBT_HOST": host, "DBT_PORT": port, "DBT_DATABASE": WAREHOUSE_DB,
                       "DBT_USER": "gridcarbon_transformer", "GRIDCARBON_DBT_THREADS": str(args.threads)}
            seconds = dbt_build_history(dbt_env, home / "dbt_history_target")
            say(f"· history built (dbt build without tests, the CLI) in {seconds:.0f} s")
            mart_conn = psycopg2.connect(host=host, port=port, user=user, dbname=WAREHOUSE_DB)
            regions = tuple(r.strip() for r in args.regions.split(",") if r.strip() in GERMAN_REGIONS) \
                if args.regions else GERMAN_REGIONS
            before = mart_state(mart_conn, new_hour, regions)
            if before[1]:
                raise RuntimeError(f"the new hour is in the mart before the run: {before}")
            stack.wait_ready(timeout=300)
            api = Api(stack)
            dags = wait_for_dags(api, timeout=300)
            say(f"· Airflow up at {stack.base_url} ({time.monotonic() - t_prep:.0f} s after migrate began); "
                f"smard_ingest next run {dags['smard_ingest'].get('next_dagrun_data_interval_start')} .. "
                f"{dags['smard_ingest'].get('next_dagrun_data_interval_end')}; load average {loadavg()}")
            earlier = settle_transform(api, args.timeout)
            if mart_state(mart_conn, new_hour, regions)[1]:
                raise RuntimeError("the new hour is in the mart before the smard_ingest run")
            load_before = loadavg()
            obs = measure(api, mart_conn, new_hour, regions, earlier, args)
            load_after = loadavg()
            total = report(api, obs, args)
            say(f"load average (1/5/15 min): {load_before} before, {load_after} after the measurement; "
                f"{os.cpu_count()} CPUs")
            if obs.failure:
                say(f"! {obs.failure}")
                say(stack.log_tails(25))
            ok = not obs.failure and total is not None and total <= args.target
            say(f"T3 freshness: one new SMARD hour -> marts.fct_grid_carbon_intensity in "
                f"{'-' if total is None else f'{total:.1f}'} s (target < {args.target:.0f} s): "
                f"{'met' if ok else 'MISSED'}")
            status = 0 if ok else 1
        except Stop as stop:
            say(f"! {stop} received: stopping and cleaning up")
            status = 130
        except Exception as exc:  # noqa: BLE001 - report, clean up, exit 1
            say(f"! {type(exc).__name__}: {exc}")
            if stack is not None:
                say(stack.log_tails(25))
            status = 1
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if stack is not None:
                stack.stop()
            if server is not None:
                server.stop()
            if mart_conn is not None:
                mart_conn.close()
            if args.keep:
                say(f"· kept: databases {WAREHOUSE_DB}, {METADATA_DB}; Airflow home {home} "
                    f"(logs in {home / 'logs'})")
            else:
                drop_metadata_database(metadata_url)
                drop_database(WAREHOUSE_DB)
                shutil.rmtree(home, ignore_errors=True)
                say(f"· stopped every component; dropped {WAREHOUSE_DB}, {METADATA_DB}; removed {home}")
    return status


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
