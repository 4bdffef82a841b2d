"""Running the dbt project from Airflow (through Cosmos) and from the command line.

Where things are (each overridable from the environment, nothing secret here):

- ``GRIDCARBON_DBT_PROJECT_DIR``  the dbt project (default ``<repo>/dbt_project``);
- ``GRIDCARBON_DBT_EXECUTABLE``   dbt in its own virtualenv (default ``<repo>/.venv-dbt/bin/dbt``), so dbt's
  dependencies never meet Airflow's;
- ``GRIDCARBON_DBT_MANIFEST``     the manifest Cosmos renders the DAG from (default
  ``<project>/target/manifest.json``, written by ``dbt parse``);
- ``GRIDCARBON_DBT_EXECUTION_MODE`` ``watcher`` (default: ONE ``dbt build`` per DAG run, in the task
  ``dbt.dbt_producer_watcher``; every seed, snapshot and model keeps its task, and so does the data tests of each,
  which report that node's outcome from dbt's JSON log) or ``local`` (one dbt process per task, as before issue 13:
  ~7x slower, kept for comparison and as a fallback);
- ``GRIDCARBON_DBT_THREADS``       dbt threads of the build (default 2, for a 2-core machine);
- ``GRIDCARBON_DBT_TEST_BEHAVIOR`` ``after_each`` (default: a test task after every model/seed/snapshot, so a
  failed test stops only what depends on it) or ``build`` (``local`` mode only: one ``dbt build`` task per node,
  tests inside it; in ``watcher`` mode the single ``dbt build`` runs the tests anyway, so ``build`` renders like
  ``after_each``);
- ``GRIDCARBON_DBT_DOCS_DIR``     where the pipeline publishes the dbt docs site (default ``<repo>/.local/dbt_docs``);
  Cosmos' Airflow 3 plugin serves it when ``AIRFLOW__COSMOS__DBT_DOCS_PROJECTS`` points at the same directory
  (``python -m gridcarbon.dbt_runner docs-config`` prints that value).

The profile is the project's own ``profiles.yml`` (env-var based: ``DBT_HOST``, ``DBT_PORT``, ``DBT_USER``,
``DBT_PASSWORD``, ``DBT_DATABASE``). The password only ever lives in the worker's environment (or a secrets
backend that exports it); it is in no file, no DAG code, and Cosmos does not log it because it never reads it.

Command line::

    python -m gridcarbon.dbt_runner manifest     # dbt parse -> target/manifest.json and the slim
                                                 # target/manifest.cosmos.json (no database connection)
    python -m gridcarbon.dbt_runner docs         # dbt docs generate, published into the docs dir
    python -m gridcarbon.dbt_runner docs-config  # the JSON for AIRFLOW__COSMOS__DBT_DOCS_PROJECTS
    python -m gridcarbon.dbt_runner paths        # the resolved paths, for humans

Importing this module is cheap (no Cosmos, no Airflow): the DAG file calls it at parse time.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from gridcarbon.settings import REPO_ROOT, env_int, env_list, env_str

log = logging.getLogger(__name__)

DOCS_SLUG = "gridcarbon"
DOCS_FILES = ("index.html", "manifest.json", "catalog.json")
TARGET_NAME_ENV = "GRIDCARBON_DBT_TARGET"
SLIM_MANIFEST_NAME = "manifest.cosmos.json"
# what Cosmos reads of a manifest resource (cosmos.dbt.graph._build_dbt_node_from_manifest_resource), plus names
SLIM_RESOURCE_KEYS = ("unique_id", "name", "alias", "resource_type", "package_name", "original_file_path", "path",
                      "fqn", "tags", "config", "depends_on", "freshness", "loaded_at_field", "source_name",
                      "database", "schema", "identifier", "loaded_at_query")


class DbtRunnerError(RuntimeError):
    """A dbt command run from here failed; the message carries the command and dbt's output tail."""


def project_dir() -> Path:
    return Path(env_str("GRIDCARBON_DBT_PROJECT_DIR", str(REPO_ROOT / "dbt_project"))).resolve()


