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


def test_pseudonym_key_is_required_where_the_bootstrap_runs() -> None:
    """`docker compose up` refuses to start without GRIDCARBON_PSEUDONYM_KEY (`${X:?message}` fails on unset or
    empty), and the service that runs the bootstrap (which stores the key in the warehouse) receives it."""
    services = _compose()["services"]
    bootstrapping = [n for n, s in services.items() if "gridcarbon.bootstrap database" in str(s.get("command"))]
    assert bootstrapping == ["airflow-init"]
    value = services["airflow-init"]["environment"]["GRIDCARBON_PSEUDONYM_KEY"]
    assert re.fullmatch(r"\$\{GRIDCARBON_PSEUDONYM_KEY:\?[^}]*openssl rand -hex 32[^}]*\}", value), value
    # the merge keeps every common variable of the Airflow services
    assert set(services["airflow-scheduler"]["environment"]) <= set(services["airflow-init"]["environment"])
    example = (REPO / ".env.example").read_text()
    assert re.search(r"^GRIDCARBON_PSEUDONYM_KEY=$", example, re.M), "documented, with no usable default"


def test_postgres_is_not_published_on_all_interfaces() -> None:
    """The warehouse port, if published at all, is bound to the host's loopback, never 0.0.0.0 (the default)."""
    published = {}
    for name, svc in _compose()["services"].items():
        for port in svc.get("ports", []):
            if isinstance(port, dict):  # long syntax
                target, host_ip = str(port["target"]), str(port.get("host_ip", ""))
            else:  # [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]
                parts = str(port).split("/")[0].split(":")
                target, host_ip = parts[-1], (parts[0] if len(parts) == 3 else "")
            published.setdefault(target, []).append((name, host_ip))
    assert published.get("5432", []) in ([], [("postgres", "127.0.0.1")]), published
