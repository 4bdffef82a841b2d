"""### transform_warehouse: raw -> staging -> intermediate -> marts, whenever raw data lands

The dbt project in `dbt_project/`, run as **one `dbt build` per DAG run** and shown by
[Cosmos](https://astronomer.github.io/astronomer-cosmos/) as one Airflow task per dbt node (group `dbt`,
Cosmos' `ExecutionMode.WATCHER`):

- `dbt.dbt_producer_watcher` runs `dbt build` over the whole project (seeds, snapshot, models, unit and data
  tests, in dbt's own order, `GRIDCARBON_DBT_THREADS` threads, default 2) and records each node's result from
  dbt's JSON log as it finishes; its log ends with the build's peak memory;
- every seed, snapshot and model has a task (`*.seed`, `*_snapshot`, `*.run`), followed by one for its data
  tests (`*.test`), that reports that node's outcome, its dbt log line and compiled SQL: a failed model or test
  is red on its own task, what depends on it in Airflow ends `upstream_failed` (dbt skipped it too), everything
  else is green. These tasks start when the build has finished, whatever its outcome, and only read its
  results: no dbt process, no worker slot or triggerer held while dbt builds, and under `dag.test()` (one task
  at a time) no task waits for a build that has not started. (A node task that finds no result for its node,
  which this project does not produce, defers to the triggerer until the build's end says why.) A retried
  node task (Airflow retries, or *Clear* in the UI) runs dbt for that node alone; the build task itself never
  re-runs (its retry restores the results and skips);
- `dbt_docs` regenerates the dbt docs site after the graph when it would change (the project, dbt, or the
  warehouse's relations and columns changed; otherwise it is skipped, `gridcarbon.dbt_docs`), served in the
  Airflow UI under **Browse → dbt Docs (gridcarbon)**.

`GRIDCARBON_DBT_EXECUTION_MODE=local` renders the layout before (one dbt process per task, about 7x slower).

**Source freshness alerts, it does not gate.** Group `freshness` checks every raw source's freshness as the
dbt sources declare it (`loaded_at_field`, `warn_after`, `error_after`; one query per table in
`source_freshness`, no dbt process: `gridcarbon.dbt_freshness`), beside the dbt graph, and has one task per
source reporting its verdict.
A source past its `error_after` turns its task red and the run `failed`, but
every model still builds: the marts are keyed by interval and never forward-fill, so a stale source only
leaves its own newest intervals missing (`PENDING`), while one ISO outage or a source a deployment does not
use (no EIA key) must not stop the German household numbers. List the sources you do not load in
`GRIDCARBON_DBT_FRESHNESS_EXCLUDE` (e.g. `raw_eia,raw_iso`).

**Schedule: any raw table landing.** The DAG runs when *any* raw table's asset is updated (an `AssetAny` over
every raw table of `gridcarbon.sources.all_raw_tables()`), not when *all* of them are: sources publish on
different cadences (SMARD quarter-hours, EIA hourly, Tibber daily, redispatch with days of delay), and
all-of semantics would let one late or broken source hold back every mart. Events arriving while a run is
going are coalesced by the scheduler into the next run; `max_active_runs=1` keeps runs from overlapping.
Every dbt model is idempotent (views, tables, incrementals with a lookback), so an extra run costs time, not
correctness.

**Work O(new data), tests too.** The models that grow with history are incremental: a run rebuilds the
look-back and what was newly loaded, not the years before. An asset-triggered run also tests only those rows
(scope `recent` in the build's environment variable `GRIDCARBON_DATA_TEST_SCOPE`,
`dbt_project/macros/data_test_scope.sql`: a test of a relation keyed by `interval_start_utc` reads the
look-back plus the rows loaded within a day before the run), except the first
run of each UTC day (and the first after a failed run): it, and every manual run (*Trigger* in the UI) or
backfill, tests every row (scope `all`), so nothing goes untested for longer than a day and no extra
schedule is needed.

**Fast parsing.** Cosmos renders from `dbt_project/target/manifest.json` (`LoadMode.DBT_MANIFEST`); no dbt
process runs while the DAG file is parsed. The manifest is written by `python -m gridcarbon.dbt_runner
manifest` (`dbt parse`, no database connection), which `make test`, `make demo` and `make airflow` run first.
If the manifest is missing, the DAG renders a single `dbt_manifest_missing` task that writes it and fails
with instructions; the full graph appears at the next parse.

**Queue `dbt`.** Every task of this DAG is on the Celery queue `dbt` (`GRIDCARBON_DBT_QUEUE`): under the
CeleryExecutor a worker started with `airflow celery worker --queues dbt` runs the transformation, apart from
the extraction workers on `default` (docker-compose's `celery` profile, README "Scaling out"); the
LocalExecutor ignores queues.

**dbt runs in its own virtualenv** (`GRIDCARBON_DBT_EXECUTABLE`, default `.venv-dbt/bin/dbt`) and connects
through the project's env-var `profiles.yml` (`DBT_HOST`, `DBT_PORT`, `DBT_USER`, `DBT_PASSWORD`,
`DBT_DATABASE`): the password lives only in the worker's environment.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import DAG, AssetAny

from gridcarbon import dbt_runner
from gridcarbon.dag_defaults import DBT_QUEUE, DEFAULT_ARGS, raw_asset
from gridcarbon.sources import all_raw_tables


class AnyRawTable(AssetAny):
    """``AssetAny`` hashed once: Airflow hashes the DAG, its schedule included, twice for every dependency it
    sets (~130 here), and an asset's hash is a JSON dump of its fields (a quarter of the parse time otherwise)."""

    def __hash__(self) -> int:
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = self.__dict__["_hash"] = super().__hash__()
        return cached


