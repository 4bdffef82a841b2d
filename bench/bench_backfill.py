"""Backfill cost through the real scheduler: one month and two months of history, ``airflow backfill create``.

    source scripts/env.sh && .venv/bin/python bench/bench_backfill.py [--db-prefix bench_backfill] [--keep]

Starts the replay server (in this process; every payload generated in the real wire format: SMARD's weekly
chart_data blocks, Tibber's GraphQL pages for ``TIBBER_REPLAY_HOMES=20`` households, netztransparenz's redispatch
CSV) and Airflow's four components (``gridcarbon.airflow_local.AirflowStack``, what ``make airflow`` runs:
LocalExecutor, Postgres metadata) with a throwaway metadata database and warehouse, every source on the replay
server, the DAGs' first scheduled interval in the future (so only the backfills run) and unpaused. Then, per case,
``airflow backfill create`` for ``smard_ingest`` (DE + 4 control areas, quarter hours, all 77 series),
``tibber_ingest`` and ``redispatch_ingest`` over the case's range, all three at once, and waits until every run
of the three backfills has finished:

- 1 month: May 2025; 2 months: June and July 2025 (31 and 61 days, no DST switch; separate ranges, so the second
  case replaces nothing the first loaded except the look-back).

Printed per case: runs, task instances, wall time (from the first ``backfill create`` until the last run ended),
rows written by the tasks (their return values), rows/s; then the loader's own throughput on the same rows
(``replace_window`` of the case's SMARD and Tibber rows as they landed, per series/home, one transaction each,
without Airflow or HTTP), the ratio two months / one month, and the extrapolated time for a year (12 x the
two-month time / 2). Exit status 1 if a run failed or a target is missed: two months <= 2.2 x one month, one month
under 10 minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

from gridcarbon.airflow_local import AirflowStack  # noqa: E402
from gridcarbon.bootstrap import create_database, drop_database, drop_metadata_database, find_server  # noqa: E402
from gridcarbon.demo import replay_connection_env  # noqa: E402
from gridcarbon.intervals import Window  # noqa: E402
from gridcarbon.warehouse import LoadMeta, connect, replace_window, transaction  # noqa: E402

DAGS = {"smard_ingest": 4, "tibber_ingest": 2, "redispatch_ingest": 1}  # dag id -> backfill max_active_runs
CASES = (("1 month", "2025-05-01", "2025-06-01"), ("2 months", "2025-06-01", "2025-08-01"))
HOUSEHOLDS = 20
TARGET_RATIO = 2.2
TARGET_ONE_MONTH_S = 600.0


@dataclass
class Case:
    name: str
    start: str
    end: str
    wall: float = 0.0
    runs: int = 0
    failed_runs: int = 0
    task_instances: int = 0
    tries: int = 0
    rows: int = 0
    loader_rows: int = 0
    loader_seconds: float = 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _metadata(url: str) -> Any:
    import psycopg2

    conn = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    conn.autocommit = True
    return conn


def run_case(case: Case, stack: AirflowStack, meta_url: str, timeout: float) -> None:
    """Create the three backfills with the CLI at once and wait until every run has ended."""
    began = time.monotonic()
    created_after = datetime.now(UTC) - timedelta(seconds=5)
    airflow = str(REPO / ".venv" / "bin" / "airflow")
    procs = [subprocess.Popen([airflow, "backfill", "create", "--dag-id", dag_id, "--from-date", case.start,
                               "--to-date", case.end, "--max-active-runs", str(runs)], env=stack.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for dag_id, runs in DAGS.items()]
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        if proc.returncode:
            raise RuntimeError(f"airflow backfill create failed:\n{out[-3000:]}")
    conn = _metadata(meta_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select id from backfill where dag_id = any(%s) and created_at >= %s",
                        (list(DAGS), created_after))
            ids = [row[0] for row in cur.fetchall()]
        if len(ids) != len(DAGS):
            raise RuntimeError(f"expected {len(DAGS)} backfills, found {ids}")
        while True:
            with conn.cursor() as cur:
                cur.execute("select count(*), count(*) filter (where state in ('success', 'failed')), "
                            "count(*) filter (where state = 'failed') from dag_run where backfill_id = any(%s)",
                            (ids,))
                total, done, failed = cur.fetchone()
            if total and done == total:
                break
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"{case.name}: {done}/{total} runs done after {timeout:.0f} s")
            time.sleep(2)
        case.wall = time.monotonic() - began
        case.runs, case.failed_runs = total, failed
        # Off the clock: the scheduler marks a backfill completed every 30 s, and until then the next case's
        # `backfill create` for the same DAG is refused ("Another backfill is running for Dag ...").
        while True:
            with conn.cursor() as cur:
                cur.execute("select count(*) from backfill where id = any(%s) and completed_at is null", (ids,))
                if not cur.fetchone()[0]:
                    break
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"{case.name}: backfills {ids} not marked completed after {timeout:.0f} s")
            time.sleep(2)
        with conn.cursor() as cur:
            cur.execute("select count(*), coalesce(sum(ti.try_number), 0) from task_instance ti join dag_run dr "
                        "on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id where dr.backfill_id = any(%s)", (ids,))
            case.task_instances, case.tries = cur.fetchone()
            cur.execute("select coalesce(sum((x.value ->> 'rows')::bigint), 0) from xcom x join dag_run dr "
                        "on dr.id = x.dag_run_id where dr.backfill_id = any(%s) and x.key = 'return_value' "
                        "and jsonb_typeof(x.value) = 'object'", (ids,))
            case.rows = int(cur.fetchone()[0])
            cur.execute("select dr.dag_id, min(dr.data_interval_start), max(dr.data_interval_end), count(*) "
                        "from dag_run dr where dr.backfill_id = any(%s) group by 1 order by 1", (ids,))
            for dag_id, low, high, runs in cur.fetchall():
                print(f"    {dag_id}: {runs} runs, data intervals {low:%Y-%m-%d %H:%M} .. {high:%Y-%m-%d %H:%M} UTC",
                      flush=True)
    finally:
        conn.close()


def loader_throughput(case: Case, warehouse_dsn: str) -> None:
    """The loader on the same rows: the case's SMARD and Tibber consumption rows as they landed, replaced per
    series/home over the case's window, one transaction each (what the tasks' loads do, without Airflow or HTTP)."""
    import logging

    from gridcarbon.sources.smard import CHART_VALUES
    from gridcarbon.sources.tibber import CONSUMPTION

    logging.getLogger("gridcarbon").setLevel(logging.WARNING)  # one INFO line per replaced scope otherwise
    window = Window(datetime.fromisoformat(case.start).replace(tzinfo=UTC),
                    datetime.fromisoformat(case.end).replace(tzinfo=UTC))
    conn = connect(warehouse_dsn)
    try:
        batches = []
        for table, scope in ((CHART_VALUES, ("filter_id", "region", "resolution")),
                             (CONSUMPTION, ("home_id", "resolution"))):
            columns = [c.name for c in table.columns]
            with conn.cursor() as cur:
                cur.execute(f"select {', '.join(columns)} from {table.qualified} where interval_start_utc >= %s "
                            f"and interval_start_utc < %s order by {', '.join(scope)}", (window.start, window.end))
                rows = cur.fetchall()
            conn.rollback()
            groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
            for row in rows:
                groups.setdefault(tuple(row[columns.index(k)] for k in scope), []).append(row)
            batches += [(table, dict(zip(scope, key, strict=True)), group) for key, group in groups.items()]
        began = time.perf_counter()
        for table, scope, rows in batches:
            with transaction(conn):
                replace_window(conn, table, rows, scope=scope, time_column="interval_start_utc", window=window,
                               meta=LoadMeta(dag_id="bench_backfill", window=window))
        case.loader_seconds = time.perf_counter() - began
        case.loader_rows = sum(len(rows) for _, _, rows in batches)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-prefix", default="bench_backfill", help="prefix of the two throwaway databases")
    parser.add_argument("--keep", action="store_true", help="keep databases and Airflow home")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per case")
    args = parser.parse_args(argv)

    from gridcarbon.replay.server import ReplayServer

    host, port, user = find_server()
    pid = os.getpid()
    warehouse_db, metadata_db = f"{args.db_prefix}_wh_{pid}", f"{args.db_prefix}_af_{pid}"
    meta_url = f"postgresql+psycopg2://{user}@{host}:{port}/{metadata_db}"
    warehouse_dsn = f"postgresql://gridcarbon_loader@{host}:{port}/{warehouse_db}"
    home = Path(tempfile.mkdtemp(prefix="gridcarbon-bench-backfill-"))
    os.environ["TIBBER_REPLAY_HOMES"] = str(HOUSEHOLDS)  # read by the replay server in this process
    future = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")  # no scheduled runs: backfills only
    cases = [Case(*spec) for spec in CASES]
    status = 0
    with ReplayServer() as replay:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
        env.update(replay_connection_env(replay.base_url))
        env.update({
            "PYTHONPATH": os.pathsep.join([str(REPO / "include"), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "AIRFLOW_HOME": str(home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta_url,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"), "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM", "8"),
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
            "AIRFLOW_CONN_WAREHOUSE_POSTGRES": warehouse_dsn, "WAREHOUSE_DB": warehouse_db,
            "GRIDCARBON_HTTP_BACKOFF": "0.05",
            "SMARD_START": future, "TIBBER_START": future, "REDISPATCH_START": future,
            "TIBBER_LOOKBACK_HOURS": "0",  # history has no late meter readings to pick up
        })
        for name in ("SMARD_SERIES", "SMARD_REGIONS", "SMARD_RESOLUTION", "SMARD_LOOKBACK_HOURS"):
            env.pop(name, None)  # the defaults: DE + 4 control areas, quarter hours, all series
        stack = AirflowStack(env=env, port=_free_port(), home=home, host="127.0.0.1")
        create_database(warehouse_db)
        try:
            stack.prepare()
            stack.start(supervise=True)
            stack.wait_ready(timeout=300)
            _wait_for_dags(stack, timeout=300)
            for dag_id in DAGS:
                stack_api(stack, "PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
            print(f"bench_backfill: Airflow up ({home}), replay {replay.base_url}, {HOUSEHOLDS} households",
                  flush=True)
            for case in cases:
                print(f"  {case.name} [{case.start}, {case.end}): airflow backfill create x {len(DAGS)} ...",
                      flush=True)
                run_case(case, stack, meta_url, args.timeout)
                loader_throughput(case, warehouse_dsn)
                print(f"  {case.name}: {case.runs} runs ({case.failed_runs} failed), {case.task_instances} task "
                      f"instances ({case.tries} tries), {case.wall:.0f} s, {case.rows:,} rows written, "
                      f"{case.rows / case.wall:,.0f} rows/s; loader alone on the {case.loader_rows:,} rows landed: "
                      f"{case.loader_seconds:.1f} s, {case.loader_rows / case.loader_seconds:,.0f} rows/s", flush=True)
        except Exception:
            print(stack.log_tails(40), flush=True)
            raise
        finally:
            stack.stop()
            if not args.keep:
                shutil.rmtree(home, ignore_errors=True)
                drop_metadata_database(meta_url)
                drop_database(warehouse_db)
    one, two = cases
    ratio = two.wall / one.wall
    year = two.wall * 6
    print(f"bench_backfill: 2 months / 1 month = {ratio:.2f} (target <= {TARGET_RATIO}); 1 month {one.wall:.0f} s "
          f"(target < {TARGET_ONE_MONTH_S:.0f} s); a year extrapolated (6 x two months): {year / 60:.0f} min, "
          f"{two.task_instances * 6} task instances")
    if one.failed_runs or two.failed_runs:
        print("bench_backfill: FAILED runs")
        status = 1
    if ratio > TARGET_RATIO or one.wall >= TARGET_ONE_MONTH_S:
        print("bench_backfill: target missed")
        status = 1
    return status


def stack_api(stack: AirflowStack, method: str, path: str, **kwargs: Any) -> Any:
    import requests

    response = requests.request(method, stack.base_url + path, timeout=60,
                                headers={"Authorization": f"Bearer {stack.token()}"}, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def _wait_for_dags(stack: AirflowStack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dags = {d["dag_id"] for d in stack_api(stack, "GET", "/api/v2/dags", params={"limit": 100})["dags"]}
        if set(DAGS) <= dags:
            return
        time.sleep(2)
    raise TimeoutError(f"DAGs not serialised after {timeout:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
