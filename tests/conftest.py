"""Shared fixtures: the recorded payloads (read in place), a real Postgres database per test session, and
the replay server."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from gridcarbon.settings import fixtures_dir

os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("GRIDCARBON_HTTP_BACKOFF", "0.01")  # HTTP retries without waiting in tests
# Every test warehouse gets this household pseudonym key from the bootstrap (not a random one), so expected
# household ids can be computed (tests/integration/dbt_helpers.py); the developer's own key is not used.
TEST_PSEUDONYM_KEY = "gridcarbon-test-pseudonym-key-0f3c9a"
os.environ["GRIDCARBON_PSEUDONYM_KEY"] = TEST_PSEUDONYM_KEY

# Tests never touch the developer's Airflow home: a throwaway one whose metadata database is a throwaway
# Postgres database on the test server (as in production; SQLite's writer lock is not what users run), set
# before anything imports Airflow (Airflow reads its configuration at import time). Created and migrated by
# the ``airflow_db`` fixture, dropped at exit.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="gridcarbon-test-airflow-"))
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
_AIRFLOW_METADATA_DB = f"airflow_test_{os.getpid()}"
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
    f"postgresql+psycopg2://{os.environ.get('PGUSER', 'postgres')}@{os.environ.get('PGHOST', '127.0.0.1')}:"
    f"{os.environ.get('PGPORT', '5432')}/{_AIRFLOW_METADATA_DB}")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "dags")


def fixture_path(relative: str) -> Path:
    """Path to a recorded payload in ``../shared/fixtures``.

    Where the folder is absent the test is skipped with a reason, except under CI (``CI=true``), where a
    missing fixture fails the test.
    """
    path = fixtures_dir() / relative
    if not path.exists():
        message = f"recorded fixture {path} is missing (set GRIDCARBON_FIXTURES_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _registered_secrets_stay_in_their_test() -> Iterator[None]:
    """Secrets registered for masking are process-wide (as they should be in a task). A test that registers
    e.g. "invalid" as a password must not mask the word in another test's error messages."""
    from gridcarbon import http

    saved = (set(http._secrets), http._secrets_re)
    yield
    with http._secrets_lock:
        http._secrets.clear()
        http._secrets.update(saved[0])
        http._secrets_re = saved[1]


@pytest.fixture(scope="session")
def pg_server() -> tuple[str, str, str]:
    from gridcarbon.bootstrap import find_server

    host, port, user = find_server()
    os.environ.update(PGHOST=host, PGPORT=port, PGUSER=user)
    return host, port, user


@pytest.fixture(scope="module")
def warehouse_db(pg_server: tuple[str, str, str], request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh warehouse database for each test module (schemas, roles, raw tables), dropped afterwards, so
    no module sees another module's rows (creating one takes ~0.3 s).

    Yields the loader's DSN; ``AIRFLOW_CONN_WAREHOUSE_POSTGRES`` points at it for code under test.
    """
    from gridcarbon.bootstrap import create_database, drop_database

    host, port, _ = pg_server
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")[:30]
    name = f"gridcarbon_test_{os.getpid()}_{module}"
    create_database(name)
    dsn = f"postgresql://gridcarbon_loader@{host}:{port}/{name}"
    previous = os.environ.get("AIRFLOW_CONN_WAREHOUSE_POSTGRES")
    os.environ["AIRFLOW_CONN_WAREHOUSE_POSTGRES"] = dsn
    os.environ["GRIDCARBON_TEST_DATABASE"] = name
    try:
        yield dsn
    finally:
        if previous is None:
            os.environ.pop("AIRFLOW_CONN_WAREHOUSE_POSTGRES", None)
        else:
            os.environ["AIRFLOW_CONN_WAREHOUSE_POSTGRES"] = previous
        drop_database(name)


@pytest.fixture()
def admin_conn(warehouse_db: str, pg_server: tuple[str, str, str]) -> Iterator[object]:
    """A superuser connection to the test database, for assertions."""
    import psycopg2

    host, port, user = pg_server
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=os.environ["GRIDCARBON_TEST_DATABASE"])
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(scope="session")
def replay_server() -> Iterator[object]:
    from gridcarbon.replay.server import ReplayServer

    with ReplayServer() as server:
        yield server


@pytest.fixture()
def replay_connections(replay_server: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """Point every source connection at the replay server (the way users point them at a mirror)."""
    from gridcarbon.demo import replay_connection_env

    for key, value in replay_connection_env(replay_server.base_url).items():  # type: ignore[attr-defined]
        monkeypatch.setenv(key, value)
    return replay_server


@pytest.fixture(scope="session")
def airflow_db(pg_server: tuple[str, str, str]) -> Iterator[Path]:
    """Airflow's metadata database (a throwaway Postgres database), migrated once per session, dropped after."""
    from gridcarbon.bootstrap import drop_database, ensure_metadata_database

    ensure_metadata_database(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
        yield _AIRFLOW_HOME
    finally:
        from airflow.settings import dispose_orm

        dispose_orm()  # close this process's pooled connections, or the drop waits for them
        drop_database(_AIRFLOW_METADATA_DB)


@pytest.fixture()
def run_dag(airflow_db: Path, warehouse_db: str, replay_connections: object) -> Callable[..., object]:
    """Run a DAG of ``dags/`` through Airflow's own code path (``dag.test``) as a manual run whose conf sets
    the window (like *Trigger DAG w/ config* in the UI), against the replay server and the test warehouse.
    The run's logical date is now, so windows before the DAG's start_date work too. Returns the DagRun."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert not bag.import_errors, bag.import_errors

    def _run(dag_id: str, start: datetime, end: datetime, **conf: object) -> object:
        dag = bag.dags[dag_id]
        run_conf = {"window_start": start.isoformat(), "window_end": end.isoformat(), **conf}
        return dag.test(run_conf=run_conf)  # a manual run "now" whose conf sets the window, as in the UI

    return _run
