"""docker-compose.yaml is validated statically (no Docker engine runs in CI): a user running
`docker compose up` gets Postgres 16 with separate warehouse and metadata databases, and the five Airflow 3
services on LocalExecutor, built from the Dockerfile that installs our locks and the dbt virtualenv."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer"}


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yaml").read_text())


def test_services_and_images() -> None:
    services = _compose()["services"]
    assert AIRFLOW_SERVICES | {"postgres"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    for name in AIRFLOW_SERVICES:
        svc = services[name]
        assert svc["build"] == ".", name
        assert svc["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert svc["environment"]["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    commands = {n: services[n]["command"] for n in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {"airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
                        "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer"}


def test_metadata_and_warehouse_are_separate_databases() -> None:
    env = _compose()["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres:5432/airflow")
    assert env["AIRFLOW_CONN_WAREHOUSE_POSTGRES"].endswith("@postgres:5432/gridcarbon")
    init = (REPO / "docker" / "postgres-init.sh").read_text()
    assert "create database airflow" in init and "create database gridcarbon" in init


def test_long_running_services_have_healthchecks_and_project_volumes() -> None:
    services = _compose()["services"]
    for name, svc in services.items():
        if name != "airflow-init":
            assert "healthcheck" in svc and svc["healthcheck"]["test"], f"{name} has no healthcheck"
    mounts = {v.split(":")[1] for v in services["airflow-scheduler"]["volumes"]}
    assert {"/opt/airflow/dags", "/opt/airflow/plugins", "/opt/airflow/include", "/opt/airflow/dbt_project"} <= mounts
    assert services["airflow-apiserver"]["depends_on"]["airflow-init"]["condition"] == (
        "service_completed_successfully")


def test_secrets_come_from_env_file_and_every_variable_is_documented() -> None:
    text = (REPO / "docker-compose.yaml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))  # $${X} is a container-side variable
    documented = set(re.findall(r"^([A-Z_]+)=", (REPO / ".env.example").read_text(), re.M))
    assert used <= documented, f"undocumented variables: {used - documented}"
    assert "change-me" not in text  # no password literal in the compose file


def test_dockerfile_installs_the_locks_and_a_separate_dbt_virtualenv() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2" in dockerfile
    assert "pip install --no-cache-dir -r /opt/gridcarbon/requirements.txt" in dockerfile
    assert "/opt/dbt-venv/bin/pip install --no-cache-dir -r /opt/gridcarbon/requirements-dbt.txt" in dockerfile
