"""What every DAG shares, in one place: owner, retries with exponential backoff, Celery queues, asset URIs.

Imported by the DAG files at parse time, so it must stay light: no Airflow import at module level
beyond ``airflow.sdk.Asset`` inside ``raw_asset``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from gridcarbon.settings import env_int, env_str

if TYPE_CHECKING:
    from airflow.sdk import Asset

    from gridcarbon.warehouse import RawTable

OWNER = "gridcarbon"

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,  # Airflow 3.3: a multiplier; 2.0 doubles the delay per try
    "max_retry_delay": timedelta(minutes=30),
    # Every task ends: a hung upstream or database cannot hold a worker slot forever (the HTTP layer has its
    # own per-fetch deadline, GRIDCARBON_HTTP_DEADLINE). A DAG may pass a longer one for its heavy tasks.
    "execution_timeout": timedelta(minutes=env_int("GRIDCARBON_TASK_TIMEOUT_MINUTES", 60)),
}


# Celery queues (the LocalExecutor ignores them). The dbt DAG runs on a queue of its own, so the workers sized for
# dbt (memory, threads, the warehouse close by) take it and a backlog of extraction tasks never delays the
# marts; extraction runs on Airflow's default queue (``[operators] default_queue``, "default") unless an API is
# given a queue of its own with ``GRIDCARBON_QUEUE_<POOL>`` (e.g. ``GRIDCARBON_QUEUE_EIA=us``, for workers
# with an allow-listed egress IP). Read when the DAG files are parsed: set them for the DAG processor.
DBT_QUEUE_ENV = "GRIDCARBON_DBT_QUEUE"
DBT_QUEUE = env_str(DBT_QUEUE_ENV, "dbt")


def api_task_args(pool: str) -> dict[str, Any]:
    """``@task(**api_task_args("smard"), ...)``: an API's pool (``gridcarbon.pools``), and its queue when
    ``GRIDCARBON_QUEUE_<POOL>`` names one (otherwise the task stays on the default queue)."""
    queue = env_str(f"GRIDCARBON_QUEUE_{pool.upper()}", "")
    return {"pool": pool, **({"queue": queue} if queue else {})}


CATCHUP_DAYS_ENV = "GRIDCARBON_CATCHUP_DAYS"
DEFAULT_CATCHUP_DAYS = 2


def start_date(env_name: str) -> datetime:
    """A DAG's first scheduled interval.

    ``env_name`` (e.g. ``SMARD_START``: an ISO date/time, UTC unless it carries an offset) if set; otherwise
    midnight UTC ``GRIDCARBON_CATCHUP_DAYS`` (default 2) days before today. So a new deployment, once a DAG
    is unpaused (the UI's trigger dialog unpauses by default), catches up a short recent window instead of
    thousands of hourly runs since a fixed date; history is a deliberate backfill (``airflow backfill
    create`` or the UI's backfill dialog), which Airflow 3 allows before ``start_date``. The default moves
    once a day: a scheduler that was down for longer than the catch-up window leaves a gap to backfill.
    """
    raw = env_str(env_name, "")
    if raw:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    days = int(env_str(CATCHUP_DAYS_ENV, str(DEFAULT_CATCHUP_DAYS)))
    if days < 0:
        raise ValueError(f"{CATCHUP_DAYS_ENV} must be 0 or more, got {days}")
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days)


RECENT_DAYS_ENV = "GRIDCARBON_RECENT_DAYS"
DEFAULT_RECENT_DAYS = 7


def recent_days() -> int:
    """``GRIDCARBON_RECENT_DAYS`` (default 7): a DAG with a ``history_period`` runs its cron intervals for the
    last that many days (rounded down to the period's start) and whole weeks/days before (``gridcarbon.timetables``).
    Read when the DAG files are parsed."""
    days = int(env_str(RECENT_DAYS_ENV, str(DEFAULT_RECENT_DAYS)))
    if days < 0:
        raise ValueError(f"{RECENT_DAYS_ENV} must be 0 or more, got {days}")
    return days


def asset_uri(schema: str, table: str) -> str:
    """``postgres://host:5432/db/schema/table`` (Airflow's Postgres asset URI scheme).

    ``GRIDCARBON_ASSET_AUTHORITY`` (default ``warehouse:5432/gridcarbon``) is a stable logical name of the
    warehouse, so producers and the dbt DAG agree on URIs whatever host the connection points to.
    """
    authority = env_str("GRIDCARBON_ASSET_AUTHORITY", "warehouse:5432/gridcarbon")
    return f"postgres://{authority}/{schema}/{table}"


def raw_asset(table: RawTable) -> Asset:
    from airflow.sdk import Asset

    return Asset(uri=asset_uri(table.schema, table.name), name=f"{table.schema}.{table.name}")
