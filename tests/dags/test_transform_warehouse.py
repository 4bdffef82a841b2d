"""transform_warehouse: scheduled on raw data arrival, renders every dbt node as a task, keeps
working (visibly) without a manifest, and publishes dbt docs where Airflow's UI serves them.

Rendering is checked on a small dbt project written here (a source with freshness, a seed, a snapshot, two
models, data tests), so these tests do not depend on how far the real project has come; the real project's
manifest is checked for a one-to-one mapping of its nodes to tasks.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.dags.dag_rules import violations

REPO = Path(__file__).resolve().parents[2]
DAG_FILE = REPO / "dags" / "transform_warehouse.py"

# --- a small dbt project exercising every node type Cosmos renders -------------------------------------------
MINI_PROJECT: dict[str, str] = {
    "dbt_project.yml": """
        name: mini
        version: "1.0.0"
        config-version: 2
        profile: mini
        models:
          mini:
            +materialized: view
            marts:
              +materialized: table
        seeds:
          mini:
            +schema: seeds
        """,
    "profiles.yml": """
        mini:
          target: dev
          outputs:
            dev:
              type: postgres
              host: "{{ env_var('DBT_HOST', '127.0.0.1') }}"
              port: "{{ env_var('DBT_PORT', '5432') | as_number }}"
              user: "{{ env_var('DBT_USER', 'gridcarbon_transformer') }}"
              password: "{{ env_var('DBT_PASSWORD', '') }}"
              dbname: "{{ env_var('DBT_DATABASE', 'gridcarbon') }}"
              schema: mini
              threads: 1
        """,
    "seeds/fuel_factors.csv": """
        fuel,g_per_kwh
        lignite,1100
        photovoltaics,45
        """,
    "models/_sources.yml": """
        sources:
          - name: raw_mini
            schema: raw_mini
            loaded_at_field: _loaded_at
            freshness:
              warn_after: {count: 365, period: day}
            tables:
              - name: readings
              - name: notes
                freshness: null
        """,
    "models/stg_readings.sql": """
        select reading_id, fuel, kwh from {{ source('raw_mini', 'readings') }}
        """,
    "models/marts/fct_emissions.sql": """
        select r.reading_id, r.fuel, r.kwh * f.g_per_kwh / 1000.0 as emissions_kg
        from {{ ref('stg_readings') }} as r
        inner join {{ ref('fuel_factors') }} as f on f.fuel = r.fuel
        """,
    "models/_models.yml": """
        models:
          - name: stg_readings
            columns:
              - name: reading_id
                data_tests: [not_null, unique]
          - name: fct_emissions
            columns:
              - name: emissions_kg
                data_tests: [not_null]
              - name: fuel
                data_tests:
                  - relationships:
                      arguments:
                        to: ref('fuel_factors')
                        field: fuel
        """,
    "snapshots/readings_snapshot.yml": """
        snapshots:
          - name: readings_snapshot
            relation: ref('stg_readings')
            config:
              schema: snapshots
              unique_key: reading_id
              strategy: check
              check_cols: all
        """,
}


def write_mini_project(root: Path) -> Path:
    for relative, text in MINI_PROJECT.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def dbt_env(project: Path, **extra: str) -> dict[str, str]:
    """Environment pointing ``gridcarbon.dbt_runner`` (and so the DAG file) at another dbt project."""
    return {
        "GRIDCARBON_DBT_PROJECT_DIR": str(project),
        "GRIDCARBON_DBT_MANIFEST": str(project / "target" / "manifest.json"),
        "AIRFLOW__COSMOS__ENABLE_CACHE": "False",
        **extra,
    }


def parse_manifest(project: Path) -> Path:
    env = {**os.environ, **dbt_env(project)}
    subprocess.run([sys.executable, "-m", "gridcarbon.dbt_runner", "manifest"], env=env, check=True,
                   capture_output=True, text=True)
    return project / "target" / "manifest.json"


@pytest.fixture(scope="module")
def mini_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_mini_project(tmp_path_factory.mktemp("mini_dbt"))
    parse_manifest(project)
    return project


def load_dag(env: dict[str, str]) -> Any:
    """Execute the DAG file the way the DAG processor does, with ``env`` set."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return runpy.run_path(str(DAG_FILE))["dag"]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def mini_dag(mini_project: Path) -> Any:
    return load_dag(dbt_env(mini_project))


def _task_ids(dag: Any) -> set[str]:
    return {t.task_id for t in dag.tasks}


# --- schedule -------------------------------------------------------------------------------------------------

