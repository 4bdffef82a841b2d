"""T1-style orchestration overhead: ``transform_warehouse`` under ``dag.test()`` against a plain ``dbt build``.

On one warehouse state: by default the demo's warehouse (``$WAREHOUSE_DB``, ``gridcarbon``), which must hold the
demo month (``make bench`` runs ``make demo`` first); ``--database NAME`` another existing warehouse (neither is
dropped); ``--sample`` a fresh database (``gridcarbon_bench_t1``, created with ``gridcarbon.bootstrap``, dropped at
the end unless ``--keep``) holding the 92 raw rows of ``tests/integration/test_transform_warehouse.py``.

1. ``dbt build`` once from the CLI (warm-up: every relation exists afterwards, dbt's partial-parse file is
   written), then ``dbt docs generate`` (the published site the DAG's ``dbt_docs`` then finds current, as on every
   run between two releases);
2. ``--rounds`` times (default 2, the order of 2. and 3. alternated between rounds; the best round of each is
   compared, as the host's noise is +-5 s on a one-minute build here): the DAG through ``dag.test()`` in a fresh
   process, in the bench's own Airflow home and metadata database (``airflow_bench_t1`` on the same server,
   Postgres as in the demo and every deployment; dropped at the end), retries off as in the demo, once Airflow's
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]
TARGET_RATIO = 1.3
METADATA_DB = "airflow_bench_t1"

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
tis = [ti for ti in run.get_task_instances() if ti.start_date and ti.end_date]
longest = max(tis, key=lambda ti: ti.end_date - ti.start_date)
others = [ti for ti in tis if ti is not longest]
stages = {"longest_task": longest.task_id,
          "longest_task_seconds": (longest.end_date - longest.start_date).total_seconds(),
          "before_it_seconds": (longest.start_date - min(ti.start_date for ti in tis)).total_seconds(),
          "after_it_seconds": (max(ti.end_date for ti in tis) - longest.end_date).total_seconds(),
          "other_tasks": len(others),
          "other_tasks_seconds": sum((ti.end_date - ti.start_date).total_seconds() for ti in others)}
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("RESULT " + json.dumps({"state": str(run.state), "seconds": seconds, "states": states, "failed": failed,
                              "tasks": len(dag.tasks), "peak_rss_mib": rss / 1024,
                              "warm_up_seconds": warm_up_seconds, "stages": stages}))
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
    parser.add_argument("--rounds", type=int, default=2, help="DAG and CLI runs each (order alternated; best of each)")
    parser.add_argument("--database", default=os.environ.get("WAREHOUSE_DB", "gridcarbon"),
                        help="measure this existing warehouse, not dropped (default: $WAREHOUSE_DB, the demo's)")
    parser.add_argument("--sample", action="store_true",
                        help="measure a throwaway database holding the integration test's 92 raw rows instead")
    parser.add_argument("--keep", action="store_true", help="keep the --sample database")
    parser.add_argument("--dag-file", default=str(REPO / "dags" / "transform_warehouse.py"))
    args = parser.parse_args()

    from gridcarbon.bootstrap import create_database, drop_database, ensure_metadata_database, find_server
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
    # Airflow's metadata in a throwaway Postgres database, as `make demo` (airflow_demo), `make airflow` and
    # docker-compose keep it: SQLite commits each task state change with a file sync of its own
    metadata_url = f"postgresql+psycopg2://{user}@{host}:{port}/{METADATA_DB}"
    drop_database(METADATA_DB)
    ensure_metadata_database(metadata_url)
    try:
        with tempfile.TemporaryDirectory(prefix="bench_t1_") as tmp:
            home = Path(tmp) / "airflow"
            home.mkdir()
            env = {**os.environ, "AIRFLOW_HOME": str(home),
                   "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
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
            results: list[dict[str, Any]] = []
            clis: list[float] = []
            for rnd in range(1, args.rounds + 1):
                # alternate the order (DAG first, then CLI first, ...): what one build leaves behind (the
                # server's caches, dead tuples) then favours neither side
                for side in ("dag", "cli") if rnd % 2 else ("cli", "dag"):
                    if side == "cli":
                        clis.append(dbt_build(env, target, args.threads))
                        print(f"  round {rnd}: dbt build --threads {args.threads} (CLI): {clis[-1]:6.1f} s", flush=True)
                    else:
                        results.append(run_dag(env, args.dag_file))
                        print(f"  round {rnd}: transform_warehouse under dag.test(): {results[-1]['seconds']:6.1f} s "
                              f"({results[-1]['state']})", flush=True)
    finally:
        drop_database(METADATA_DB)
        if args.sample and not args.keep:
            drop_database(name)
    result = min(results, key=lambda r: r["seconds"])
    cli = min(clis)
    ratio = result["seconds"] / cli
    print(f"transform_warehouse ({args.mode}, {args.test_behavior}, {result['tasks']} tasks) under dag.test(), best "
          f"of {args.rounds}: {result['seconds']:6.1f} s ({result['wall']:.1f} s with the process and DAG bag), "
          f"{result['state']}, tasks {result['states']}"
          f"{' failed: ' + ', '.join(result['failed']) if result['failed'] else ''}")
    print(f"  (before the clock, {result['warm_up_seconds']:.1f} s: Airflow's in-process execution API that "
          "dag.test() runs tasks against, started in the same process, as the demo's extraction DAGs start it)")
    st = result["stages"]
    print(f"  where the time went: {st['before_it_seconds']:.1f} s before the longest task ({st['longest_task']}, "
          f"{st['longest_task_seconds']:.1f} s), {st['after_it_seconds']:.1f} s after it; the {st['other_tasks']} "
          f"other tasks {st['other_tasks_seconds']:.1f} s summed (dag.test() runs one task at a time)")
    print(f"peak memory of the run (largest process: Airflow's or dbt's): {result['peak_rss_mib']:.0f} MiB")
    print(f"dbt build --threads {args.threads} (CLI, same state), best of {args.rounds}: {cli:6.1f} s")
    failed = [r["state"] for r in results if not r["state"].endswith("success")]
    print(f"T1 orchestration overhead: DAG / CLI = {ratio:.2f} (target <= {TARGET_RATIO}; best round of each; "
          f"dag.test(), not a scheduler-driven run){'; FAILED runs: ' + ', '.join(failed) if failed else ''}")
    return 0 if ratio <= TARGET_RATIO and not failed else 1


def run_dag(env: dict[str, str], dag_file: str) -> dict[str, Any]:
    """One ``transform_warehouse`` run under ``dag.test()`` in a fresh process (``RUN_DAG``); its report."""
    t0 = time.monotonic()
    proc = run([sys.executable, "-c", RUN_DAG, dag_file], env)
    wall = time.monotonic() - t0
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"dag.test() did not report:\n{proc.stderr[-6000:]}")
    return {**json.loads(lines[-1][len("RESULT "):]), "wall": wall}


if __name__ == "__main__":
    raise SystemExit(main())