def dbt_executable() -> Path:
    return Path(env_str("GRIDCARBON_DBT_EXECUTABLE", str(REPO_ROOT / ".venv-dbt" / "bin" / "dbt")))


def manifest_path() -> Path:
    return Path(env_str("GRIDCARBON_DBT_MANIFEST", str(project_dir() / "target" / "manifest.json")))


def render_manifest_path() -> Path:
    """What Cosmos renders from: the slim copy written next to the manifest by ``generate_manifest()`` when it is
    at least as new as dbt's manifest (a ``dbt build`` run by hand rewrites the manifest; it then wins)."""
    full = manifest_path()
    slim = full.with_name(SLIM_MANIFEST_NAME)
    try:
        if slim.stat().st_mtime >= full.stat().st_mtime:
            return slim
    except FileNotFoundError:
        pass
    return full


def docs_dir() -> Path:
    return Path(env_str("GRIDCARBON_DBT_DOCS_DIR", str(REPO_ROOT / ".local" / "dbt_docs")))


def profiles_yml() -> Path:
    return project_dir() / "profiles.yml"


def _project_yml() -> dict[str, Any]:
    path = project_dir() / "dbt_project.yml"
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    return _read_yaml(str(path), stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _read_yaml(path: str, mtime_ns: int) -> dict[str, Any]:
    """Parsed once per file version: a DAG parse asks for the project's name a dozen times."""
    import yaml

    return yaml.safe_load(Path(path).read_text()) or {}


def project_name() -> str:
    return str(_project_yml().get("name", "gridcarbon"))


def profile_name() -> str:
    return str(_project_yml().get("profile", project_name()))


def target_name() -> str:
    return env_str(TARGET_NAME_ENV, "dev")


def manifest_available() -> bool:
    return render_manifest_path().is_file()


def docs_projects_config() -> str:
    """The value for ``AIRFLOW__COSMOS__DBT_DOCS_PROJECTS`` (Cosmos' Airflow 3 docs plugin, Browse menu)."""
    return json.dumps({DOCS_SLUG: {"dir": str(docs_dir()), "index": "index.html", "name": "dbt Docs (gridcarbon)"}})


# --- Cosmos configuration (Cosmos imported lazily: the DAG file imports this module at parse time) -----------

EXECUTION_MODE_ENV = "GRIDCARBON_DBT_EXECUTION_MODE"
EXECUTION_MODES = ("watcher", "local")
# The data tests' scope of a transform_warehouse run (dbt_project/macros/data_test_scope.sql): an
# asset-triggered run (raw data landed) tests the rows it rebuilt, unless it is the first run of its UTC day (or
# the first after a failed run: the previous successful run started on an earlier day); that run, manual runs and
# backfills test every row. Rendered by Airflow when the task runs (Cosmos templates `env`) into the environment
# variable DATA_TEST_SCOPE_ENV, not into `--vars`: dbt re-parses the whole project (3-5 s) whenever its vars
# differ from those of the parse it saved, which alternating scopes would cause on nearly every run.
DATA_TEST_SCOPE_ENV = "GRIDCARBON_DATA_TEST_SCOPE"
DATA_TEST_SCOPE_TEMPLATE = (
    "{{ 'recent' if dag_run.run_type == 'asset_triggered' and prev_start_date_success"
    " and prev_start_date_success.date() == dag_run.run_after.date() else 'all' }}"
)
THREADS_ENV = "GRIDCARBON_DBT_THREADS"
DEFAULT_THREADS = 2
FRESHNESS_CHECK_TASK_ID = "source_freshness"


def execution_mode() -> str:
    mode = env_str(EXECUTION_MODE_ENV, "watcher").strip().lower()
    if mode not in EXECUTION_MODES:
        raise ValueError(f"{EXECUTION_MODE_ENV} must be one of {EXECUTION_MODES}, got {mode!r}")
    return mode


def dbt_threads() -> int:
    threads = env_int(THREADS_ENV, DEFAULT_THREADS)
    if threads < 1:
        raise ValueError(f"{THREADS_ENV} must be 1 or more, got {threads}")
    return threads


def cosmos_configs() -> dict[str, Any]:
    """The Cosmos config objects for ``DbtTaskGroup``/``DbtDag``: rendered from the manifest, run with dbt from
    its own virtualenv, connected through the project's env-var ``profiles.yml``.

    ``watcher`` mode (default): Cosmos adds a producer task that runs ONE ``dbt build`` (``--log-format json``,
    parsed line by line into XCom) and renders every seed, snapshot and model (and the data tests of each) as a
    consumer sensor reporting that node's outcome. ``local`` mode: one dbt process per task."""
    from cosmos import (
        ExecutionConfig,
        ExecutionMode,
        InvocationMode,
        LoadMode,
        ProfileConfig,
        ProjectConfig,
        RenderConfig,
        SourceRenderingBehavior,
        TestBehavior,
    )

    watcher = execution_mode() == "watcher"
    project = ProjectConfig(
        dbt_project_path=project_dir(),
        manifest_path=manifest_path(),
        project_name=project_name(),
        install_dbt_deps=any((project_dir() / f).exists() for f in ("packages.yml", "dependencies.yml")),
    )
    # Cosmos wraps the path in an ObjectStoragePath, whose first open() loads every Airflow plugin entry point
    # (~0.35 s in a fresh interpreter, a third of the parse budget). The manifest is a local file: read it with
    # pathlib, which the loader accepts (it only calls .open() and .exists()).
    project.manifest_path = render_manifest_path()
    profile = ProfileConfig(
        profile_name=profile_name(),
        target_name=target_name(),
        profiles_yml_filepath=profiles_yml(),
    )
    execution = ExecutionConfig(
        execution_mode=ExecutionMode.WATCHER if watcher else ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.SUBPROCESS,  # dbt is not importable in Airflow's virtualenv
        dbt_executable_path=str(dbt_executable()),
        # the producer only: its peak memory is logged; a retry of it never re-runs dbt (Cosmos restores the
        # first try's node results and skips), so it waits seconds, not the production backoff
        setup_operator_args={"callback": log_build_resources, "retry_delay": timedelta(seconds=5),
                             "max_retry_delay": timedelta(seconds=30)} if watcher else None,
    )
    behavior = TestBehavior(env_str("GRIDCARBON_DBT_TEST_BEHAVIOR", TestBehavior.AFTER_EACH.value))
    if watcher and behavior == TestBehavior.BUILD:
        # the producer's `dbt build` runs every test after its model anyway; Cosmos has no "build" consumer
        behavior = TestBehavior.AFTER_EACH
    render = RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        # default: a run task and a test task per model/seed/snapshot, so a failure points at one node
        test_behavior=behavior,
        # local mode: a test with several parents (relationships, singular tests across models) gets its own
        # task after all of them; otherwise the first parent's test task would run it against models not built
        # yet. Watcher mode: `dbt build` orders such a test itself and every parent's test task reports it (a
        # detached test task would watch an XCom key the producer never writes).
        should_detach_multiple_parents_tests=not watcher,
        # no source tasks inside the graph: Cosmos would make each freshness check a parent of its staging
        # models, so one stale or never-loaded source (an ISO outage, no EIA key) would stop every mart.
        # Freshness runs beside the graph instead (freshness_sources(), the DAG's `freshness` group).
        source_rendering_behavior=SourceRenderingBehavior.NONE,
    )
    return {"project_config": project, "profile_config": profile, "execution_config": execution,
            "render_config": render, "operator_args": {"dbt_cmd_flags": ["--threads", str(dbt_threads())],
                                                       "env": {DATA_TEST_SCOPE_ENV: DATA_TEST_SCOPE_TEMPLATE}}}