def test_scheduled_on_any_raw_table_landing(mini_dag: Any) -> None:
    """Data arrival triggers transformation: one raw table updated is enough (any-of, not all-of)."""
    from airflow.sdk import AssetAny

    from gridcarbon.dag_defaults import asset_uri
    from gridcarbon.sources import all_raw_tables

    condition = mini_dag.timetable.asset_condition
    assert isinstance(condition, AssetAny)
    uris = {a.uri for a in condition.objects}
    expected = {asset_uri(t.schema, t.name) for t in all_raw_tables()}
    assert expected and uris == expected
    assert "postgres://warehouse:5432/gridcarbon/raw_tibber/homes" in uris


@pytest.mark.parametrize(("run_type", "previous_success", "scope"), [
    ("asset_triggered", "2026-12-03T08:05:00+00:00", "recent"),  # raw data landed again today: the rebuilt rows
    ("asset_triggered", "2026-12-02T23:55:00+00:00", "all"),     # the first run of the UTC day: every row
    ("asset_triggered", None, "all"),                            # the DAG's first success (or none yet)
    ("manual", "2026-12-03T08:05:00+00:00", "all"),              # Trigger in the UI
    ("backfill", "2026-12-03T08:05:00+00:00", "all"),
])
def test_the_data_tests_read_every_row_except_on_data_arrival_later_the_same_day(
        mini_dag: Any, run_type: str, previous_success: str | None, scope: str) -> None:
    """What the build's environment says to dbt (macros/data_test_scope.sql), rendered as Airflow renders it for a
    run at 2026-12-03 09:10 UTC whose DAG last succeeded at ``previous_success``: with the task runner's own
    context objects (the SDK's DagRun model, ``prev_start_date_success`` as the lazy proxy the runner builds)."""
    import lazy_object_proxy
    from airflow.sdk.api.datamodels._generated import DagRun, DagRunState
    from airflow.utils.types import DagRunType

    run_after = datetime.fromisoformat("2026-12-03T09:10:00+00:00")
    dag_run = DagRun(dag_id="transform_warehouse", run_id="r", logical_date=None, data_interval_start=None,
                     data_interval_end=None, run_after=run_after, start_date=run_after, end_date=None,
                     run_type=DagRunType(run_type), state=DagRunState.RUNNING, consumed_asset_events=[],
                     partition_key=None)
    previous = datetime.fromisoformat(previous_success) if previous_success else None
    context = {"dag_run": dag_run, "prev_start_date_success": lazy_object_proxy.Proxy(lambda: previous)}
    producer = mini_dag.get_task(PRODUCER)
    assert producer.render_template(producer.env, context) == {"GRIDCARBON_DATA_TEST_SCOPE": scope}
    assert not producer.vars  # not --vars: dbt would re-parse the whole project whenever the scope changes


def test_dag_settings(mini_dag: Any) -> None:
    assert mini_dag.dag_id == "transform_warehouse"
    assert mini_dag.catchup is False
    assert mini_dag.max_active_runs == 1
    assert set(mini_dag.tags) == {"transform", "dbt"}
    assert "any raw table" in (mini_dag.doc_md or "").lower()


# --- rendering --------------------------------------------------------------------------------------------------

PRODUCER = "dbt.dbt_producer_watcher"


def test_every_dbt_node_type_is_a_task(mini_dag: Any) -> None:
    """Source freshness, seed, snapshot, models and their tests each show up as a task, then the docs."""
    ids = _task_ids(mini_dag)
    assert {"freshness.source_freshness", "freshness.raw_mini"} <= ids  # one check, one task per source
    assert not any("notes" in i or i.endswith("_source") for i in ids)  # no per-table source task in the graph
    # the seed has a test of its own now: the relationships test from fct_emissions (see the dependencies test)
    assert {"dbt.fuel_factors.seed", "dbt.fuel_factors.test", "dbt.readings_snapshot_snapshot"} <= ids
    assert {"dbt.stg_readings.run", "dbt.stg_readings.test", "dbt.fct_emissions.run", "dbt.fct_emissions.test"} <= ids
    assert "dbt_docs" in ids

    by_id = {t.task_id: t for t in mini_dag.tasks}
    assert type(by_id["freshness.source_freshness"]).__name__ == "SourceFreshnessOperator"
    assert by_id["freshness.source_freshness"].sources == ["raw_mini"]
    assert type(by_id["freshness.raw_mini"]).__name__ == "PythonOperator"
    assert type(by_id["dbt.fuel_factors.seed"]).__name__ == "DbtSeedWatcherOperator"
    assert type(by_id["dbt.readings_snapshot_snapshot"]).__name__ == "DbtSnapshotWatcherOperator"
    assert type(by_id["dbt.fct_emissions.run"]).__name__ == "DbtRunWatcherOperator"
    assert type(by_id["dbt.fct_emissions.test"]).__name__ == "DbtTestWatcherOperator"
    assert type(by_id["dbt_docs"]).__name__ == "DbtDocsIfChangedOperator"


