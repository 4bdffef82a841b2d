"""The scheduler path users take: unpause DAGs and let the scheduler catch up on their data intervals, backfill
through the REST API (what the UI's backfill dialog calls), and let the asset events trigger transform_warehouse.

One module-scoped fixture unpauses ``smard_ingest``, ``tibber_ingest``, ``caiso_ingest`` and
``transform_warehouse`` and creates the Tibber backfill at once, so catch-up, backfill and dbt overlap; the
tests then wait (bounded) for each outcome. ``isone_ingest`` is left to the browser test.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg2
import pytest

from tests.live.conftest import LiveAirflow

INGEST_DAGS = ("smard_ingest", "tibber_ingest", "caiso_ingest")
BACKFILL_DAG = "tibber_ingest"
TERMINAL = {"success", "failed"}
INGEST_TIMEOUT = 15 * 60      # catch-up and backfill runs (replay server, LocalExecutor)
TRANSFORM_TIMEOUT = 25 * 60   # transform_warehouse: up to two dbt builds (one started by the first events)


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def expected_catchup(dag_id: str, start: datetime, now: datetime) -> list[datetime]:
    """Logical dates (data interval starts) of the catch-up runs due at ``now`` for a start date ``start``,
    from each DAG's cron: smard ``30 * * * *``, tibber ``5 * * * *``, caiso ``30 8 * * *`` (all UTC)."""
    if dag_id == "caiso_ingest":
        first, step = start.replace(hour=8, minute=30), timedelta(days=1)
        first = first if first >= start else first + step
    else:
        first, step = start.replace(minute=30 if dag_id == "smard_ingest" else 5), timedelta(hours=1)
    dates = []
    current = first
    while current + step <= now:
        dates.append(current)
        current += step
    return dates


@dataclass
class Scenario:
    started: datetime
    catchup: dict[str, list[datetime]]
    backfill_id: int
    backfill_from: datetime
    backfill_to: datetime
    manual_runs: dict[str, str]  # what the user did -> run id


def describe_run(live: LiveAirflow, dag_id: str, run_id: str, log_lines: int = 40) -> str:
    """The run's task states, and the log tail of every task instance that did not succeed."""
    tis = live.api_json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                        params={"limit": 1000})["task_instances"]
    counts: dict[str, int] = {}
    for ti in tis:
        counts[str(ti["state"])] = counts.get(str(ti["state"]), 0) + 1
    lines = [f"{dag_id} / {run_id}: task states {counts}"]
    bad = [ti for ti in tis if ti["state"] in ("failed", "up_for_retry", "upstream_failed")]
    for ti in bad[:4]:
        lines.append(f"  {ti['task_id']}[{ti['map_index']}] {ti['state']} try {ti['try_number']}")
        folder = live.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={ti['task_id']}"
        for log in sorted(folder.rglob("attempt=*.log"))[-1:]:
            text = log.read_text(errors="replace").splitlines()[-log_lines:]
            lines += ["    | " + line[:400] for line in text]
    return "\n".join(lines)


def runs(live: LiveAirflow, dag_id: str, **params: Any) -> list[dict[str, Any]]:
    return list(live.api_json("GET", f"/api/v2/dags/{dag_id}/dagRuns",
                              params={"limit": 500, "order_by": "logical_date", **params})["dag_runs"])


def fail_with(live: LiveAirflow, message: str, details: str = "") -> None:
    live.print_log_tails(60)
    pytest.fail(f"{message}\n{details}", pytrace=False)