def dbt_command_args(configs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a stand-alone Cosmos dbt operator (the docs task) matching ``cosmos_configs()``."""
    return {
        "project_dir": str(project_dir()),
        "profile_config": configs["profile_config"],
        "dbt_executable_path": str(dbt_executable()),
        "invocation_mode": configs["execution_config"].invocation_mode,
        "install_deps": configs["project_config"].install_dbt_deps,
    }


def watch_after_the_build(dag: Any, group_id: str) -> int:
    """Make the watcher producer of ``group_id`` the upstream of every consumer task that has no other upstream
    (seeds, snapshots and staging models reading only sources), with trigger rule ``all_done``; returns how many.

    Cosmos' ``DbtTaskGroup`` starts those consumers together with the producer (they poll XCom, deferring to the
    triggerer). Here they start once the build has finished, whatever its outcome, and find their node's result
    at the first look: no task waits in a worker slot or in the triggerer, dbt has both cores to itself while it
    builds, and ``dag.test()`` (which runs one task at a time) cannot start a consumer before the producer.
    The rest of the graph keeps dbt's dependencies, so a failed model's descendants end ``upstream_failed``."""
    producer = dag.task_dict.get(f"{group_id}.dbt_producer_watcher")
    if producer is None:
        return 0
    done = f"{group_id}.dbt_producer_watcher_done"
    roots = [t for t in dag.tasks if t.task_id.startswith(f"{group_id}.") and not t.upstream_task_ids
             and t.task_id not in (producer.task_id, done)]
    for task in roots:
        producer >> task
        task.trigger_rule = "all_done"
    return len(roots)


def log_build_resources(project_path: str | Path, **_: Any) -> None:
    """Producer callback: log the peak memory of the dbt process that just built the project (the largest child
    process waited for; dbt's threads share its memory)."""
    import resource

    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    log.info("dbt build peak memory (largest child process): %.0f MiB, %s threads", peak_kib / 1024, dbt_threads())


FRESHNESS_EXCLUDE_ENV = "GRIDCARBON_DBT_FRESHNESS_EXCLUDE"


def declares_freshness(source: dict[str, Any]) -> bool:
    """A manifest source entry with a warn_after or error_after count (``freshness: null`` opts a table out)."""
    freshness = source.get("freshness") or {}
    return any((freshness.get(key) or {}).get("count") for key in ("warn_after", "error_after"))


def freshness_sources() -> list[str]:
    """The dbt sources (``source:<name>`` groups) with at least one table declaring freshness, read from the
    rendering manifest, minus those listed in ``GRIDCARBON_DBT_FRESHNESS_EXCLUDE`` (comma-separated: the
    sources a deployment does not load, e.g. ``raw_eia`` without an EIA key). One check task per source."""
    path = render_manifest_path()
    if not path.is_file():
        return []
    excluded = set(env_list(FRESHNESS_EXCLUDE_ENV, []))
    sources = json.loads(path.read_text()).get("sources", {}).values()
    return sorted({s["source_name"] for s in sources
                   if s.get("package_name") == project_name() and declares_freshness(s)} - excluded)


def manifest_missing() -> None:
    """The placeholder task of ``transform_warehouse`` when the DAG was parsed without a manifest: write the
    manifest (so the next parse renders the dbt graph) and fail, so no run pretends the warehouse was built."""
    from airflow.sdk.exceptions import AirflowFailException

    path = manifest_path()
    message = (f"dbt manifest {path} was missing when the DAG was parsed, so no dbt task was rendered. "
               "Run `python -m gridcarbon.dbt_runner manifest` (done by make test/demo/airflow) ")
    try:
        generate_manifest()
    except DbtRunnerError as exc:
        raise AirflowFailException(message + f"; generating it here failed: {exc}") from exc
    raise AirflowFailException(message + "; it has now been written: the graph appears at the next DAG parse, "
                               "then trigger the DAG again.")


# --- dbt on the command line ---------------------------------------------------------------------------------

def transformer_env(database: str, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """dbt's connection variables (``profiles.yml``) for ``database`` on the server of ``PGHOST``/``PGPORT``, as
    the transformer role: for scripts and tests that build the project into a database of their own."""
    return {"DBT_DATABASE": database, "DBT_HOST": environ.get("PGHOST", "127.0.0.1"),
            "DBT_PORT": environ.get("PGPORT", "5432"), "DBT_USER": "gridcarbon_transformer"}


def dbt_connection(environ: Mapping[str, str] = os.environ) -> Any:
    """A psycopg2 connection as dbt's profile connects (``profiles.yml``: ``DBT_HOST``, ``DBT_PORT``, ``DBT_USER``,
    ``DBT_PASSWORD``, ``DBT_DATABASE``, the same defaults), for what the DAG checks beside dbt (source freshness,
    whether the docs are current). The password is read from the environment and never logged."""
    import psycopg2

    return psycopg2.connect(host=environ.get("DBT_HOST", "127.0.0.1"), port=int(environ.get("DBT_PORT", "5432")),
                            user=environ.get("DBT_USER", "gridcarbon_transformer"),
                            password=environ.get("DBT_PASSWORD", ""),
                            dbname=environ.get("DBT_DATABASE", "gridcarbon"),
                            application_name="gridcarbon transform_warehouse")


def run_dbt(args: Sequence[str], *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on the project (its profiles), with ``env`` over the process environment; no usage
    telemetry unless asked for. A failure is a ``DbtRunnerError`` naming the command, the failing nodes and
    dbt's output tail."""
    exe = dbt_executable()
    if not exe.exists():
        raise DbtRunnerError(f"dbt executable {exe} not found (make venv, or set GRIDCARBON_DBT_EXECUTABLE)")
    cmd = [str(exe), *args, "--project-dir", str(project_dir()), "--profiles-dir", str(profiles_yml().parent)]
    proc = subprocess.run(cmd, cwd=project_dir(), capture_output=True, text=True, timeout=timeout,
                          env={"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **os.environ, **(env or {})})
    if proc.returncode != 0:
        lines = (proc.stdout + proc.stderr).splitlines()
        failures = [line for line in lines[:-40] if " ERROR " in line or " FAIL " in line]
        tail = "\n".join([*failures, *(["..."] if failures else []), *lines[-40:]])
        raise DbtRunnerError(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{tail}")
    return proc


def generate_manifest() -> Path:
    """``dbt parse``: writes ``target/manifest.json``. Needs the profile (env vars have defaults) but opens no
    database connection, so it works before the warehouse exists.

    With ``--profile`` and ``--target`` as Cosmos passes them to every dbt command: dbt keeps the parse it saves
    (``partial_parse.msgpack``, which Cosmos copies into each run) only for the same vars, profile and target
    arguments, and re-parses the whole project otherwise (~3 s of every transform run)."""
    target = manifest_path().parent
    run_dbt(["parse", "--target-path", str(target), "--profile", profile_name(), "--target", target_name()])
    slim = write_slim_manifest(manifest_path())
    log.info("dbt manifest written to %s (for rendering: %s)", manifest_path(), slim)
    return manifest_path()


def write_slim_manifest(full: Path) -> Path:
    """A copy of the manifest with only what Cosmos renders from (nodes, sources, selectors; no macros, docs or
    SQL): about a tenth of the size, so the DAG file parses in well under a second. Exposures are left out too:
    they document BI consumers (dbt docs), they are not tasks, and Cosmos would warn on every parse."""
    data = json.loads(full.read_text())

    def slim(resources: dict[str, Any]) -> dict[str, Any]:
        return {uid: {k: res[k] for k in SLIM_RESOURCE_KEYS if k in res} for uid, res in resources.items()}

    out = {"metadata": data.get("metadata", {}), "selectors": data.get("selectors", {}),
           "nodes": slim(data.get("nodes", {})), "sources": slim(data.get("sources", {})), "exposures": {}}
    path = full.with_name(SLIM_MANIFEST_NAME)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, separators=(",", ":")))
    tmp.replace(path)
    return path


DOCS_FINGERPRINT_FILE = ".fingerprint"
# what is not part of the project's definition: dbt's own output, and the local user id file
_NOT_PROJECT = ("target", "logs", "dbt_packages", ".user.yml")
# every column of every relation outside Postgres' own schemas, with its type, owner and comments: what dbt's
# catalog (catalog.json) is made of
_CATALOG_FINGERPRINT_SQL = """
    select md5(coalesce(string_agg(concat_ws(
               '|', n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner), obj_description(c.oid, 'pg_class'),
               a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), col_description(c.oid, a.attnum)),
           E'\\n' order by n.nspname, c.relname, a.attnum), ''))
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where c.relkind in ('r', 'p', 'v', 'm', 'f')
      and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
"""


def docs_fingerprint(conn: Any, environ: Mapping[str, str] = os.environ) -> str:
    """What the dbt docs site is made of, hashed: every file of the dbt project (models, YAML, docs blocks, seeds,
    macros, profiles.yml), the dbt executable, the target database, and the warehouse catalog (relations, columns,
    types, owners, comments). A site generated for the same fingerprint is identical but for compiled watermarks
    and its ``generated_at``: dbt-postgres' catalog has no row counts or statistics."""
    import hashlib

    digest = hashlib.sha256()
    root = project_dir()
    for path in sorted(p for p in root.rglob("*") if p.is_file()
                       and p.relative_to(root).parts[0] not in _NOT_PROJECT):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    exe = dbt_executable()
    digest.update(f"{exe}:{exe.stat().st_mtime_ns if exe.exists() else 0}".encode())
    digest.update(":".join(environ.get(k, "") for k in ("DBT_HOST", "DBT_PORT", "DBT_DATABASE")).encode())
    with conn.cursor() as cur:
        cur.execute(_CATALOG_FINGERPRINT_SQL)
        digest.update(str(cur.fetchone()[0]).encode())
    return digest.hexdigest()


def current_docs_fingerprint() -> str:
    """``docs_fingerprint`` of the warehouse dbt builds into (``dbt_connection()``, opened and closed here)."""
    conn = dbt_connection()
    try:
        return docs_fingerprint(conn)
    finally:
        conn.close()


def published_docs_fingerprint() -> str | None:
    """The fingerprint the published docs site was generated for (None: no site, or one without it)."""
    path = docs_dir() / DOCS_FINGERPRINT_FILE
    if not all((docs_dir() / name).is_file() for name in DOCS_FILES) or not path.is_file():
        return None
    return path.read_text().strip() or None


def publish_docs(project_path: str | Path, fingerprint: str | None = None, **_: Any) -> Path:
    """Copy a generated docs site (``index.html``, ``manifest.json``, ``catalog.json``) from a dbt project's
    ``target/`` into the docs dir, replacing the previous site in one rename (readers never see half a site),
    with the ``fingerprint`` it was generated for, if given.

    Used as the docs task's callback (called with the temporary project copy) and by
    ``python -m gridcarbon.dbt_runner docs``.
    """
    source = Path(project_path)
    if (source / "target").is_dir():
        source = source / "target"
    missing = [f for f in DOCS_FILES if not (source / f).is_file()]
    if missing:
        raise DbtRunnerError(f"dbt docs in {source} are incomplete, missing {missing}")
    dest = docs_dir()
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dbt_docs.", dir=dest.parent))
    for name in DOCS_FILES:
        shutil.copy2(source / name, staging / name)
    if fingerprint:
        (staging / DOCS_FINGERPRINT_FILE).write_text(fingerprint + "\n")
    staging.chmod(0o755)
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    staging.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    log.info("dbt docs published to %s", dest)
    return dest


def generate_docs() -> Path:
    """``dbt docs generate`` (needs the warehouse for the catalog) into a scratch target, then publish."""
    fingerprint = current_docs_fingerprint()
    with tempfile.TemporaryDirectory(prefix="dbt_docs_") as tmp:
        run_dbt(["docs", "generate", "--target-path", tmp])
        return publish_docs(tmp, fingerprint)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    command = argv[0] if argv else ""
    try:
        if command == "manifest":
            print(generate_manifest())
        elif command == "docs":
            print(generate_docs())
        elif command == "docs-config":
            print(docs_projects_config())
        elif command == "paths":
            for name, value in (("project", project_dir()), ("dbt", dbt_executable()),
                                ("manifest", manifest_path()), ("rendered", render_manifest_path()),
                                ("profiles", profiles_yml()), ("docs", docs_dir())):
                print(f"{name:<9} {value}")
        else:
            print(__doc__)
            return 2
    except DbtRunnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