def test_one_dbt_build_per_run_every_other_dbt_task_only_reports(mini_dag: Any) -> None:
    """Watcher mode: exactly one task runs dbt over the graph (`dbt build`, every node, tests included); every
    other task of the `dbt` group is a sensor that reads its node's result, or Cosmos' empty gate."""
    from airflow.sdk.bases.sensor import BaseSensorOperator

    from gridcarbon import dbt_runner

    dbt_tasks = [t for t in mini_dag.tasks if t.task_id.startswith("dbt.")]
    producer = mini_dag.task_dict[PRODUCER]
    assert type(producer).__name__ == "DbtProducerWatcherOperator"
    assert producer.base_cmd == ["build"]
    assert not producer.select and not producer.exclude  # the whole project
    assert producer.dbt_cmd_flags == ["--threads", str(dbt_runner.DEFAULT_THREADS)]
    assert producer.callback is dbt_runner.log_build_resources  # peak memory of the build, in its log
    reporters = [t for t in dbt_tasks if t.task_id not in (PRODUCER, f"{PRODUCER}_done")]
    assert len(reporters) == 7
    not_sensors = [t.task_id for t in reporters if not isinstance(t, BaseSensorOperator)]
    assert not_sensors == [], f"tasks that would run dbt themselves: {not_sensors}"
    assert type(mini_dag.task_dict[f"{PRODUCER}_done"]).__name__ == "EmptyOperator"


def test_dbt_threads_are_configurable(mini_project: Path) -> None:
    dag = load_dag(dbt_env(mini_project, GRIDCARBON_DBT_THREADS="4"))
    assert dag.task_dict[PRODUCER].dbt_cmd_flags == ["--threads", "4"]
    with pytest.raises(ValueError, match="GRIDCARBON_DBT_THREADS"):
        load_dag(dbt_env(mini_project, GRIDCARBON_DBT_THREADS="0"))


def test_reporters_start_once_the_build_has_finished(mini_dag: Any) -> None:
    """The producer is the upstream of every reporter without another upstream, whatever the build's outcome
    (`all_done`): a reporter never waits for a build that has not started (dag.test() runs one task at a time),
    and under the scheduler dbt has the cores to itself while it builds. The rest follows the dbt graph."""
    by_id = mini_dag.task_dict
    producer = by_id[PRODUCER]
    roots = {"dbt.stg_readings.run", "dbt.fuel_factors.seed"}
    assert {i for i in producer.downstream_task_ids if not i.endswith("_done")} == roots
    for task_id in roots:
        assert by_id[task_id].upstream_task_ids == {PRODUCER}
        assert by_id[task_id].trigger_rule == "all_done"
    assert by_id["dbt.fct_emissions.run"].trigger_rule == "all_success"
    assert producer.retries >= 2 and producer.retry_delay.total_seconds() <= 30  # a retry only restores results


def test_build_behavior(mini_project: Path) -> None:
    """GRIDCARBON_DBT_TEST_BEHAVIOR=build: local mode renders one `dbt build` task per node (tests inside);
    watcher mode renders as after_each (its single `dbt build` runs the tests anyway; the demo sets `build`)."""
    local = load_dag(dbt_env(mini_project, GRIDCARBON_DBT_TEST_BEHAVIOR="build", GRIDCARBON_DBT_EXECUTION_MODE="local"))
    ids = _task_ids(local)
    assert {"dbt.stg_readings_model_build", "dbt.fct_emissions_model_build", "dbt.fuel_factors_seed_build",
            "dbt.readings_snapshot_snapshot_build", "freshness.raw_mini"} <= ids, ids
    assert not any(i.endswith(".test") for i in ids)
    assert violations(local, DAG_FILE.read_text()) == []
    watcher = load_dag(dbt_env(mini_project, GRIDCARBON_DBT_TEST_BEHAVIOR="build"))
    assert {"dbt.stg_readings.test", "dbt.fct_emissions.test", PRODUCER} <= _task_ids(watcher)


