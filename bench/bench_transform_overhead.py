"""T1-style orchestration overhead: ``transform_warehouse`` under ``dag.test()`` against a plain ``dbt build``.

On one warehouse state: by default the demo's warehouse (``$WAREHOUSE_DB``, ``gridcarbon``), which must hold the
demo month (``make bench`` runs ``make demo`` first); ``--database NAME`` another existing warehouse (neither is
dropped); ``--sample`` a fresh database (``gridcarbon_bench_t1``, created with ``gridcarbon.bootstrap``, dropped at
the end unless ``--keep``) holding the 92 raw rows of ``tests/integration/test_transform_warehouse.py``.

1. ``dbt build`` once from the CLI (warm-up: every relation exists afterwards, dbt's partial-parse file is
   written), then ``dbt docs generate`` (the published site the DAG's ``dbt_docs`` then finds current, as on every
   run between two releases);
2. the DAG through ``dag.test()`` in a fresh Airflow home (sqlite), retries off as in the demo, once Airflow's
   in-process execution API is up (it starts at a process's first task, ~3 s, started here by a health request;
   in the demo the extraction DAGs start it, a scheduler-driven run has none); the time of the ``dag.test()`` call is
   what the demo reports; the subprocess's peak memory (largest of Airflow's process and its children: dbt) is
   printed too;
3. ``dbt build --threads N`` from the CLI again, on the same state: the reference.

Prints ``DAG / CLI``; target (issue 13, T1): <= 1.3 on the demo month. ``--mode local`` measures the layout
before issue 13 (one dbt process per task); ``--test-behavior build`` what the demo used to set with it.
The scheduler-driven figure needs a running scheduler and is not measured here.

    make demo && source scripts/env.sh && .venv/bin/python bench/bench_transform_overhead.py [--mode watcher|local]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]
TARGET_RATIO = 1.3

RUN_DAG = r"""
import json, resource, sys, time
from airflow.dag_processing.dagbag import DagBag

# dag.test() starts Airflow's in-process execution API at the first task of a process (~3 s here). The demo's
# extraction DAGs start it before transform_warehouse runs, and a scheduler-driven run has none: it is started
# here, off the clock, by the client dag.test() uses, asking for the API's health.
from airflow.sdk.execution_time.supervisor import InProcessTestSupervisor

t0 = time.monotonic()
assert InProcessTestSupervisor._api_client().get("health/ping").status_code == 200
warm_up_seconds = time.monotonic() - t0

bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
dag = bag.dags["transform_warehouse"]
for task in dag.tasks:
    task.retries = 0
t0 = time.monotonic()
run = dag.test()
seconds = time.monotonic() - t0
states = {}
for ti in run.get_task_instances():
    states[str(ti.state)] = states.get(str(ti.state), 0) + 1
failed = sorted(ti.task_id for ti in run.get_task_instances() if str(ti.state) not in ("success", "skipped"))
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("RESULT " + json.dumps({"state": str(run.state), "seconds": seconds, "states": states, "failed": failed,
                              "tasks": len(dag.tasks), "peak_rss_mib": rss / 1024,
                              "warm_up_seconds": warm_up_seconds}))
