"""One truth for the warehouse's location (``scripts/env.sh``, which every make target sources).

What the user saw: with only ``AIRFLOW_CONN_WAREHOUSE_POSTGRES`` set (to another database, as README's
configuration table offers), ``make demo`` created the raw tables in ``WAREHOUSE_DB`` (default ``gridcarbon``) and
loaded into the connection's database: ``relation "raw_iso.generation_by_fuel" does not exist``.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from gridcarbon.bootstrap import BootstrapError, warehouse_location
from gridcarbon.settings import REPO_ROOT


def _env_sh(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("AIRFLOW_CONN_WAREHOUSE_POSTGRES", "WAREHOUSE_DB", "DBT_DATABASE")}
    env.update(extra)
    return subprocess.run(["bash", "-c", "source scripts/env.sh; echo \"$WAREHOUSE_DB|$DBT_DATABASE|$PGHOST|$PGPORT\""],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_connection_names_the_database_the_make_targets_use() -> None:
    host, port = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGPORT", "5432")
    done = _env_sh({"AIRFLOW_CONN_WAREHOUSE_POSTGRES": f"postgresql://gridcarbon_loader@{host}:{port}/elsewhere"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"elsewhere|elsewhere|{host}|{port}"


def test_a_database_that_disagrees_with_the_connection_stops_make_with_a_clear_message() -> None:
    host, port = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGPORT", "5432")
    done = _env_sh({"AIRFLOW_CONN_WAREHOUSE_POSTGRES": f"postgresql://gridcarbon_loader@{host}:{port}/elsewhere",
                    "WAREHOUSE_DB": "gridcarbon"})
    assert done.returncode != 0
    assert "WAREHOUSE_DB=gridcarbon, but AIRFLOW_CONN_WAREHOUSE_POSTGRES points at elsewhere" in done.stderr


def test_without_a_connection_the_defaults_apply() -> None:
    assert warehouse_location({}) == {}
    done = _env_sh({})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("gridcarbon|gridcarbon|")


@pytest.mark.parametrize("uri", [
    "postgres://u:p%40ss@db.example:6543/wh",
    '{"conn_type": "postgres", "host": "db.example", "port": 6543, "schema": "wh", "login": "u"}',
])
def test_uri_and_json_connections_are_read_alike(uri: str) -> None:
    assert warehouse_location({"AIRFLOW_CONN_WAREHOUSE_POSTGRES": uri}) == {
        "PGHOST": "db.example", "PGPORT": "6543", "WAREHOUSE_DB": "wh"}
    with pytest.raises(BootstrapError, match="PGPORT=5432, but"):
        warehouse_location({"AIRFLOW_CONN_WAREHOUSE_POSTGRES": uri, "PGPORT": "5432"})