def test_local_mode_runs_one_dbt_process_per_task(mini_project: Path) -> None:
    """GRIDCARBON_DBT_EXECUTION_MODE=local: the layout before issue 13 (one dbt process per task), kept for
    comparison; a test with several parents gets its own task after all of them."""
    dag = load_dag(dbt_env(mini_project, GRIDCARBON_DBT_EXECUTION_MODE="local"))
    by_id = dag.task_dict
    assert PRODUCER not in by_id
    assert type(by_id["dbt.fct_emissions.run"]).__name__ == "DbtRunLocalOperator"
    assert type(by_id["dbt.fct_emissions.test"]).__name__ == "DbtTestLocalOperator"
    assert by_id["dbt.stg_readings.run"].upstream_task_ids == set()  # reads a raw table only
    detached = "dbt.relationships_fct_emissions_fuel__fuel__ref_fuel_factors__test"
    assert {"dbt.fct_emissions.test", "dbt.fuel_factors_seed"} <= by_id[detached].upstream_task_ids
    assert "relationships_fct_emissions_fuel" in str(by_id["dbt.fct_emissions.test"].exclude)
    assert violations(dag, DAG_FILE.read_text()) == []
    with pytest.raises(ValueError, match="GRIDCARBON_DBT_EXECUTION_MODE"):
        load_dag(dbt_env(mini_project, GRIDCARBON_DBT_EXECUTION_MODE="kubernetes"))


def test_dependencies_follow_the_dbt_graph(mini_dag: Any) -> None:
    by_id = {t.task_id: t for t in mini_dag.tasks}
    assert by_id["dbt.stg_readings.run"].upstream_task_ids == {PRODUCER}  # reads a raw table only
    assert "dbt.stg_readings.test" in by_id["dbt.fct_emissions.run"].upstream_task_ids
    assert "dbt.fuel_factors.test" in by_id["dbt.fct_emissions.run"].upstream_task_ids
    # a test with two parents: `dbt build` runs it once both are built; each parent's test task reports it
    relationships = "test.mini.relationships_fct_emissions_fuel__fuel__ref_fuel_factors_"
    tests_per_model = by_id[PRODUCER].tests_per_model
    for parent in ("model.mini.fct_emissions", "seed.mini.fuel_factors"):
        assert any(t.startswith(relationships) for t in tests_per_model[parent]), tests_per_model
    assert not any("relationships" in i for i in by_id)  # no detached task watching a result nobody writes
    # the docs are regenerated after every dbt node
    dbt_tasks = {i for i in _task_ids(mini_dag) if i.startswith("dbt.")}
    assert by_id["dbt_docs"].get_flat_relative_ids(upstream=True) == dbt_tasks


def test_freshness_alerts_without_gating_any_model(mini_dag: Any) -> None:
    """A stale or never-loaded source fails its own freshness task only: no model, test or docs task waits for
    it (so an ISO outage, or a deployment without an EIA key, does not stop the German marts). One task
    checks every source; each source's task reports its verdict, whatever the check's outcome."""
    freshness = {t.task_id: t for t in mini_dag.tasks if t.task_id.startswith("freshness.")}
    assert sorted(freshness) == ["freshness.raw_mini", "freshness.source_freshness"]
    for task in freshness.values():
        assert task.get_flat_relative_ids(upstream=True) | task.get_flat_relative_ids() <= set(freshness)
    assert freshness["freshness.raw_mini"].upstream_task_ids == {"freshness.source_freshness"}
    assert freshness["freshness.raw_mini"].trigger_rule == "all_done"


def test_sources_a_deployment_does_not_load_can_be_left_out(mini_project: Path) -> None:
    dag = load_dag(dbt_env(mini_project, GRIDCARBON_DBT_FRESHNESS_EXCLUDE="raw_mini, raw_other"))
    assert not any(i.startswith("freshness.") for i in _task_ids(dag))
    assert "dbt.stg_readings.run" in _task_ids(dag)