with DAG(
    dag_id="transform_warehouse",
    schedule=AnyRawTable(*(raw_asset(table) for table in all_raw_tables())),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    # every task on the dbt queue (GRIDCARBON_DBT_QUEUE, default "dbt"): under the CeleryExecutor only the
    # workers listening on it run dbt; the LocalExecutor ignores queues
    default_args={**DEFAULT_ARGS, "queue": DBT_QUEUE},
    tags=["transform", "dbt"],
    doc_md=__doc__,
) as dag:
    if dbt_runner.manifest_available():
        from airflow.providers.standard.operators.python import PythonOperator
        from airflow.sdk import TaskGroup
        from cosmos import DbtTaskGroup

        from gridcarbon import dbt_freshness
        from gridcarbon.dbt_docs import DbtDocsIfChangedOperator

        configs = dbt_runner.cosmos_configs()
        dbt = DbtTaskGroup(group_id="dbt", **configs)
        dbt_runner.watch_after_the_build(dag, "dbt")
        dbt >> DbtDocsIfChangedOperator(task_id="dbt_docs", **dbt_runner.dbt_command_args(configs))
        sources = dbt_runner.freshness_sources()
        if sources:
            with TaskGroup("freshness", tooltip="source freshness per raw source: alerts, never blocks a model"):
                check = dbt_freshness.SourceFreshnessOperator(task_id=dbt_runner.FRESHNESS_CHECK_TASK_ID,
                                                              sources=sources)
                for source in sources:
                    check >> PythonOperator(
                        task_id=source, python_callable=dbt_freshness.report, trigger_rule="all_done",
                        op_kwargs={"source": source, "checker_task_id": check.task_id},
                        doc_md=f"Fails when the freshness check finds `{source}` past its dbt `error_after`.")
        from cosmos.settings import watcher_dbt_execution_queue

        if not watcher_dbt_execution_queue:
            # Cosmos gives the watcher's producer (the task running `dbt build`) the queue of its setting
            # [cosmos] watcher_dbt_execution_queue, else Airflow's default queue, whatever default_args say
            for operator in dag.tasks:
                operator.queue = DBT_QUEUE
    else:
        from airflow.providers.standard.operators.python import PythonOperator

        PythonOperator(
            task_id="dbt_manifest_missing",
            python_callable=dbt_runner.manifest_missing,
            doc_md="Writes the dbt manifest and fails: the dbt graph is rendered at the next DAG parse.",
        )
