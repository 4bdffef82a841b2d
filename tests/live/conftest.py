"""The real Airflow stack for live tests: api-server, scheduler, dag-processor and triggerer started by
``gridcarbon.airflow_local.AirflowStack`` (what ``make airflow`` runs), on LocalExecutor, with a throwaway
Postgres metadata database, a throwaway warehouse and every source pointed at the replay server.

Interface of the ``live_airflow`` fixture (a :class:`LiveAirflow`), used by test_scheduler.py and the browser test:

- ``base_url``: ``http://127.0.0.1:<port>`` of the API server (UI at ``/``, REST API at ``/api/v2``)
- ``username``, ``password``: the simple auth manager's login
- ``token()``: a JWT for the REST API (cached)
- ``api(method, path, **kwargs) -> requests.Response``: authenticated call, ``path`` like ``"/api/v2/dags"``
- ``log_dir``: directory holding one log file per component (``<component>.log``)
- ``env``: the environment the components run with (dict)
- ``warehouse_db``: name of the throwaway warehouse database
- ``print_log_tails(lines=80)``: print the tail of every component's log (call on failure)

``start_live_airflow(request, replay_server, ...)`` is the same start-up as a context manager, for a module that
needs a stack of its own: another executor (``executor="CeleryExecutor"`` with ``celery_workers``, see
test_celery_executor.py), a name for its databases, environment overrides.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from gridcarbon.airflow_local import AirflowStack, CeleryWorker
from gridcarbon.bootstrap import drop_metadata_database

REPO = Path(__file__).resolve().parents[2]
# Sources the live tests do not load: their freshness checks would fail every transform_warehouse run.
FRESHNESS_EXCLUDE = "raw_eia,raw_netztransparenz,raw_reference"


def _missing(message: str) -> None:
    """Fail under CI (CI=true), skip with the reason elsewhere: never a silent skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hour(dt: datetime) -> datetime:
    return dt.replace(minute=0, second=0, microsecond=0)


@dataclass
class LiveAirflow:
    """The running stack, as the tests see it (see the module docstring)."""

    stack: AirflowStack
    warehouse_db: str
    warehouse_dsn: str
    starts: dict[str, datetime]
    started_at: float
    _session: requests.Session = field(default_factory=requests.Session, repr=False)

    @property
    def base_url(self) -> str:
        return self.stack.base_url

    @property
    def username(self) -> str:
        return self.stack.username

    @property
    def password(self) -> str:
        return self.stack.password

    @property
    def log_dir(self) -> Path:
        return self.stack.log_dir

    @property
    def env(self) -> dict[str, str]:
        return self.stack.env

    @property
    def home(self) -> Path:
        return self.stack.home

    def token(self) -> str:
        return self.stack.token()

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An authenticated REST call; ``path`` like ``"/api/v2/dags"`` (a supervisor thread restarts
        components that die while tests wait)."""
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 60)
        return self._session.request(method, self.base_url + path, headers=headers, **kwargs)

    def api_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``api()`` that fails the test with the answer when the status is not 2xx; returns the JSON body."""
        response = self.api(method, path, **kwargs)
        if not response.ok:
            pytest.fail(f"{method} {path} -> HTTP {response.status_code}: {response.text[:2000]}")
        return response.json() if response.content else None

    def log_tails(self, lines: int = 80) -> str:
        return self.stack.log_tails(lines)

    def print_log_tails(self, lines: int = 80) -> None:
        print(self.log_tails(lines), flush=True)