@pytest.mark.parametrize("scope", ["recent", "all"])
def test_the_build_keeps_the_parse_make_manifest_saved(mini_dag: Any, mini_project: Path, tmp_path: Path,
                                                       scope: str) -> None:
    """dbt keeps a saved parse only for the same vars, --profile and --target: `make manifest` parses with the
    arguments Cosmos gives the build, and the run's data-test scope is an environment variable, not --vars, so
    no run re-parses the whole project (3-5 s each on the real one)."""
    import shutil

    from gridcarbon import dbt_runner

    producer = mini_dag.get_task(PRODUCER)
    assert not producer.vars
    work = tmp_path / "project"
    shutil.copytree(mini_project, work)  # with target/partial_parse.msgpack, as Cosmos copies it into each run
    profile = producer.profile_config
    proc = subprocess.run(
        [str(dbt_runner.dbt_executable()), "--log-level", "debug", "parse", "--project-dir", str(work),
         "--profiles-dir", str(work), "--profile", profile.profile_name, "--target", profile.target_name],
        cwd=work, capture_output=True, text=True, timeout=300,
        env={**os.environ, **dbt_env(work), dbt_runner.DATA_TEST_SCOPE_ENV: scope})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Unable to do partial parsing" not in proc.stdout, proc.stdout[-3000:]
    assert "Partial parsing enabled" in proc.stdout or "partial parse" in proc.stdout.lower()


def test_dbt_runs_from_its_own_virtualenv_with_the_env_var_profile(mini_dag: Any, mini_project: Path) -> None:
    from gridcarbon import dbt_runner

    for task_id in (PRODUCER, "dbt.fct_emissions.run", "dbt_docs"):
        task = mini_dag.task_dict[task_id]
        assert task.dbt_executable_path == str(dbt_runner.dbt_executable()), task_id
        assert Path(task.dbt_executable_path).name == "dbt"
        assert ".venv-dbt" in task.dbt_executable_path or os.environ.get("GRIDCARBON_DBT_EXECUTABLE")
        assert str(task.invocation_mode).lower().endswith("subprocess"), task_id
        assert task.profile_config.profiles_yml_filepath == mini_project / "profiles.yml"
        assert task.profile_config.profile_mapping is None
        # no secret in the rendered task arguments
        assert "password" not in json.dumps({k: str(v) for k, v in vars(task).items()}).lower().replace(
            "dbt_password", ""), task_id


def test_cosmos_tasks_follow_the_house_rules(mini_dag: Any) -> None:
    """Owner, retries >= 2 and exponential backoff reach every Cosmos-generated task (via default_args)."""
    assert violations(mini_dag, DAG_FILE.read_text()) == []


def test_real_project_nodes_map_one_to_one_to_tasks() -> None:
    """Every model, seed, snapshot and freshness-checked source of the real project's manifest is a task."""
    from gridcarbon import dbt_runner

    manifest = dbt_runner.manifest_path()
    if not manifest.exists():
        parse_manifest(dbt_runner.project_dir())
    dag = load_dag({"AIRFLOW__COSMOS__ENABLE_CACHE": "False"})
    data = json.loads(manifest.read_text())
    ids = _task_ids(dag)
    expected = set()
    for node in data["nodes"].values():
        if node["package_name"] != dbt_runner.project_name():
            continue
        kind, name = node["resource_type"], node["name"]
        verb = {"model": "run", "seed": "seed", "snapshot": "snapshot"}.get(kind)
        if verb and node["config"].get("materialized") != "ephemeral":
            # a task group (run + test) when the node has data tests, a plain task otherwise
            grouped = f"dbt.{name}.{verb}"
            expected.add(grouped if grouped in ids else f"dbt.{name}_{verb}")
    for source in data["sources"].values():
        if source["package_name"] == dbt_runner.project_name() and source.get("freshness") and any(
                (source["freshness"].get(k) or {}).get("count") for k in ("warn_after", "error_after")):
            expected.add(f"freshness.{source['source_name']}")
    assert expected <= ids, f"dbt nodes without a task: {sorted(expected - ids)}"
    assert violations(dag, DAG_FILE.read_text()) == []


def test_slim_manifest_renders_the_same_dag(mini_project: Path, mini_dag: Any) -> None:
    """The slim copy Cosmos renders from (no macros/SQL) yields exactly the DAG the full manifest does."""
    import shutil

    from gridcarbon import dbt_runner

    slim = mini_project / "target" / dbt_runner.SLIM_MANIFEST_NAME
    full = mini_project / "target" / "manifest.json"
    assert slim.stat().st_size < full.stat().st_size / 2
    copy = mini_project.parent / "full_only"
    shutil.copytree(mini_project, copy)
    (copy / "target" / dbt_runner.SLIM_MANIFEST_NAME).unlink()
    from_full = load_dag(dbt_env(copy))
    assert _task_ids(from_full) == _task_ids(mini_dag)
    assert {t.task_id: sorted(t.upstream_task_ids) for t in from_full.tasks} == {
        t.task_id: sorted(t.upstream_task_ids) for t in mini_dag.tasks}