"""


def run(cmd: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def dbt_build(env: dict[str, str], target: Path, threads: int) -> float:
    from gridcarbon import dbt_runner

    cmd = [str(dbt_runner.dbt_executable()), "build", "--threads", str(threads), "--project-dir",
           str(dbt_runner.project_dir()), "--profiles-dir", str(dbt_runner.profiles_yml().parent),
           "--target-path", str(target), "--log-path", str(target)]
    t0 = time.monotonic()
    proc = run(cmd, env, cwd=dbt_runner.project_dir())
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{proc.stdout[-4000:]}")
    return seconds


def raw_rows(host: str, port: str, user: str, database: str) -> int:
    import psycopg2

    try:
        conn = psycopg2.connect(host=host, port=port, user=user, dbname=database)
    except psycopg2.OperationalError:
        return 0
    try:
        with conn.cursor() as cur:
            cur.execute("select (select count(*) from raw_smard.chart_values)"
                        " + (select count(*) from raw_tibber.consumption)")
            return int(cur.fetchone()[0])
    except psycopg2.Error:
        return 0
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("watcher", "local"), default="watcher")
    parser.add_argument("--test-behavior", choices=("after_each", "build"), default="after_each")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--database", default=os.environ.get("WAREHOUSE_DB", "gridcarbon"),
                        help="measure this existing warehouse, not dropped (default: $WAREHOUSE_DB, the demo's)")
    parser.add_argument("--sample", action="store_true",
                        help="measure a throwaway database holding the integration test's 92 raw rows instead")
    parser.add_argument("--keep", action="store_true", help="keep the --sample database")
    parser.add_argument("--dag-file", default=str(REPO / "dags" / "transform_warehouse.py"))
    args = parser.parse_args()

    from gridcarbon.bootstrap import create_database, drop_database, find_server
    from gridcarbon.dbt_runner import generate_manifest

    host, port, user = find_server()
    name = "gridcarbon_bench_t1" if args.sample else args.database
    if args.sample:
        from tests.integration.test_transform_warehouse import load_sample_rows

        create_database(name)
        loaded = load_sample_rows(f"postgresql://gridcarbon_loader@{host}:{port}/{name}")
        print(f"database {name}: {sum(loaded.values())} raw rows (the integration test's sample)")
    else:
        rows = raw_rows(host, port, user, name)
        if not rows:
            raise SystemExit(f"database {name} holds no raw SMARD or Tibber rows: run `make demo` first (or --sample)")
        print(f"database {name}: {rows:,} raw SMARD and Tibber rows (the demo month after `make demo`)")
    generate_manifest()
    try:
        with tempfile.TemporaryDirectory(prefix="bench_t1_") as tmp:
            home = Path(tmp) / "airflow"
            home.mkdir()
            env = {**os.environ, "AIRFLOW_HOME": str(home),
                   "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
                   "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
                   "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False", "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
                   "DBT_HOST": host, "DBT_PORT": port, "DBT_DATABASE": name, "DBT_USER": "gridcarbon_transformer",
                   "GRIDCARBON_DBT_DOCS_DIR": str(Path(tmp) / "docs"), "GRIDCARBON_DBT_EXECUTION_MODE": args.mode,
                   "GRIDCARBON_DBT_TEST_BEHAVIOR": args.test_behavior, "GRIDCARBON_DBT_THREADS": str(args.threads),
                   "GRIDCARBON_DBT_FRESHNESS_EXCLUDE": os.environ.get("GRIDCARBON_DBT_FRESHNESS_EXCLUDE", ""),
                   "PYTHONPATH": os.pathsep.join([str(REPO / "include"), os.environ.get("PYTHONPATH", "")])}
            migrate = run([sys.executable, "-m", "airflow", "db", "migrate"], env)
            if migrate.returncode != 0:
                raise SystemExit(f"airflow db migrate failed:\n{migrate.stderr[-3000:]}")
            target = Path(tmp) / "dbt_target"
            first = dbt_build(env, target, args.threads)
            print(f"dbt build (CLI, first, creates every relation): {first:6.1f} s")
            t0 = time.monotonic()
            docs = run([sys.executable, "-m", "gridcarbon.dbt_runner", "docs"], env)
            if docs.returncode != 0:
                raise SystemExit(f"dbt docs generate failed:\n{docs.stderr[-3000:]}")
            print(f"dbt docs generate (CLI, publishes the site the DAG's dbt_docs then finds current): "
                  f"{time.monotonic() - t0:6.1f} s")
            t0 = time.monotonic()
            proc = run([sys.executable, "-c", RUN_DAG, args.dag_file], env)
            wall = time.monotonic() - t0
            lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
            if not lines:
                raise SystemExit(f"dag.test() did not report:\n{proc.stderr[-6000:]}")
            result = json.loads(lines[-1][len("RESULT "):])
            cli = dbt_build(env, target, args.threads)
    finally:
        if args.sample and not args.keep:
            drop_database(name)
    ratio = result["seconds"] / cli
    print(f"transform_warehouse ({args.mode}, {args.test_behavior}, {result['tasks']} tasks) under dag.test(): "
          f"{result['seconds']:6.1f} s ({wall:.1f} s with the process and DAG bag), {result['state']}, "
          f"tasks {result['states']}{' failed: ' + ', '.join(result['failed']) if result['failed'] else ''}")
    print(f"  (before the clock, {result['warm_up_seconds']:.1f} s: Airflow's in-process execution API that "
          "dag.test() runs tasks against, started in the same process, as the demo's extraction DAGs start it)")
    print(f"peak memory of the run (largest process: Airflow's or dbt's): {result['peak_rss_mib']:.0f} MiB")
    print(f"dbt build --threads {args.threads} (CLI, same state):          {cli:6.1f} s")
    print(f"T1 orchestration overhead: DAG / CLI = {ratio:.2f} (target <= {TARGET_RATIO}; dag.test(), not a "
          "scheduler-driven run)")
    return 0 if ratio <= TARGET_RATIO and result["state"].endswith("success") else 1


if __name__ == "__main__":
    raise SystemExit(main())
