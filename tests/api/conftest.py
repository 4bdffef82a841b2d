"""Fixtures of the carbon API tests: a built test warehouse, Airflow's auth manager with real tokens, the app.

- ``api_warehouse``: a database of its own (``gridcarbon_test_<pid>_api``) with the raw rows of
  ``warehouse_data.py`` loaded by the loaders' ``replace_window`` and the marts the API reads built by the real
  dbt project (selection: the four emission marts and ``dim_households`` with their parents; data tests are the
  dbt suites' business). Built once per session (~20 s), dropped afterwards.
- ``auth``: Airflow's configured auth manager (the simple auth manager, users ``admin:admin``) initialised in
  this process on the session's migrated metadata database (token revocation is looked up there), with tokens
  it signed: ``admin`` (role admin) and ``nobody`` (no role).
- ``app`` / ``client``: ``create_app()`` reading the test warehouse as ``bi_reader``; the client sends the
  admin token.
- ``served_app``: the same app behind a real HTTP server (uvicorn in a thread) for clients that need a socket
  (aiohttp, the browser).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.warehouse_data import load_raw_rows, run_dbt
from tests.integration.test_dbt_foundation_raw import ensure_raw_tables

MART_SELECTION = ["+fct_grid_carbon_intensity", "+fct_household_emissions", "+agg_household_emissions_monthly",
                  "+fct_grid_generation_by_fuel", "+fct_grid_locality_intensity",
                  "+agg_household_emissions_yearly", "+dim_households"]


@dataclass(frozen=True)
class ApiWarehouse:
    database: str
    host: str
    port: str
    superuser: str

    @property
    def bi_dsn(self) -> str:
        password = os.environ.get("WAREHOUSE_BI_READER_PASSWORD")
        secret = f":{password}" if password else ""
        return f"postgresql://bi_reader{secret}@{self.host}:{self.port}/{self.database}"

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """As the superuser, for the tests' expectations (the API itself reads as bi_reader)."""
        import psycopg2

        conn = psycopg2.connect(host=self.host, port=self.port, user=self.superuser, dbname=self.database)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()


@pytest.fixture(scope="session")
def api_warehouse(pg_server: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[ApiWarehouse]:
    import psycopg2

    from gridcarbon.bootstrap import create_database, drop_database

    host, port, user = pg_server
    database = f"gridcarbon_test_{os.getpid()}_api"
    create_database(database)
    try:
        admin = psycopg2.connect(host=host, port=port, user=user, dbname=database)
        admin.autocommit = True
        try:
            ensure_raw_tables(admin)  # every contract raw table the staging models read, loaded or not
        finally:
            admin.close()
        load_raw_rows(f"postgresql://gridcarbon_loader@{host}:{port}/{database}")
        run_dbt(["build", "--select", *MART_SELECTION, "--exclude-resource-type", "test",
                 "--exclude-resource-type", "unit_test"], database, tmp_path_factory.mktemp("dbt_api"))
        yield ApiWarehouse(database, host, port, user)
    finally:
        drop_database(database)


@pytest.fixture(autouse=True)
def _test_jwt_secret_is_short() -> None:
    """The test session's Airflow generates a 22-character JWT secret, shorter than PyJWT recommends for HS512
    (the stacks of ``gridcarbon.airflow_local`` use 64): not worth a warning per request here."""
    from jwt.warnings import InsecureKeyLengthWarning

    warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)


@dataclass(frozen=True)
class Auth:
    manager: Any
    admin_token: str
    roleless_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}


@pytest.fixture(scope="session")
def auth(airflow_db: Path) -> Auth:
    from airflow.api_fastapi.app import init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    manager = init_auth_manager()
    admin = manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
    nobody = manager.generate_jwt(SimpleAuthManagerUser(username="nobody", role=None))
    return Auth(manager, admin, nobody)


@pytest.fixture(scope="session")
def app(api_warehouse: ApiWarehouse, auth: Auth) -> Iterator[Any]:
    from gridcarbon.api.app import create_app
    from gridcarbon.api.settings import ApiSettings

    application = create_app(ApiSettings(dsn=api_warehouse.bi_dsn))
    yield application
    application.state.reader.close()


@pytest.fixture(scope="session")
def client(app: Any, auth: Auth) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app, headers=auth.headers) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def served_app(app: Any) -> Iterator[str]:
    """``app`` on a real socket (uvicorn in a daemon thread); yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                          lifespan="off"))
    thread = threading.Thread(target=server.run, name="carbon-api-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
