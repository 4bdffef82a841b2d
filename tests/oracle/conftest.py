"""One warehouse database for the oracle tests of a session: created, bootstrapped (roles, schemas, raw tables,
the test pseudonym key) and built once with every seed, the snapshot and every model; dropped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_dbt_attribution import run_dbt
from tests.integration.test_dbt_foundation_raw import ensure_raw_tables
from tests.oracle.harness import PROJECT_DIR


@dataclass
class OracleWarehouse:
    conn: Any  # superuser, autocommit
    work: Path  # dbt target and log directory
    database: str


@pytest.fixture(scope="session")
def oracle_warehouse(pg_server: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[OracleWarehouse]:
    import psycopg2

    from gridcarbon.bootstrap import create_database, drop_database

    host, port, user = pg_server
    database = f"gridcarbon_test_{os.getpid()}_oracle"
    create_database(database)
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=database)
    conn.autocommit = True
    work = tmp_path_factory.mktemp("dbt_oracle")
    try:
        ensure_raw_tables(conn)
        run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
                 "--project-dir", str(PROJECT_DIR)], work, database)
        yield OracleWarehouse(conn, work, database)
    finally:
        conn.close()
        drop_database(database)