def wait_for_runs(live: LiveAirflow, dag_id: str, logical_dates: list[datetime], run_type: str,
                  deadline: float) -> list[dict[str, Any]]:
    """Wait until a run of ``run_type`` exists for every logical date and all of them succeeded.
    Fails at once when one fails, or at the deadline with the states seen."""
    wanted = {_iso(d) for d in logical_dates}
    reported: set[str] = set()
    while True:
        found = {_iso(_parse(r["logical_date"])): r for r in runs(live, dag_id, run_type=run_type)
                 if r["logical_date"]}
        mine = [found[d] for d in sorted(wanted) if d in found]
        for run in mine:
            if run["state"] == "failed":
                fail_with(live, f"{run_type} run {run['dag_run_id']} of {dag_id} failed",
                          describe_run(live, dag_id, run["dag_run_id"]))
        if len(mine) == len(wanted) and all(r["state"] == "success" for r in mine):
            return mine
        for run in mine:  # a retry is not a failure yet, but say why it happened
            if run["state"] == "running" and run["dag_run_id"] not in reported:
                text = describe_run(live, dag_id, run["dag_run_id"])
                if "up_for_retry" in text:
                    print(f"[retrying] {text}", flush=True)
                    reported.add(run["dag_run_id"])
        if time.monotonic() > deadline:
            states = {d: (found[d]["state"] if d in found else "not created") for d in sorted(wanted)}
            details = "\n".join(describe_run(live, dag_id, r["dag_run_id"]) for r in mine if r["state"] != "success")
            fail_with(live, f"{dag_id}: {run_type} runs not all successful in time: {states}", details)
        time.sleep(5)


