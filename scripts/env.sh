# Sourced by every make recipe: resolves the warehouse server and exports the project's environment.
# Nothing here is a secret; passwords come from the caller's environment only.
set -e
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PYTHONPATH="$ROOT/include${PYTHONPATH:+:$PYTHONPATH}"
# The project's Airflow first on PATH: Airflow starts some of its components by calling `airflow`.
export PATH="$ROOT/.venv/bin:$PATH"
# One truth for the warehouse's location: a connection the user set (AIRFLOW_CONN_WAREHOUSE_POSTGRES) names the
# server and database the make targets bootstrap; PGHOST/PGPORT/WAREHOUSE_DB set to something else is an error.
eval "$("$ROOT/.venv/bin/python" -m gridcarbon.bootstrap location)"
# Find a Postgres that answers (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres) or start a private one.
eval "$("$ROOT/.venv/bin/python" -m gridcarbon.bootstrap server)"
export WAREHOUSE_DB="${WAREHOUSE_DB:-gridcarbon}"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.local/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
# At most 8 task processes at once (Airflow's default, 32, starved a 2-core machine: task processes timed out
# importing DAG files). Raise it with the cores you have.
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-8}"
# Airflow's metadata in Postgres, in a database of its own on the warehouse server (`make` creates it):
# SQLite's single writer lock killed the scheduler ("database is locked"). `make demo` uses another database
# (airflow_demo) and home, so the demo and `make airflow` can run side by side.
export AIRFLOW_METADATA_DB="${AIRFLOW_METADATA_DB:-airflow}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-postgresql+psycopg2://$PGUSER@$PGHOST:$PGPORT/$AIRFLOW_METADATA_DB}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-30}"
export AIRFLOW__LOGGING__LOGGING_LEVEL="${AIRFLOW__LOGGING__LOGGING_LEVEL:-INFO}"
# The warehouse as an Airflow connection (loader role: writes raw schemas only).
export AIRFLOW_CONN_WAREHOUSE_POSTGRES="${AIRFLOW_CONN_WAREHOUSE_POSTGRES:-postgresql://gridcarbon_loader@$PGHOST:$PGPORT/$WAREHOUSE_DB}"
# dbt in its own virtualenv, connecting as the transformer role.
export GRIDCARBON_DBT_EXECUTABLE="${GRIDCARBON_DBT_EXECUTABLE:-$ROOT/.venv-dbt/bin/dbt}"
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$ROOT/dbt_project}"
export DBT_HOST="$PGHOST" DBT_PORT="$PGPORT" DBT_DATABASE="${DBT_DATABASE:-$WAREHOUSE_DB}"
export DBT_USER="${DBT_USER:-gridcarbon_transformer}"
# dbt docs: published by transform_warehouse (task dbt_docs) and `make docs`; served in Airflow under
# Browse > dbt Docs (gridcarbon) by Cosmos' Airflow 3 plugin.
export GRIDCARBON_DBT_DOCS_DIR="${GRIDCARBON_DBT_DOCS_DIR:-$ROOT/.local/dbt_docs}"
if [ -z "${AIRFLOW__COSMOS__DBT_DOCS_PROJECTS:-}" ]; then
  export AIRFLOW__COSMOS__DBT_DOCS_PROJECTS="{\"gridcarbon\": {\"dir\": \"$GRIDCARBON_DBT_DOCS_DIR\", \"index\": \"index.html\", \"name\": \"dbt Docs (gridcarbon)\"}}"
fi
# Offline by design: no usage telemetry from Cosmos or dbt (they would try to reach the internet).
export AIRFLOW__COSMOS__ENABLE_TELEMETRY=False
export DBT_SEND_ANONYMOUS_USAGE_STATS=False
mkdir -p "$AIRFLOW_HOME"
set +e