def test_a_newer_full_manifest_wins_over_a_stale_slim_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone ran `dbt build` by hand: dbt rewrote manifest.json, the slim copy is stale and is not used."""
    from gridcarbon import dbt_runner

    target = tmp_path / "target"
    target.mkdir()
    slim, full = target / dbt_runner.SLIM_MANIFEST_NAME, target / "manifest.json"
    slim.write_text("{}")
    full.write_text("{}")
    os.utime(slim, (1_000_000, 1_000_000))
    monkeypatch.setenv("GRIDCARBON_DBT_MANIFEST", str(full))
    assert dbt_runner.render_manifest_path() == full
    os.utime(slim, None)
    assert dbt_runner.render_manifest_path() == slim


# --- without a manifest -----------------------------------------------------------------------------------------

def test_missing_manifest_renders_a_placeholder_not_an_import_error(tmp_path: Path) -> None:
    dag = load_dag({"GRIDCARBON_DBT_MANIFEST": str(tmp_path / "absent" / "manifest.json")})
    assert _task_ids(dag) == {"dbt_manifest_missing"}
    assert violations(dag, DAG_FILE.read_text()) == []


def test_placeholder_writes_the_manifest_and_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from gridcarbon import dbt_runner

    project = write_mini_project(tmp_path / "proj")
    for key, value in dbt_env(project).items():
        monkeypatch.setenv(key, value)
    assert not dbt_runner.manifest_available()
    with pytest.raises(AirflowFailException, match="next DAG parse"):
        dbt_runner.manifest_missing()
    assert dbt_runner.manifest_available()


# --- dbt docs in the Airflow UI -----------------------------------------------------------------------------------

@pytest.fixture()
def docs_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from gridcarbon import dbt_runner

    docs = tmp_path / "dbt_docs"
    monkeypatch.setenv("GRIDCARBON_DBT_DOCS_DIR", str(docs))
    monkeypatch.setenv("AIRFLOW__COSMOS__DBT_DOCS_PROJECTS", dbt_runner.docs_projects_config())
    yield docs


def test_publish_docs_replaces_the_site_in_one_step(docs_site: Path, tmp_path: Path) -> None:
    from gridcarbon import dbt_runner

    project = tmp_path / "run"
    (project / "target").mkdir(parents=True)
    for name, body in (("index.html", "<html><head></head>v1</html>"), ("manifest.json", "{}"),
                       ("catalog.json", "{}")):
        (project / "target" / name).write_text(body)
    dbt_runner.publish_docs(project)
    assert (docs_site / "index.html").read_text().endswith("v1</html>")
    (project / "target" / "index.html").write_text("<html><head></head>v2</html>")
    dbt_runner.publish_docs(str(project))
    assert (docs_site / "index.html").read_text().endswith("v2</html>")
    assert sorted(p.name for p in docs_site.parent.iterdir() if p.name.startswith(".dbt_docs")) == []
    (project / "target" / "catalog.json").unlink()
    with pytest.raises(dbt_runner.DbtRunnerError, match=r"catalog\.json"):
        dbt_runner.publish_docs(project)
    assert (docs_site / "index.html").read_text().endswith("v2</html>")  # the old site stays up


def test_cosmos_plugin_serves_the_published_docs(docs_site: Path, tmp_path: Path) -> None:
    """What the Airflow API server mounts under /cosmos (Cosmos' Airflow 3 plugin, Browse menu entry)."""
    from cosmos.plugin.airflow3 import CosmosAF3Plugin, create_cosmos_fastapi_app
    from fastapi.testclient import TestClient

    docs_site.mkdir()
    (docs_site / "index.html").write_text("<html><head></head><body>gridcarbon dbt docs</body></html>")
    (docs_site / "manifest.json").write_text('{"metadata": {"project_name": "gridcarbon"}}')
    (docs_site / "catalog.json").write_text('{"nodes": {}}')
    client = TestClient(create_cosmos_fastapi_app())
    page = client.get("/gridcarbon/dbt_docs_index.html")
    assert page.status_code == 200 and "gridcarbon dbt docs" in page.text
    assert client.get("/gridcarbon/manifest.json").json()["metadata"]["project_name"] == "gridcarbon"
    assert client.get("/gridcarbon/catalog.json").status_code == 200
    views = CosmosAF3Plugin().external_views
    assert any(v["name"] == "dbt Docs (gridcarbon)" and v["href"].endswith("/cosmos/gridcarbon/dbt_docs_index.html")
               for v in views)