@pytest.fixture(scope="module")
def scenario(live_airflow: LiveAirflow) -> Iterator[Scenario]:
    live = live_airflow
    started = datetime.now(live.starts["smard_ingest"].tzinfo)
    catchup = {dag_id: expected_catchup(dag_id, live.starts[dag_id], started) for dag_id in INGEST_DAGS}
    for dag_id, dates in catchup.items():
        assert len(dates) >= 2, f"{dag_id}: start {live.starts[dag_id]} leaves {len(dates)} catch-up runs"
    for dag_id in (*INGEST_DAGS, "transform_warehouse"):
        body = live.api_json("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        assert body["is_paused"] is False, body
    # Three hourly intervals just before the catch-up start (disjoint from the scheduled runs).
    backfill_from = live.starts[BACKFILL_DAG] - timedelta(hours=3)
    backfill_to = live.starts[BACKFILL_DAG] - timedelta(minutes=1)
    backfill = live.api_json("POST", "/api/v2/backfills", json={
        "dag_id": BACKFILL_DAG, "from_date": _iso(backfill_from), "to_date": _iso(backfill_to),
        "max_active_runs": 3, "reprocess_behavior": "none"})
    print(f"unpaused {', '.join(INGEST_DAGS)}, transform_warehouse at {_iso(started)}; expecting catch-up "
          f"{ {k: len(v) for k, v in catchup.items()} }; backfill {backfill['id']} of {BACKFILL_DAG} "
          f"{_iso(backfill_from)} .. {_iso(backfill_to)}", flush=True)
    # The UI's trigger button (no logical date, no conf) and *Trigger DAG w/ config* with a window.
    window = {"window_start": _iso(backfill_from - timedelta(hours=3)), "window_end": _iso(backfill_from)}
    manual = {
        "trigger without conf": live.api_json("POST", f"/api/v2/dags/{BACKFILL_DAG}/dagRuns",
                                              json={"logical_date": None})["dag_run_id"],
        "trigger with a window conf": live.api_json("POST", f"/api/v2/dags/{BACKFILL_DAG}/dagRuns",
                                                    json={"logical_date": None, "conf": window})["dag_run_id"],
    }
    yield Scenario(started, catchup, int(backfill["id"]), backfill_from, backfill_to, manual)


def test_scheduled_catchup_runs_succeed(live_airflow: LiveAirflow, scenario: Scenario) -> None:
    began = time.monotonic()
    deadline = began + INGEST_TIMEOUT
    for dag_id, dates in scenario.catchup.items():
        done = wait_for_runs(live_airflow, dag_id, dates, "scheduled", deadline)
        intervals = [(r["data_interval_start"], r["data_interval_end"]) for r in done]
        print(f"{dag_id}: {len(done)} scheduled catch-up runs succeeded {intervals}", flush=True)
    print(f"catch-up done in {time.monotonic() - began:.0f} s", flush=True)


def test_backfill_through_rest_api_succeeds(live_airflow: LiveAirflow, scenario: Scenario) -> None:
    live = live_airflow
    dates = [scenario.backfill_from + timedelta(minutes=5) + timedelta(hours=k) for k in range(3)]
    done = wait_for_runs(live, BACKFILL_DAG, dates, "backfill", time.monotonic() + INGEST_TIMEOUT)
    deadline = time.monotonic() + 120
    while (backfill := live.api_json("GET", f"/api/v2/backfills/{scenario.backfill_id}"))["completed_at"] is None:
        if time.monotonic() > deadline:
            fail_with(live, f"backfill {scenario.backfill_id} has all runs successful but is not completed",
                      json.dumps(backfill))
        time.sleep(3)
    assert [r["run_type"] for r in done] == ["backfill"] * 3
    print(f"backfill {backfill['id']}: 3 runs succeeded, completed at {backfill['completed_at']}", flush=True)


def test_manual_runs_with_and_without_conf_succeed(live_airflow: LiveAirflow, scenario: Scenario) -> None:
    """A run triggered without a logical date has no data interval in Airflow 3: it failed with "no data
    interval" until it learnt to load the latest complete interval of its timetable."""
    live = live_airflow
    deadline = time.monotonic() + INGEST_TIMEOUT
    pending = dict(scenario.manual_runs)
    while pending:
        for what, run_id in list(pending.items()):
            run = live.api_json("GET", f"/api/v2/dags/{BACKFILL_DAG}/dagRuns/{run_id}")
            if run["state"] == "failed":
                fail_with(live, f"{what}: run {run_id} failed", describe_run(live, BACKFILL_DAG, run_id))
            if run["state"] == "success":
                print(f"{what}: {run_id} succeeded (conf {run['conf']})", flush=True)
                del pending[what]
        if pending and time.monotonic() > deadline:
            fail_with(live, f"manual runs not finished in time: {pending}",
                      "\n".join(describe_run(live, BACKFILL_DAG, r) for r in pending.values()))
        time.sleep(3)
    for what, run_id in scenario.manual_runs.items():
        # what the task loaded (its return value): the rows themselves may since have been replaced by a
        # scheduled run of the same hours, which stamps its own run id on them
        entry = live.api_json("GET", f"/api/v2/dags/{BACKFILL_DAG}/dagRuns/{run_id}/taskInstances/"
                                     "extract_load_tibber/xcomEntries/return_value")
        value = entry["value"] if isinstance(entry["value"], str) else json.dumps(entry["value"])
        loaded = {table: int(n) for table, n in re.findall(r"""["'](raw_tibber\.\w+)["']\s*:\s*(\d+)""", value)}
        assert loaded.get("raw_tibber.homes", 0) > 0, f"{what}: run {run_id} did not load the account: {value}"
        if "window" in what:  # the fixture's TIBBER_LOOKBACK_HOURS=0 leaves the latest :05-:05 interval without
            # a complete hourly node, so only the 3-hour window must bring consumption
            assert loaded.get("raw_tibber.consumption", 0) > 0, f"{what}: run {run_id} loaded no consumption: {value}"


def _last_ingest_event(live: LiveAirflow) -> dict[str, Any]:
    events = live.api_json("GET", "/api/v2/assets/events",
                           params={"order_by": "-timestamp", "limit": 100})["asset_events"]
    ingest = [e for e in events if e.get("source_dag_id") in INGEST_DAGS]
    assert ingest, f"no asset events from {INGEST_DAGS}: {events[:5]}"
    return ingest[0]


def test_asset_events_trigger_transform_into_marts(live_airflow: LiveAirflow, scenario: Scenario) -> None:
    """After every ingest run above: transform_warehouse runs only on asset events from the ingest DAGs, the
    first of its runs that started after the last ingest event succeeded, and the marts hold the intervals the
    backfill and the catch-up loaded.

    (Airflow attributes an event to the run whose window ``(previous run_after, run_after]`` holds its
    timestamp; an event that arrives while a run is queued is coalesced into it without being listed, so the
    run that read the data is found by its start, not by its list of events.)"""
    live = live_airflow
    last = _last_ingest_event(live)
    last_at = _parse(last["timestamp"])
    began = time.monotonic()
    deadline = began + TRANSFORM_TIMEOUT
    consumer: dict[str, Any] | None = None
    seen: dict[str, str] = {}
    while consumer is None:
        for run in runs(live, "transform_warehouse", order_by="run_after"):
            seen[run["dag_run_id"]] = run["state"]
            if run["start_date"] and _parse(run["start_date"]) > last_at and run["state"] in TERMINAL:
                consumer = run
                break
        if consumer is None:
            if time.monotonic() > deadline:
                details = "\n".join(describe_run(live, "transform_warehouse", r) for r in seen)
                fail_with(live, f"no transform_warehouse run started after the last ingest asset event "
                          f"({last['timestamp']}, {last['source_dag_id']} {last['source_run_id']}) finished in "
                          f"time; runs {seen}", details)
            time.sleep(10)
    print(f"transform_warehouse {consumer['dag_run_id']} ({consumer['state']}) started after the last ingest "
          f"event and finished {time.monotonic() - began:.0f} s later; runs {seen}", flush=True)
    if consumer["state"] != "success":
        fail_with(live, f"transform_warehouse run {consumer['dag_run_id']} {consumer['state']}",
                  describe_run(live, "transform_warehouse", consumer["dag_run_id"]))
    sources: set[str] = set()
    for run in runs(live, "transform_warehouse"):
        events = live.api_json("GET", f"/api/v2/dags/transform_warehouse/dagRuns/{run['dag_run_id']}"
                                      "/upstreamAssetEvents")["asset_events"]
        assert run["run_type"] == "asset_triggered", run
        sources |= {e["source_dag_id"] for e in events}
    assert sources and sources <= set(INGEST_DAGS), f"transform_warehouse triggered by events of {sources}"

    backfill_runs = [r["dag_run_id"] for r in runs(live, BACKFILL_DAG, run_type="backfill")]
    catchup_runs = {d: [r["dag_run_id"] for r in runs(live, d, run_type="scheduled")] for d in INGEST_DAGS}
    host, port = live.env["PGHOST"], live.env["PGPORT"]
    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname=live.warehouse_db)
    try:
        with conn.cursor() as cur:
            # Household hours the backfill loaded -> one consumption row per home and hour in the marts.
            # (raw resolution HOURLY is PT1H from staging on; every loaded hour is the finest grain here)
            cur.execute("""
                select c.interval_start_utc, count(distinct c.home_id),
                       (select count(distinct m.household_id) from marts.fct_household_consumption m
                         where m.interval_start_utc = c.interval_start_utc),
                       (select count(distinct m.household_id) from marts.fct_household_emissions m
                         where m.interval_start_utc = c.interval_start_utc)
                from raw_tibber.consumption c
                where c._run_id = any(%s) and c.consumption_kwh is not null
                group by c.interval_start_utc order by 1""", (backfill_runs,))
            backfilled = cur.fetchall()
            # Grid hours the scheduled SMARD and CAISO runs loaded -> carbon intensity rows in the marts.
            cur.execute("""
                select r._dag_id, count(distinct date_trunc('hour', r.ts)),
                       count(distinct date_trunc('hour', r.ts)) filter (where exists (
                           select 1 from marts.fct_grid_carbon_intensity f
                           where date_trunc('hour', f.interval_start_utc) = date_trunc('hour', r.ts)))
                from (select _dag_id, _run_id, interval_start_utc as ts from raw_iso.generation_by_fuel
                      union all
                      select _dag_id, _run_id, interval_start_utc from raw_smard.chart_values
                      where value is not null) r
                where r._run_id = any(%s)
                group by r._dag_id order by 1""", (catchup_runs["smard_ingest"] + catchup_runs["caiso_ingest"],))
            grid = cur.fetchall()
    finally:
        conn.close()
    print(f"marts: backfilled household hours {backfilled}; grid hours (dag, loaded, in marts) {grid}", flush=True)
    assert len(backfilled) >= 3, f"the backfill's 3 hourly intervals landed {len(backfilled)} hours: {backfilled}"
    for hour, homes, consumption_rows, emission_households in backfilled:
        assert consumption_rows == homes, f"{hour}: {homes} homes loaded, {consumption_rows} in the mart"
        assert emission_households == homes, f"{hour}: {homes} homes loaded, {emission_households} in emissions"
    assert {row[0] for row in grid} == {"smard_ingest", "caiso_ingest"}, grid
    for dag_id, loaded, in_marts in grid:
        assert loaded > 0 and in_marts == loaded, f"{dag_id}: {loaded} hours loaded, {in_marts} in the marts"