def _component_env(home: Path, metadata_url: str, warehouse_db: str, warehouse_dsn: str, replay_url: str,
                   pg: tuple[str, str, str], starts: dict[str, datetime]) -> dict[str, str]:
    from gridcarbon.demo import replay_connection_env

    host, port, _ = pg
    docs_dir = home / "dbt_docs"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AIRFLOW_CONN_", "PYTEST_", "COV_"))}
    env.update(replay_connection_env(replay_url))
    env.update({
        "PYTHONPATH": os.pathsep.join([str(REPO / "include"), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        # 2 cores: a few task processes at a time; parse each DAG file once, not every 30 s.
        "AIRFLOW__CORE__PARALLELISM": "6",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "600",
        "AIRFLOW_CONN_WAREHOUSE_POSTGRES": warehouse_dsn,
        "WAREHOUSE_DB": warehouse_db,
        "PGHOST": host, "PGPORT": port,
        "DBT_HOST": host, "DBT_PORT": port, "DBT_DATABASE": warehouse_db,
        "DBT_USER": os.environ.get("DBT_USER", "gridcarbon_transformer"),
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(REPO / "dbt_project")),
        "GRIDCARBON_DBT_EXECUTABLE": os.environ.get("GRIDCARBON_DBT_EXECUTABLE", str(REPO / ".venv-dbt/bin/dbt")),
        "GRIDCARBON_DBT_DOCS_DIR": str(docs_dir),
        "AIRFLOW__COSMOS__DBT_DOCS_PROJECTS": json.dumps(
            {"gridcarbon": {"dir": str(docs_dir), "index": "index.html", "name": "dbt Docs (gridcarbon)"}}),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "GRIDCARBON_DBT_FRESHNESS_EXCLUDE": FRESHNESS_EXCLUDE,
        "GRIDCARBON_HTTP_BACKOFF": "0.01",
        # A few intervals back, so the scheduler's catch-up has a handful of runs to make.
        "SMARD_START": starts["smard_ingest"].isoformat(),
        "TIBBER_START": starts["tibber_ingest"].isoformat(),
        "CAISO_START": starts["caiso_ingest"].isoformat(),
        # SMARD: the German series only (16 mapped tasks a run, not 76); its 48 h lookback covers the
        # household hours the Tibber backfill loads. Tibber without lookback: a run loads exactly its interval.
        "SMARD_REGIONS": "DE",
        "TIBBER_LOOKBACK_HOURS": "0",
    })
    return env


@pytest.fixture(scope="session")
def live_airflow(request: pytest.FixtureRequest, replay_server: Any) -> Iterator[LiveAirflow]:
    """Airflow's four components (``gridcarbon.airflow_local.AirflowStack``, what ``make airflow`` runs) on
    LocalExecutor with a throwaway Postgres metadata database and warehouse, every source on the replay server."""
    with start_live_airflow(request, replay_server) as live:
        yield live


@contextmanager
def start_live_airflow(request: pytest.FixtureRequest, replay_server: Any, *, name: str = "live",
                       executor: str = "LocalExecutor", env: Mapping[str, str] | None = None,
                       celery_workers: Sequence[CeleryWorker] | None = None,
                       starts: Mapping[str, datetime] | None = None) -> Iterator[LiveAirflow]:
    """The stack of ``live_airflow`` with metadata database ``airflow_<name>_<pid>`` and warehouse
    ``gridcarbon_<name>_<pid>``, ``executor``, ``env`` applied over the components' environment (the result is
    ``live.env``) and ``starts`` over the default catch-up starts (``live.starts``); stopped and dropped on exit."""
    began = time.monotonic()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    tag = "live_airflow" if name == "live" else f"live_airflow:{name}"

    def say(line: str) -> None:
        """Straight to the terminal, also when the tests pass (durations belong in every `make test` log)."""
        if reporter is None or capture is None:
            print(f"[{tag}] {line}", file=sys.stderr, flush=True)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"[{tag}] {line}")

    try:
        from gridcarbon.bootstrap import find_server

        pg = find_server()
    except Exception as exc:
        _missing(f"live Airflow tests need a Postgres server (PGHOST/PGPORT/PGUSER): {exc}")
        raise
    os.environ.update(PGHOST=pg[0], PGPORT=pg[1], PGUSER=pg[2])
    if not getattr(replay_server, "base_url", None):
        _missing("live Airflow tests need the replay server (gridcarbon.replay.server.ReplayServer)")
    from gridcarbon import dbt_runner

    if not dbt_runner.manifest_available():
        _missing("dbt manifest missing: run `make manifest` (make test does) before the live tests")
    from gridcarbon.bootstrap import create_database, drop_database

    host, port, user = pg
    now = datetime.now(UTC)
    starts = {
        "smard_ingest": _hour(now) - timedelta(hours=3),   # hourly at :30 -> 2-3 catch-up runs
        "tibber_ingest": _hour(now) - timedelta(hours=3),  # hourly at :05 -> 2-3 catch-up runs
        "caiso_ingest": _hour(now).replace(hour=0) - timedelta(days=3),  # daily at 08:30 -> 2-3 runs
        **(starts or {}),
    }
    pid = os.getpid()
    home = Path(tempfile.mkdtemp(prefix="gridcarbon-live-airflow-"))
    # its own metadata database: the session's airflow_test_<pid> holds the dag.test() runs of other modules
    metadata_db = f"airflow_{name}_{pid}"
    metadata_url = f"postgresql+psycopg2://{user}@{host}:{port}/{metadata_db}"
    warehouse_db = f"gridcarbon_{name}_{pid}"
    warehouse_dsn = f"postgresql://gridcarbon_loader@{host}:{port}/{warehouse_db}"
    component_env = _component_env(home, metadata_url, warehouse_db, warehouse_dsn, replay_server.base_url, pg,
                                   starts)
    component_env["AIRFLOW__CORE__EXECUTOR"] = executor
    if "CeleryExecutor" in executor:  # Celery's task results in the metadata database
        component_env["AIRFLOW__CELERY__RESULT_BACKEND"] = f"db+postgresql://{user}@{host}:{port}/{metadata_db}"
    component_env.update(env or {})
    stack = AirflowStack(env=component_env, port=_free_port(), home=home, host="127.0.0.1",
                         celery_workers=celery_workers)
    # created last: nothing above can fail and leave it behind (the finally below drops it)
    create_database(warehouse_db)
    live = LiveAirflow(stack=stack, warehouse_db=warehouse_db, warehouse_dsn=warehouse_dsn, starts=starts,
                       started_at=began)
    failed_before = request.session.testsfailed
    try:
        stack.prepare()
        stack.start(supervise=True)
        try:
            stack.wait_ready(timeout=240)
            _wait_for_dags(live, timeout=240)
        except Exception:
            live.print_log_tails(60)
            raise
        say(f"Airflow up at {live.base_url} after {time.monotonic() - began:.0f} s ({executor}, "
            f"metadata {metadata_db}, warehouse {warehouse_db}, home {home})")
        yield live
    finally:
        stack.stop()
        if request.session.testsfailed > failed_before:
            say(f"component logs kept in {live.log_dir}")
        else:
            shutil.rmtree(home, ignore_errors=True)
        drop_metadata_database(metadata_url)
        drop_database(warehouse_db)
        say(f"live Airflow stack ran {time.monotonic() - began:.0f} s in total (start-up to tear-down)")


def _wait_for_dags(live: LiveAirflow, timeout: float) -> None:
    """Wait until the DAG processor has serialised the DAGs of every DAG file of dags/ (and failed on none).
    By file, not by DAG id: a file may generate several DAGs (dags/source_ingest.py makes one per source)."""
    expected = {path.name for path in (REPO / "dags").glob("*.py") if not path.name.startswith("_")}
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while time.monotonic() < deadline:
        errors = live.api_json("GET", "/api/v2/importErrors")
        if errors["total_entries"]:
            pytest.fail(f"DAG import errors: {json.dumps(errors['import_errors'], indent=1)[:4000]}")
        dags = live.api_json("GET", "/api/v2/dags", params={"limit": 100})["dags"]
        seen = {Path(d["fileloc"]).name for d in dags}
        if expected <= seen:
            return
        time.sleep(2)
    raise TimeoutError(f"DAGs not serialised after {timeout:.0f} s: no DAG yet from {sorted(expected - seen)}")
