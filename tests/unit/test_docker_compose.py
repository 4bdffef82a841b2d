"""docker-compose.yaml is validated statically (no Docker engine runs in CI): a user running
`docker compose up` gets Postgres 16 with separate warehouse and metadata databases, and the five Airflow 3
services on LocalExecutor, built from the Dockerfile that installs our locks and the dbt virtualenv; with
`AIRFLOW_EXECUTOR=CeleryExecutor` and the profile `celery` the same services on the CeleryExecutor, plus Redis,
a worker per queue (`default`, `dbt`) and Flower. (The CeleryExecutor itself runs for real in
tests/live/test_celery_executor.py.)"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer"}
CELERY_SERVICES = {"redis", "airflow-worker", "airflow-worker-dbt", "airflow-flower"}
CELERY_AIRFLOW_SERVICES = {"airflow-worker", "airflow-worker-dbt", "airflow-flower"}


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yaml").read_text())


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation of one value: ``${X}``, ``${X:-default}``, ``${X-default}``, ``${X:?error}``
    (raises), ``$$`` -> ``$``."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        value = env.get(name)
        if op == ":-":
            return value if value else arg
        if op == "-":
            return arg if value is None else value
        if op in (":?", "?") and not value and (op == ":?" or value is None):
            raise KeyError(f"{name}: {arg}")
        return value or ""
    return re.sub(r"\$\$|\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}", one, value)


def _environment(service: str, env: dict[str, str]) -> dict[str, str]:
    required = {"POSTGRES_PASSWORD": "pg", "WAREHOUSE_LOADER_PASSWORD": "l", "WAREHOUSE_TRANSFORMER_PASSWORD": "t",
                "GRIDCARBON_PSEUDONYM_KEY": "k", "AIRFLOW_JWT_SECRET": "j"}
    raw = _compose()["services"][service]["environment"]
    return {k: _interpolate(str(v), {**required, **env}) for k, v in raw.items()}


def test_services_and_images() -> None:
    services = _compose()["services"]
    assert AIRFLOW_SERVICES | {"postgres"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    for name in AIRFLOW_SERVICES:
        svc = services[name]
        assert svc["build"] == ".", name
        assert "profiles" not in svc, f"{name} must start without a profile"
        assert _environment(name, {})["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert _environment(name, {"AIRFLOW_EXECUTOR": ""})["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
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
    # Flower has no login: loopback only; Redis (the broker) is not published at all
    assert published.get("5555") == [("airflow-flower", "127.0.0.1")], published
    assert "6379" not in published, published


def test_one_jwt_secret_for_every_airflow_container() -> None:
    """Each container would otherwise generate its own [api_auth] jwt_secret into its own airflow.cfg, and the API
    server would reject the tokens the scheduler signs for the tasks ("Invalid auth token")."""
    services = _compose()["services"]
    for name in AIRFLOW_SERVICES | CELERY_AIRFLOW_SERVICES:
        value = services[name]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"]
        assert re.fullmatch(r"\$\{AIRFLOW_JWT_SECRET:\?[^}]*openssl rand -hex 32[^}]*\}", value), (name, value)
    assert re.search(r"^AIRFLOW_JWT_SECRET=$", (REPO / ".env.example").read_text(), re.M)


def test_celery_variant_is_a_profile_with_redis_workers_per_queue_and_flower() -> None:
    services = _compose()["services"]
    profiled = {name for name, svc in services.items() if svc.get("profiles")}
    assert profiled == CELERY_SERVICES
    assert all(services[name]["profiles"] == ["celery"] for name in CELERY_SERVICES)
    assert services["redis"]["image"].startswith("redis:7")
    assert "redis-cli" in str(services["redis"]["healthcheck"]["test"])
    celery = {"AIRFLOW_EXECUTOR": "CeleryExecutor"}
    for name in AIRFLOW_SERVICES | CELERY_AIRFLOW_SERVICES:
        env = _environment(name, celery)
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0", name
        # results in the metadata database, with its credentials
        sql = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2://", "postgresql://")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + sql, name
        assert sql.endswith("@postgres:5432/airflow")
    for name in CELERY_AIRFLOW_SERVICES:
        svc = services[name]
        assert svc["build"] == "." and svc["image"] == services["airflow-scheduler"]["image"], name
        assert svc["volumes"] == services["airflow-scheduler"]["volumes"], name  # dags, include, dbt_project, logs
        depends = svc["depends_on"]
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
        assert svc["healthcheck"]["test"], name
    assert services["airflow-flower"]["command"] == "celery flower"
    queues = {name: services[name]["environment"]["CELERY_QUEUES"] for name in ("airflow-worker", "airflow-worker-dbt")}
    assert queues == {"airflow-worker": "default", "airflow-worker-dbt": "dbt"}


def test_no_service_of_the_default_stack_depends_on_a_profiled_one() -> None:
    """`docker compose up` without the profile must not need Redis or the workers."""
    services = _compose()["services"]
    for name, svc in services.items():
        for dependency in svc.get("depends_on", {}):
            assert dependency in services, (name, dependency)
            if not svc.get("profiles"):
                assert not services[dependency].get("profiles"), f"{name} depends on {dependency} (profile only)"


def _worker_script(service: str) -> str:
    command = _compose()["services"][service]["command"]
    assert command[:2] == ["bash", "-c"], command
    return _interpolate(command[2], {})  # compose turns $$ into $ before the container's shell sees it


def test_workers_listen_on_their_queue_and_refuse_to_start_without_the_celery_executor(tmp_path: Path) -> None:
    """The workers' command, run by bash with `airflow` replaced by a stub that prints its arguments."""
    stub = tmp_path / "airflow"
    stub.write_text('#!/bin/sh\necho "airflow $*"\n')
    stub.chmod(0o755)
    services = _compose()["services"]
    for name, queue in (("airflow-worker", "default"), ("airflow-worker-dbt", "dbt")):
        env = {**_environment(name, {"AIRFLOW_EXECUTOR": "CeleryExecutor"}),
               "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(["bash", "-c", _worker_script(name)], env=env, capture_output=True, text=True,
                              timeout=30)
        concurrency = services[name]["environment"]["CELERY_CONCURRENCY"]
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"airflow celery worker --queues {queue} --concurrency {concurrency}"
        env["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
        done = subprocess.run(["bash", "-c", _worker_script(name)], env=env, capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 1 and "AIRFLOW_EXECUTOR=CeleryExecutor" in done.stderr, (done.stdout, done.stderr)
        assert done.stdout == ""


def test_the_dbt_queue_is_the_transformation_queue_and_the_celery_provider_is_locked() -> None:
    from gridcarbon import dag_defaults

    assert dag_defaults.DBT_QUEUE == "dbt" or os.environ.get(dag_defaults.DBT_QUEUE_ENV)
    dag_file = (REPO / "dags" / "transform_warehouse.py").read_text()
    assert '"queue": DBT_QUEUE' in dag_file
    lock = (REPO / "requirements.txt").read_text()
    assert re.search(r"^apache-airflow-providers-celery==\d", lock, re.M)
    assert re.search(r"^redis==\d", lock, re.M) and re.search(r"^flower==\d", lock, re.M)
    assert "apache-airflow-providers-celery" in (REPO / "requirements.in").read_text()
